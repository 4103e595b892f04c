"""Atera reports the account's time zone by its Windows name ("Eastern Standard Time");
billing periods are asked for in that zone. Map it to an IANA zone with CLDR's table."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import win_tz


def zone_from_name(name: str | None) -> ZoneInfo | None:
    """An IANA or Windows zone name -> ZoneInfo; None when it is unknown or empty."""
    if not name:
        return None
    candidate = win_tz.get(name.strip(), name.strip())
    try:
        return ZoneInfo(candidate)
    except (ZoneInfoNotFoundError, ValueError):
        return None
