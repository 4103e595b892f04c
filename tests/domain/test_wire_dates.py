"""Timestamps sent to Atera: always a four-digit year, UTC with a trailing Z."""

from datetime import UTC, datetime, timedelta, timezone

from atera_mcp.domain.wire import format_utc


def test_utc_timestamps_have_zero_padded_four_digit_years() -> None:
    assert format_utc(datetime(999, 3, 4, 5, 6, 7, tzinfo=UTC)) == "0999-03-04T05:06:07Z"
    assert format_utc(datetime(1, 1, 1)) == "0001-01-01T00:00:00Z"


def test_an_offset_is_converted_to_utc_and_a_naive_time_is_utc() -> None:
    east = timezone(timedelta(hours=2))
    assert format_utc(datetime(2026, 11, 26, 17, 0, tzinfo=east)) == "2026-11-26T15:00:00Z"
    assert format_utc(datetime(2026, 11, 26, 15, 0)) == "2026-11-26T15:00:00Z"
