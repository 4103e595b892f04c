"""The acting technician and the directory the tools check technicians against."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from atera_mcp.errors import RuleError
from tests.harness import NOW, rig


@pytest.mark.anyio
async def test_the_configured_acting_technician_is_known_even_when_not_listed() -> None:
    async with rig(technicians=(), technician_id=555, technician_email="me@msp.example") as r:
        acting = r.ctx.technician(None, None, role="comment author")
        assert (acting.id, acting.email) == (555, "me@msp.example")


@pytest.mark.anyio
async def test_with_no_acting_technician_the_error_says_how_to_configure_one() -> None:
    async with rig(technician_id=None) as r:
        with pytest.raises(RuleError, match="ATERA_TECHNICIAN_ID"):
            r.ctx.technician(None, None, role="comment author")


@pytest.mark.anyio
async def test_an_unknown_technician_error_lists_the_known_ones() -> None:
    async with rig() as r:
        with pytest.raises(RuleError, match=r"not known\. Known technicians: .+\(10[1-6]\)"):
            r.ctx.technician(999, None, role="technician")


@pytest.mark.anyio
async def test_a_time_without_offset_is_read_in_the_account_time_zone() -> None:
    # The sandbox account is on Eastern time: 10:00 local on 26 November is 15:00 UTC.
    async with rig() as r:
        assert await r.ctx.to_utc(datetime(2026, 11, 26, 10, 0)) == NOW


@pytest.mark.anyio
async def test_a_time_with_an_offset_keeps_its_instant() -> None:
    async with rig() as r:
        given = datetime(2026, 11, 26, 16, 0, tzinfo=timezone(timedelta(hours=1)))
        converted = await r.ctx.to_utc(given)
        assert (converted, converted.tzinfo) == (NOW, UTC)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "value",
    [datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))), datetime(9999, 12, 31, 23, 59)],
)
async def test_a_time_outside_1990_to_2100_is_refused_instead_of_overflowing(
    value: datetime,
) -> None:
    async with rig() as r:
        with pytest.raises(RuleError, match="dates must be within 1990-01-01 to 2100-12-31"):
            await r.ctx.to_utc(value)
