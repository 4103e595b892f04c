"""The shared parameter types: ids within Atera's int64 (RateID int32), dates within
1990-2100, and what the model reads when a value is outside them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from atera_mcp.tools.params import AteraId, Day, LocalTime, RateId
from tests.server.mcp_rig import mcp_rig

ids = TypeAdapter(AteraId)
rate_ids = TypeAdapter(RateId)
days = TypeAdapter(Day)
times = TypeAdapter(LocalTime)


def test_ids_run_from_one_to_the_largest_int64() -> None:
    assert ids.validate_python(1) == 1
    assert ids.validate_python(2**63 - 1) == 2**63 - 1
    for wrong in (0, -1, 2**63, 10**30):
        with pytest.raises(ValidationError):
            ids.validate_python(wrong)


def test_an_id_past_int64_is_refused_naming_the_valid_range() -> None:
    with pytest.raises(ValidationError, match=r"from 1 to 9223372036854775807 \(2\^63-1\)"):
        ids.validate_python(2**63)


def test_rate_ids_stop_at_int32_as_atera_declares_them() -> None:
    assert rate_ids.validate_python(2**31 - 1) == 2**31 - 1
    with pytest.raises(ValidationError, match=r"from 1 to 2147483647"):
        rate_ids.validate_python(2**31)


def test_dates_run_from_1990_to_2100_inclusive() -> None:
    assert days.validate_python("1990-01-01") == date(1990, 1, 1)
    assert days.validate_python("2100-12-31") == date(2100, 12, 31)
    for wrong in ("1989-12-31", "2101-01-01", "0001-01-01", "9999-12-31"):
        with pytest.raises(ValidationError, match="dates must be within 1990-01-01 to 2100-12-31"):
            days.validate_python(wrong)


def test_times_at_the_ends_of_the_calendar_are_refused_rather_than_overflowing() -> None:
    for wrong in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "1989-12-31T23:59"):
        with pytest.raises(ValidationError, match="1990-01-01 to 2100-12-31"):
            times.validate_python(wrong)
    # The last valid day with the widest offset still converts.
    last = times.validate_python("2100-12-31T23:59:59-23:59")
    assert last.astimezone(UTC) == datetime(2101, 1, 1, 23, 58, 59, tzinfo=UTC)
    assert last.tzinfo == timezone(-timedelta(hours=23, minutes=59))


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("tool", "arguments", "says"),
    [
        ("get_ticket", {"ticket_id": 2**63}, "ticket_id: Atera ids are whole numbers from 1"),
        ("get_billable", {"ticket_ids": [1, 2**63]}, "ticket_ids.1: Atera ids are whole numbers"),
        (
            "link_tickets",
            {"ticket_id": 1, "related_ticket_id": 2**64, "relation": "child"},
            "related_ticket_id: Atera ids",
        ),
        (
            "get_billable",
            {"period_start": "0001-01-01", "period_end": "2026-11-01"},
            "period_start: dates must be within 1990-01-01 to 2100-12-31 (got '0001-01-01')",
        ),
        (
            "log_hours",
            {"ticket_id": 1, "start": "9999-12-31T23:59:59", "billable": True, "end": "x"},
            "start: dates must be within 1990-01-01 to 2100-12-31",
        ),
    ],
)
async def test_out_of_range_arguments_are_refused_plainly_and_nothing_reaches_atera(
    tool: str, arguments: dict[str, Any], says: str
) -> None:
    async with mcp_rig() as rig:
        text = await rig.refused(tool, **arguments)
        assert text.startswith(f"Invalid arguments for {tool}.")
        assert says in text
        assert rig.recorder.records == []
