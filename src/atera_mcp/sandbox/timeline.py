"""Time in the sandbox: the seeded calendar of local business days, and the running clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from atera_mcp.sandbox.config import as_utc

DAY = timedelta(days=1)


class DayTable:
    """Local days before `now` in the account's zone, as UTC instants.

    Day k is k days before today (local). Working from precomputed local midnights keeps the
    seed fast: an event time is one addition instead of a time-zone conversion.
    """

    def __init__(self, now: datetime, zone: ZoneInfo, days: int) -> None:
        today = now.astimezone(zone).date()
        dates = [today - k * DAY for k in range(days + 1)]
        self.starts = [datetime.combine(d, time(), zone).astimezone(UTC) for d in dates]
        self.weekdays = [d.weekday() for d in dates]

    def day_of(self, instant: datetime) -> int:
        """The index k of the local day holding `instant` (0 = today)."""
        return max(0, -((instant - self.starts[0]) // DAY))


class SandboxClock:
    """The sandbox's running "now": the configured clock, always read as an aware UTC instant.

    By default that is the real time, so a write made now is stamped now and
    `lastmodified?date=<a few seconds ago>` finds it. Only the seeded history is anchored.
    """

    def __init__(self, source: Callable[[], datetime]) -> None:
        self._source = source

    def now(self) -> datetime:
        return as_utc(self._source())
