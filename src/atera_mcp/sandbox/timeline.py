"""Time in the sandbox: the seeded calendar of local business days, and the running clock."""

from __future__ import annotations

import time as monotonic_time
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

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
    """The sandbox's "now": the seed anchor plus the real time elapsed since start.

    Anchoring at the seed's `now` keeps writes after every seeded event even when a test pins
    `now` in the past or future; the monotonic clock keeps successive writes ordered.
    """

    def __init__(self, anchor: datetime) -> None:
        self._anchor = anchor.astimezone(UTC)
        self._started = monotonic_time.monotonic()

    def now(self) -> datetime:
        return self._anchor + timedelta(seconds=monotonic_time.monotonic() - self._started)
