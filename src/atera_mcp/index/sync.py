"""The sync engine: the first sync and the deltas that keep the index fresh (the comment
backfill and the reconciling sweep are in upkeep.py).

Everything here reads Atera through `AteraClient` and writes the store through a runner (the
`TicketIndex` worker thread). Nothing relies on the order Atera lists tickets in:
- the first sync reads the open statuses first (`GET /tickets?ticketStatus=`, one a request),
  then the feed since it began (what changed status meanwhile, either way) and a count per
  status; a status whose tickets are all indexed is kept by deltas from then on, while the rest
  of the history is read;
- the first sync reads every page of `GET /tickets` (pages shift while they are read), then the
  delta feed from the sweep's start catches what changed meanwhile, and a count check re-reads
  the pages when tickets were still missed (a shift carried one across a page boundary);
- a delta pass reads `GET /tickets/lastmodified` from the watermark minus an overlap; it only
  counts as complete when it saw at least as many tickets as the feed's last page said it holds
  (the feed only grows while it is read), otherwise it is read again and the watermark stays.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol, TypeVar

import anyio

from atera_mcp.client import AteraClient
from atera_mcp.domain.wire import Page, TicketDto
from atera_mcp.index.backend import IndexBackend, Observation, SyncState

log = logging.getLogger(__name__)

T = TypeVar("T")
P = TypeVar("P")  # a page of any list
Clock = Callable[[], datetime]

PAGE_SIZE = 50  # Atera's maximum itemsInPage
OVERLAP = timedelta(seconds=120)  # deltas re-read this much before the watermark (clock skew)
FEED_ATTEMPTS = 3  # reads of one delta before giving up until the next pass
REPAIR_ROUNDS = 2  # re-reads of every page when the first sync still misses tickets
OPEN_STATUSES = ("Open", "Pending")


class StoreRunner(Protocol):
    """Runs blocking store work off the event loop (`TicketIndex.run`)."""

    async def __call__(self, work: Callable[[IndexBackend], T]) -> T: ...


def percent_synced(state: SyncState) -> float:
    """How far the first sync is, as the share of `GET /tickets` pages read (0 to 100)."""
    if state.phase == "ready":
        return 100.0
    if state.pages_total <= 0:
        return 0.0
    return min(100.0, 100.0 * len(state.pages_done) / state.pages_total)


def page_count(page: Page[Any]) -> int:
    """How many pages a list has, from its first page (Atera may leave totalPages out)."""
    if page.total_pages > 0:
        return page.total_pages
    return max(1, math.ceil(page.total_item_count / PAGE_SIZE))


async def read_pages(
    fetch: Callable[[int], Awaitable[P]],
    numbers: Iterable[int],
    on_page: Callable[[int, P, datetime], Awaitable[None]],
    clock: Clock,
    concurrency: int,
) -> None:
    """Fetch each page number with at most `concurrency` in flight and hand every page to
    `on_page` with its read time as it arrives. The first failure stops the rest and is
    raised as itself (an AteraError, LeaseLost, a busy file), never wrapped in an
    ExceptionGroup: callers catch the errors they expect by type."""
    queue = iter(numbers)
    failures: list[Exception] = []

    async def worker(scope: anyio.CancelScope) -> None:
        for number in queue:
            try:
                page = await fetch(number)
                await on_page(number, page, clock())
            except Exception as exc:
                failures.append(exc)
                scope.cancel()
                return

    async with anyio.create_task_group() as group:
        for _ in range(concurrency):
            group.start_soon(worker, group.cancel_scope)
    if failures:
        raise failures[0]


@dataclass
class FeedRead:
    """What one read of the delta feed saw."""

    since: datetime
    ids: set[int] = field(default_factory=set)
    created: dict[int, datetime | None] = field(default_factory=dict)  # TicketCreatedDate
    largest_total: int = 0  # the feed's totalItemCount, as its latest page said

    @property
    def complete(self) -> bool:
        # The feed only grows while it is read, so seeing as many tickets as it finally held
        # means nothing slipped between two pages.
        return len(self.ids) >= self.largest_total


@dataclass
class SyncEngine:
    """The account's sync, step by step; `TicketIndex` decides when each step runs.

    `heartbeat` is awaited after every page (the service renews its lease there) and
    `on_progress` is called with the state after every page of the first sync.
    """

    atera: AteraClient
    run: StoreRunner
    clock: Clock
    concurrency: int = 4
    overlap: timedelta = OVERLAP
    heartbeat: Callable[[], Awaitable[None]] | None = None
    on_progress: Callable[[SyncState], None] | None = None
    on_feed: Callable[[set[int]], None] | None = None  # the ids a complete feed read listed
    # Read before the rest of the history (the statuses of open work: Open, Pending and the
    # custom statuses configured as either), so searches within them are complete early.
    open_statuses: tuple[str, ...] = OPEN_STATUSES

    # -- first sync ---------------------------------------------------------------------------

    async def first_sync(self) -> SyncState:
        """Read every ticket once, resuming a sweep a killed process left half done."""
        state = await self.run(lambda s: s.load_state())
        if state.phase == "ready":
            return state
        first_total: int | None = None  # Atera's count when this sweep began (None: resumed)
        if state.phase != "sweeping" or state.pages_total <= 0 or state.sweep_started is None:
            state = SyncState(phase="sweeping", sweep_started=self.clock())
            await self._read_open_first(state)
            first_total = await self._read_first_page(state)
        assert state.sweep_started is not None
        for attempt in range(REPAIR_ROUNDS + 1):
            await self._read_missing_pages(state)
            started = self.clock()
            feed = await self.read_feed(state.sweep_started - self.overlap)
            # An incomplete feed is read again, from the sweep's start, by the next delta.
            mark = started if feed.complete else state.sweep_started
            total = (await self.atera.list_tickets_page(page=1, items_in_page=1)).total_item_count
            indexed = await self.run(lambda s: s.count())
            # Fewer indexed than Atera counts: a page shift carried some past the sweep
            # (what was created meanwhile is in the feed already). Read every page again.
            if indexed >= total or attempt == REPAIR_ROUNDS:
                # Otherwise the reconciling sweep verifies it next (every page read again).
                deleted = self._maybe_deleted(state.sweep_started, first_total, total, feed)
                verified = attempt == 0 and not deleted
                return await self._declare_ready(state, mark, verified=verified)
            log.info("First sync saw %d of %d tickets; reading every page again", indexed, total)
            await self._read_first_page(state)
        raise AssertionError("unreachable")

    @staticmethod
    def _maybe_deleted(
        started: datetime, first_total: int | None, total: int, feed: FeedRead
    ) -> bool:
        """Whether tickets may have been deleted while the pages were read: Atera's count did
        not grow by the tickets created since. A deletion shifts later tickets onto pages
        already read, which the count check cannot see (one fewer found, one fewer counted)."""
        if first_total is None:
            return True  # resumed: what happened while it was stopped is unknown
        created = sum(1 for at in feed.created.values() if at is not None and at >= started)
        return first_total + created > total

    async def _read_open_first(self, state: SyncState) -> None:
        """Read every ticket of the open statuses, then the feed since the sweep began (what
        changed status meanwhile, whichever way), and count: each status whose tickets are
        all indexed now is kept by the deltas from here, and searches within it are complete
        while the rest of the history is read. One status per request (Atera's filter)."""
        assert state.sweep_started is not None
        await self.run(lambda store: store.save_state(state))
        for status in self.open_statuses:
            await self._read_status(status)
        for _ in range(REPAIR_ROUNDS + 1):
            started = self.clock()
            feed = await self.read_feed(state.sweep_started - self.overlap)
            if not feed.complete:
                return  # the feed kept changing: the full sweep and its checks will do
            missing = [s for s in self.open_statuses if not await self._all_indexed(s)]
            state.statuses_read = frozenset(
                s.casefold() for s in self.open_statuses if s not in missing
            )
            state.watermark = state.last_delta_at = started
            await self.run(lambda store: store.save_state(state))
            if not missing:
                return
            # A page shift (a ticket leaving the status while its pages were read) carried
            # one past a page boundary: read those statuses again.
            for status in missing:
                await self._read_status(status)

    async def _read_status(self, status: str) -> None:
        async def fetch(number: int) -> Page[TicketDto]:
            return await self.atera.list_tickets_page(
                page=number, items_in_page=PAGE_SIZE, status=status
            )

        async def on_page(number: int, page: Page[TicketDto], at: datetime) -> None:
            items = page.items or []
            await self.run(lambda store: store.upsert_tickets(items, Observation(at=at)))
            if self.heartbeat is not None:
                await self.heartbeat()

        first = await fetch(1)
        await on_page(1, first, self.clock())
        await read_pages(
            fetch, range(2, page_count(first) + 1), on_page, self.clock, self.concurrency
        )

    async def _all_indexed(self, status: str) -> bool:
        page = await self.atera.list_tickets_page(page=1, items_in_page=1, status=status)
        key = status.casefold()
        indexed = await self.run(lambda store: store.count_status(key))
        return indexed >= page.total_item_count

    async def _read_first_page(self, state: SyncState) -> int:
        """Page 1 tells how many pages there are (and tickets: returned); the rest follow."""
        first = await self.atera.list_tickets_page(page=1, items_in_page=PAGE_SIZE)
        seen = Observation(at=self.clock())
        items = first.items or []
        state.pages_total, state.pages_done = page_count(first), {1}

        def save(store: IndexBackend) -> None:
            store.upsert_tickets(items, seen)
            store.save_state(state)

        await self.run(save)
        await self._after_page(state)
        return first.total_item_count

    async def _read_missing_pages(self, state: SyncState) -> None:
        missing = sorted(set(range(1, state.pages_total + 1)) - state.pages_done)

        async def fetch(number: int) -> Page[TicketDto]:
            return await self.atera.list_tickets_page(page=number, items_in_page=PAGE_SIZE)

        async def on_page(number: int, page: Page[TicketDto], at: datetime) -> None:
            items = page.items or []

            def save(store: IndexBackend) -> None:
                store.upsert_tickets(items, Observation(at=at))
                state.pages_done.add(number)
                store.save_state(state)  # a killed sync resumes from here

            await self.run(save)
            await self._after_page(state)

        await read_pages(fetch, missing, on_page, self.clock, self.concurrency)

    async def _declare_ready(
        self, state: SyncState, delta_start: datetime, *, verified: bool
    ) -> SyncState:
        state.phase = "ready"
        state.first_watermark = state.sweep_started
        state.watermark = state.last_delta_at = delta_start
        # A sweep nothing was deleted under has read every id: the next is due in a day.
        state.last_full_sweep_at = state.sweep_started if verified else None

        def save(store: IndexBackend) -> None:
            store.save_state(state)
            store.analyze()  # the planner's statistics, now that every ticket is in

        await self.run(save)
        if self.on_progress is not None:
            self.on_progress(state)
        return state

    async def _after_page(self, state: SyncState) -> None:
        if self.on_progress is not None:
            self.on_progress(state)
        if self.heartbeat is not None:
            await self.heartbeat()

    # -- deltas -------------------------------------------------------------------------------

    async def delta(self) -> SyncState:
        """Read the feed from the watermark (minus the overlap) into the index: once ready, or
        once the open statuses were read while the rest of the history is read."""
        state = await self.run(lambda s: s.load_state())
        mark = state.watermark or state.first_watermark
        if not has_deltas(state) or mark is None:
            return state
        started = self.clock()
        feed = await self.read_feed(mark - self.overlap)
        if not feed.complete:
            log.warning("Index delta: the feed kept changing while read; it is read again next")
            return state

        def advance(store: IndexBackend) -> SyncState:
            # Reloaded here: a write-through or another process may have saved since.
            current = store.load_state()
            current.watermark = later(current.watermark, started)
            current.last_delta_at = later(current.last_delta_at, started)
            store.save_state(current)
            return current

        return await self.run(advance)

    async def read_feed(self, since: datetime) -> FeedRead:
        """Read the feed from `since` into the index until one read is complete (a few tries),
        and settle what it proved. Its requests go in the caller's class: the background's for
        the sync, interactive for a search."""
        feed = FeedRead(since)
        for _ in range(FEED_ATTEMPTS):
            # Only tickets whose bounds straddle `since` can change: settling the others is
            # a no-op (and one UPDATE each, on every delta).
            asked = await self.run(lambda s: s.uncertain_since(since))
            feed = await self._read_feed(since)
            if feed.complete:
                if self.on_feed is not None:
                    self.on_feed(feed.ids)
                settle = partial(_settle, since=since, modified=feed.ids, asked=asked)
                await self.run(settle)
                return feed
        return feed

    async def _read_feed(self, since: datetime) -> FeedRead:
        feed = FeedRead(since)

        async def fetch(number: int) -> Page[TicketDto]:
            return await self.atera.tickets_modified_since_page(
                since, page=number, items_in_page=PAGE_SIZE, include_comments=True
            )

        async def on_page(number: int, page: Page[TicketDto], at: datetime) -> None:
            items = page.items or []
            feed.ids.update(t.ticket_id for t in items)
            feed.created.update((t.ticket_id, t.ticket_created_date) for t in items)
            feed.largest_total = max(feed.largest_total, page.total_item_count)
            await self.run(lambda s: s.upsert_tickets(items, Observation(at=at, since=since)))
            if self.heartbeat is not None:
                await self.heartbeat()

        first = await fetch(1)
        await on_page(1, first, self.clock())
        done, pages = 1, page_count(first)
        # Tickets modified while the feed is read join its end: follow it while it grows.
        while done < pages:
            await read_pages(
                fetch, range(done + 1, pages + 1), on_page, self.clock, self.concurrency
            )
            done, pages = pages, max(pages, math.ceil(feed.largest_total / PAGE_SIZE))
        return feed


def has_deltas(state: SyncState) -> bool:
    """Whether the delta feed keeps this index (or its open statuses) up to date."""
    return state.phase == "ready" or (state.phase == "sweeping" and bool(state.statuses_read))


def _settle(store: IndexBackend, *, since: datetime, modified: set[int], asked: set[int]) -> None:
    store.settle_modified(since, modified, asked)


def later(a: datetime | None, b: datetime) -> datetime:
    """The later of two times, the first of which may be unknown."""
    return b if a is None or b > a else a
