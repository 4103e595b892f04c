"""`WorkLedger`: work-hour entries kept in the index, so a billing period of any length is
complete and exact, and costs no request to Atera once its days have been read.

How it stays right. Atera has no change feed for time entries, and an entry may be logged for
a past day; but an entry cannot be edited or deleted, so the index only ever adds. Therefore:
- a report reads from `GET /workhours` only the days of its period never read in full (cold:
  the pages of those days, plus the day after, since Atera filters by the end of an entry);
- our own writes go in at once (log_hours reads the ticket's entries back and records them);
- the tickets the change feed lists (time logged marks a ticket modified) have their billable
  total compared with Atera's (`POST /tickets/billableduration`, 50 a request), and those that
  differ are read again (`GET /tickets/{id}/workhoursrecords`): billable time logged late
  elsewhere counts within a background step or two, whatever its day;
- while the server is in use, the last `RECENT_DAYS` days are read again every `RECENT_EVERY`,
  and the last `SETTLE_DAYS` days once a day: an entry logged late for one of those days is in
  the index within that time;
- in the background, the last `FILL_DAYS` days are read once, a month at a time, newest first.
A report's `as_of` is the oldest read of its days: every entry logged before then is in it (and
every entry logged since through this server).

A read counts only when it saw as many distinct entries as Atera counted (entries added while
the pages are read shift them); otherwise it is tried again, and its days stay unread.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from atera_mcp.client import AteraClient
from atera_mcp.client.worktime import MAX_BILLABLE_IDS
from atera_mcp.domain.timezones import zone_from_name
from atera_mcp.domain.wire import Page, TicketWorkHoursDto, WorkhourRecordDto
from atera_mcp.errors import NotFoundError
from atera_mcp.index.backend import IndexBackend
from atera_mcp.index.ledger import LedgerEntry, as_record, day_key, entry_row
from atera_mcp.index.rows import timestamp
from atera_mcp.index.sync import PAGE_SIZE, Clock, StoreRunner, page_count, read_pages

log = logging.getLogger(__name__)

FILL_DAYS = 366
CHUNK_DAYS = 31  # days read by one background step
RECENT_DAYS, RECENT_EVERY = 7, timedelta(hours=1)
SETTLE_DAYS, SETTLE_EVERY = 35, timedelta(days=1)
READ_ATTEMPTS = 3
TOLERANCE = 30  # seconds: Atera gives hours as rounded floats; an entry is a minute at least


@dataclass(frozen=True)
class Entries:
    """A period's entries from the index, and what they stand on."""

    items: list[LedgerEntry]
    as_of: datetime | None  # None: some day could not be read (complete is then False)
    complete: bool


def day_runs(days: Sequence[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive days, (first, last) each."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass
class WorkLedger:
    """The ledger's reads of Atera and its background work; `TicketIndex` runs the work."""

    atera: AteraClient
    run: StoreRunner
    clock: Clock
    concurrency: int = 4
    heartbeat: Callable[[], Awaitable[None]] | None = None
    zone: ZoneInfo | None = None  # the account's, as the last report or Atera said
    pending: set[int] = field(default_factory=set)  # tickets the feed listed, not checked yet

    def note_modified(self, ticket_ids: set[int]) -> None:
        """Tickets the change feed listed: their billable totals are checked next."""
        self.pending |= ticket_ids

    async def check_modified(self) -> bool:
        """Compare up to 50 listed tickets' billable totals with Atera's and read again the
        entries of those that differ; whether there was any to check."""
        batch = sorted(self.pending)[:MAX_BILLABLE_IDS]
        if not batch:
            return False
        self.pending -= set(batch)
        theirs = {
            d.ticket_id: round((d.on_site_duration_hours + d.off_site_duration_hours) * 3600)
            for d in await self.atera.billable_durations(batch)
        }
        ours = await self.run(lambda s: s.billable_seconds(batch))
        for ticket_id, seconds in sorted(theirs.items()):
            if abs(seconds - ours.get(ticket_id, 0)) > TOLERANCE:
                await self._reread(ticket_id)
        return True

    async def _reread(self, ticket_id: int) -> None:
        try:
            found = await self.atera.work_hour_records(ticket_id)
        except NotFoundError:
            return
        owner = await self.run(partial(_owner, ticket_id=ticket_id))
        await self.run(entries_work(found.items, *owner))

    # -- what get_billable calls ---------------------------------------------------------------

    async def entries(self, zone: ZoneInfo, first: date, last: date) -> Entries:
        """Every entry that started on the local days `first` to `last`: unread days are read
        from Atera first (in the caller's request class), the rest come from the index."""
        self.zone = zone
        days = span(first, last)
        unread = await self._unread(zone, days)
        for a, b in day_runs(unread):
            await self.read_days(zone, a, b)
        read = await self._read_at(zone, days)
        lo, hi = _instant(first, zone), _instant(last + timedelta(days=1), zone)
        rows = await self.run(lambda s: s.work_entries_between(lo, hi))
        complete = len(read) == len(days)
        as_of = datetime.fromtimestamp(min(read.values()), UTC) if complete else None
        return Entries([as_record(r) for r in rows], as_of, complete)

    # -- reading days --------------------------------------------------------------------------

    async def read_days(self, zone: ZoneInfo, first: date, last: date) -> bool:
        """Read every entry of the local days `first` to `last` and mark them read; False when
        no read was complete (the entries seen are kept, the days stay unread)."""
        # Atera keeps entries that *end* by endWorkhour: one day more brings those starting on
        # the last day and running past midnight (an entry is at most a day long).
        lo = datetime.combine(first, time())
        hi = datetime.combine(last + timedelta(days=1), time(23, 59, 59))
        keys = [day_key(zone.key, d) for d in span(first, last)]
        for _ in range(READ_ATTEMPTS):
            started = timestamp(self.clock()) or 0.0
            if await self._read_pages(lo, hi):
                await self.run(partial(_mark_read, days=keys, at=started))
                return True
        log.warning("Work hours from %s to %s kept changing while read; tried later", first, last)
        return False

    async def _read_pages(self, lo: datetime, hi: datetime) -> bool:
        seen: set[int] = set()
        largest = 0

        async def fetch(number: int) -> Page[WorkhourRecordDto]:
            return await self.atera.work_hours_page(lo, hi, page=number, items_in_page=PAGE_SIZE)

        async def on_page(number: int, page: Page[WorkhourRecordDto], _: datetime) -> None:
            nonlocal largest
            items = page.items or []
            seen.update(r.work_hours_id for r in items)
            largest = max(largest, page.total_item_count)
            rows = [row for r in items if (row := entry_row(r)) is not None]
            await self.run(lambda s: s.add_work_entries(rows))
            if self.heartbeat is not None:
                await self.heartbeat()

        first = await fetch(1)
        await on_page(1, first, self.clock())
        pages = range(2, page_count(first) + 1)
        await read_pages(fetch, pages, on_page, self.clock, self.concurrency)
        return len(seen) >= largest

    async def _read_at(self, zone: ZoneInfo, days: Sequence[date]) -> dict[date, float]:
        keys = {day_key(zone.key, d): d for d in days}
        found = await self.run(lambda s: s.days_read(list(keys)))
        return {keys[k]: at for k, at in found.items()}

    async def _unread(self, zone: ZoneInfo, days: Sequence[date]) -> list[date]:
        read = await self._read_at(zone, days)
        return [d for d in days if d not in read]

    # -- background work -----------------------------------------------------------------------

    async def step(self, *, in_use: bool) -> bool:
        """Check the tickets the feed listed, else read the most urgent run of days, if any
        is due; whether anything was done."""
        if await self.check_modified():
            return True
        zone = self.zone or await self._account_zone()
        now = self.clock()
        today = now.astimezone(zone).date()
        due: list[date] = []
        if in_use:
            due = await self._older_than(zone, today, RECENT_DAYS, now - RECENT_EVERY)
            due = due or await self._older_than(zone, today, SETTLE_DAYS, now - SETTLE_EVERY)
        if not due:
            window = span(today - timedelta(days=FILL_DAYS - 1), today)
            due = (await self._unread(zone, window))[-CHUNK_DAYS:]
        if not due:
            return False
        a, b = day_runs(due)[-1]  # the newest run first
        await self.read_days(zone, max(a, b - timedelta(days=CHUNK_DAYS - 1)), b)
        return True

    async def _older_than(
        self, zone: ZoneInfo, today: date, days: int, moment: datetime
    ) -> list[date]:
        window = span(today - timedelta(days=days - 1), today)
        read = await self._read_at(zone, window)
        limit = timestamp(moment) or 0.0
        return [d for d in window if d in read and read[d] < limit]

    async def _account_zone(self) -> ZoneInfo:
        account = await self.atera.get_account()
        self.zone = zone_from_name(account.time_zone_name) or ZoneInfo("UTC")
        return self.zone


def entries_work(
    entries: Sequence[TicketWorkHoursDto], customer_id: int | None, end_user_id: int | None
) -> Callable[[IndexBackend], None]:
    """Store work recording a ticket's entries read live (log_hours reads them back)."""
    rows = [r for e in entries if (r := entry_row(e, customer_id, end_user_id)) is not None]
    return lambda store: store.add_work_entries(rows)


def _owner(store: IndexBackend, *, ticket_id: int) -> tuple[int | None, int | None]:
    return store.ticket_owner(ticket_id)


def _mark_read(store: IndexBackend, *, days: list[str], at: float) -> None:
    store.add_work_entries([], days, at)


def _instant(day: date, zone: ZoneInfo) -> float:
    """The UTC timestamp of `day`'s local midnight."""
    return datetime.combine(day, time(), tzinfo=zone).timestamp()
