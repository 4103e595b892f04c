"""`TicketIndex`: the index as tools and the server see it (async; store work in a thread).

One process syncs an account at a time: the background work runs only while this process
holds the store's lease (renewed after every page); any number of processes read the file.
An inline refresh before a search needs no lease: a delta only upserts, so two are harmless.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias, TypedDict, TypeVar, Unpack

import anyio

from atera_mcp.client import AteraClient, background_requests
from atera_mcp.config import Settings
from atera_mcp.domain.wire import (
    ContactDto,
    CustomerDto,
    TicketCommentDto,
    TicketDto,
    TicketWorkHoursDto,
)
from atera_mcp.errors import AteraError
from atera_mcp.index.backend import IndexBackend, Observation, SyncState
from atera_mcp.index.ledger_sync import WorkLedger, entries_work
from atera_mcp.index.people_sync import PeopleDirectory, record_work
from atera_mcp.index.store import IndexStore
from atera_mcp.index.sync import OPEN_STATUSES, OVERLAP, SyncEngine, has_deltas, percent_synced
from atera_mcp.index.upkeep import Upkeep

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

DEFAULT_REFRESH = 15.0  # seconds between deltas while the server is in use
IN_USE = timedelta(minutes=10)  # a tool call this recent means someone is using the server
LEASE_SECONDS = 120.0  # a syncer that stops renewing is taken over after this
BACKFILL_BATCH = 20
RETRY_AFTER_FAILURE = 60.0  # seconds before background work retries after Atera failed


if TYPE_CHECKING:  # psycopg is imported only when a database is configured (see below)
    from atera_mcp.index.postgres import PostgresTarget

Location: TypeAlias = "Path | PostgresTarget"  # an SQLite file, or a schema on PostgreSQL


def utc_now() -> datetime:
    return datetime.now(UTC)


def index_location(settings: Settings) -> Location | None:
    """Where the account's index lives: its schema on PostgreSQL when ATERA_DATABASE_URL is
    set, else its SQLite file; None when the index is off (or nothing names the account)."""
    if settings.index_path is None:
        return None
    if settings.database_url is not None:
        # The PostgreSQL engine, and psycopg with it, only when a database is configured: a
        # server on its SQLite file does not pay a third of a second for it at every start.
        from atera_mcp.index.pg_schema import schema_for
        from atera_mcp.index.postgres import PostgresTarget

        url = settings.database_url.get_secret_value()
        return PostgresTarget(url, schema_for(settings.account_fingerprint))
    return settings.index_path


def open_statuses(settings: Settings) -> tuple[str, ...]:
    """The statuses of open work the first sync reads first: Open, Pending, and the custom
    statuses configured as either (ATERA_CUSTOM_STATUSES)."""
    custom = (name for name, base in settings.custom_statuses.items() if base in OPEN_STATUSES)
    return (*OPEN_STATUSES, *sorted(custom))


def describe(where: Location) -> str:
    """The index's place for messages: the file, or the schema (never the database URL,
    which may hold a password)."""
    if isinstance(where, Path):
        return str(where)
    return f"PostgreSQL schema {where.schema}"


def open_failures(where: Location) -> tuple[type[Exception], ...]:
    """What opening the index at `where` may fail with: the file or the database cannot be
    reached or read."""
    if isinstance(where, Path):
        return (OSError, *IndexStore.failures)
    from atera_mcp.index.postgres import PostgresStore

    return (OSError, *PostgresStore.failures)


def open_store(where: Location, *, read_only: bool = False) -> IndexBackend:
    """Open (or create) the index at `where` (blocking). `read_only` opens an existing one
    as it is (`index status`): SchemaMismatch when there is none or of another version."""
    if isinstance(where, Path):
        return IndexStore.open(where, read_only=read_only)
    from atera_mcp.index.postgres import PostgresStore

    return PostgresStore.open(where.url, where.schema, read_only=read_only)


class IndexBusy(Exception):
    """Another process holds the sync lease of this index."""


class LeaseLost(IndexBusy):
    """Another process took the sync lease while this one was syncing (it had stalled)."""


class IndexOptions(TypedDict, total=False):
    """The keyword options of `TicketIndex` (and of `TicketIndex.open`)."""

    clock: Callable[[], datetime]
    refresh: float
    sleep: Sleep
    overlap: timedelta
    owner: str | None
    open_statuses: tuple[str, ...]


class TicketIndex:
    """One account's index: its store, its sync engine and its background work.

    Open it with `await TicketIndex.open(path, atera)`; close it with `await index.close()`.
    `clock` and `sleep` are injectable so tests drive timing without waiting.
    """

    store: IndexBackend

    def __init__(
        self,
        store: IndexBackend,
        atera: AteraClient,
        *,
        clock: Callable[[], datetime] = utc_now,
        refresh: float = DEFAULT_REFRESH,
        sleep: Sleep = anyio.sleep,
        overlap: timedelta = OVERLAP,
        owner: str | None = None,
        open_statuses: tuple[str, ...] = OPEN_STATUSES,
    ) -> None:
        self.store = store
        self.atera = atera
        self.clock = clock
        self.refresh = timedelta(seconds=refresh)
        self.owner = owner or f"atera-mcp-{uuid.uuid4().hex}"
        self.engine = SyncEngine(
            atera,
            self.run,
            clock,
            overlap=overlap,
            heartbeat=self._renew,
            open_statuses=open_statuses,
        )
        self.upkeep = Upkeep(atera, self.run, clock, heartbeat=self._renew)
        self.people = PeopleDirectory(atera, self.run, clock, heartbeat=self._renew)
        self.ledger = WorkLedger(atera, self.run, clock, heartbeat=self._renew)
        self.engine.on_feed = self.ledger.note_modified
        self._sleep = sleep
        self._worker = anyio.CapacityLimiter(1)
        self._delta_lock: anyio.Lock | None = None
        self._refreshed: anyio.Event | None = None
        self._last_used: datetime | None = None
        self._lease_renewed: datetime | None = None

    @classmethod
    async def open(
        cls, where: Location, atera: AteraClient, **options: Unpack[IndexOptions]
    ) -> TicketIndex:
        """Open (or create) the index at `where` (an SQLite file or a PostgreSQL schema) for
        the account `atera` reaches; the options are the constructor's."""
        store = await anyio.to_thread.run_sync(open_store, where)
        return cls(store, atera, **options)

    async def close(self) -> None:
        """Give up the lease (so another process may sync at once) and close the file."""
        if self._lease_renewed is not None:
            await self.run(lambda s: s.release_lease(self.owner))
            self._lease_renewed = None
        await self.run(lambda s: s.close())

    async def run(self, work: Callable[[IndexBackend], T]) -> T:
        """Run blocking store work (a query, an upsert) in a worker thread, one at a time."""
        store = self.store
        return await anyio.to_thread.run_sync(lambda: work(store), limiter=self._worker)

    # -- what tools call ----------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    def mark_used(self) -> None:
        """A tool call: while calls keep coming, background deltas keep the index fresh."""
        self._last_used = self.clock()

    def in_use(self) -> bool:
        return self._last_used is not None and self.clock() - self._last_used < IN_USE

    def syncs(self) -> bool:
        """Whether this process held the sync lease at its last try: then its background work
        reads the change feed while in use; otherwise another process's does."""
        return self._lease_renewed is not None

    async def ensure_fresh(self) -> SyncState:
        """Before answering a search: read the delta feed first when the last delta is older
        than the refresh interval (normally one request). Marks the index as in use, and
        returns the sync state the search answers under.

        A failure to reach Atera or to write the file is logged and the search answers from
        the index as it is (its `as_of` says how old that is)."""
        self.mark_used()
        state = await self.state()
        if not self._stale(state):
            return state
        failures: tuple[type[Exception], ...] = (AteraError, LeaseLost, *self.store.failures)
        try:
            await self._refresh()
        except failures as exc:
            log.warning("Index refresh before a search failed: %s", exc)
        return await self.state()

    async def catch_up(self) -> bool:
        """Read Atera's change feed into the index now, whatever the refresh interval, for a
        check that must see every ticket up to this moment (create_ticket's duplicate check
        and settling). True when the index then holds the whole account; False when it cannot
        (its first sync is not done, or the feed kept changing while read). Raises what the
        feed read raises (AteraError, LeaseLost, the store's failures)."""
        self.mark_used()
        started = self.clock()
        if self._delta_lock is None:
            self._delta_lock = anyio.Lock()
        async with self._delta_lock:
            state = await self.state()
            if state.phase != "ready":
                return False
            if state.last_delta_at is None or state.last_delta_at <= started:
                state = await self.engine.delta()  # a delta run meanwhile may already cover it
        return state.last_delta_at is not None and state.last_delta_at >= started

    async def record_ticket(self, dto: TicketDto, seen: Observation) -> None:
        """A ticket read live (get_ticket, a write's read-back) goes into the index at once."""
        await self._write_through(lambda s: s.upsert_tickets([dto], seen))

    async def forget(self, ticket_id: int) -> None:
        """Atera answered 404 for this ticket: drop it."""
        await self._write_through(lambda s: s.delete_ticket(ticket_id))

    async def record_comments(self, ticket_id: int, comments: Sequence[TicketCommentDto]) -> None:
        """A ticket's whole thread read live (get_ticket, list_comments, add_comment)."""
        await self._write_through(lambda s: s.replace_comments(ticket_id, comments))

    async def record_person(self, record: CustomerDto | ContactDto) -> None:
        """A customer or contact made live (create_ticket's new contact) is found at once."""
        await self._write_through(record_work(record, self.clock()))

    async def record_work(
        self,
        entries: Sequence[TicketWorkHoursDto],
        customer_id: int | None,
        end_user_id: int | None,
    ) -> None:
        """A ticket's time entries read live (log_hours' read-back): reports count them at once."""
        await self._write_through(entries_work(entries, customer_id, end_user_id))

    async def _write_through(self, work: Callable[[IndexBackend], object]) -> None:
        """What a tool read goes into the index, but never fails the tool: a write that
        happened must not be answered with an error because its copy here could not be
        saved (a busy or full file). The next delta brings the index up to date."""
        self.mark_used()
        try:
            await self.run(work)
        except self.store.failures as exc:  # busy, down or full, or a damaged file
            log.warning("Could not update the ticket index from a live read: %s", exc)

    async def state(self) -> SyncState:
        return await self.run(lambda s: s.load_state())

    async def progress(self) -> float:
        """Percentage of the first sync's pages read (100 once every ticket was read)."""
        return percent_synced(await self.state())

    # -- syncing ------------------------------------------------------------------------------

    async def first_sync(self, on_progress: Callable[[SyncState], None] | None = None) -> SyncState:
        """Run the first sync to its end now (the CLI's `index sync`); IndexBusy when another
        process holds the lease. Requests go out as background work. An index that is built
        already only catches up with the delta feed (which needs no lease)."""
        with background_requests():
            if (await self.state()).phase == "ready":
                return await self.engine.delta()
        if not await self._take_lease():
            raise IndexBusy("another process holds this index's sync lease")
        self.engine.on_progress = on_progress
        try:
            with background_requests():
                state = await self.engine.first_sync()
                if state.last_full_sweep_at is None:
                    # The account changed under the sweep: read every page again so the
                    # command returns with every ticket indexed.
                    await self.upkeep.reconcile()
                return await self.state()
        finally:
            self.engine.on_progress = None

    async def run_background(self) -> None:
        """The server's background work, until cancelled: first sync, comment backfill,
        deltas while in use, customers and contacts (people_sync.py), work hours
        (ledger_sync.py), the daily sweep. Atera failures are retried after a pause.

        It runs in the server's task group, so nothing may escape it: an unexpected failure
        of one step is logged with its traceback and retried after the same pause."""
        while True:
            try:
                wait = await self.background_step()
            except Exception:
                log.exception("Index background work failed; retried in a minute")
                wait = RETRY_AFTER_FAILURE
            await self._sleep(wait)

    async def background_step(self) -> float:
        """One round of background work; returns the seconds to wait before the next."""
        with background_requests():
            return await self._background_step()

    async def _background_step(self) -> float:
        transient: tuple[type[Exception], ...] = (AteraError, *self.store.transient)
        try:
            if not await self._take_lease():
                return self.lease_poll  # another process syncs; look again later
            state = await self.state()
            if state.phase != "ready":
                await self.engine.first_sync()
                self._signal_refresh()
                return 0.0
            if self.in_use() and self._stale(state):
                await self._refresh()
                return 0.0
            if state.last_full_sweep_at is None:
                await self.upkeep.reconcile()  # verifies a first sync the account changed under
                return 0.0
            if await self.upkeep.backfill_comments(BACKFILL_BATCH):
                return 0.0
            if await self.people.step(in_use=self.in_use()):
                return 0.0
            if await self.ledger.step(in_use=self.in_use()):
                return 0.0
            if self.upkeep.sweep_due(state):
                await self.upkeep.reconcile()
                return 0.0
            return self._until_stale(state)
        except transient as exc:
            # Atera unreachable or refusing, or the store busy, down or full: try again later.
            log.warning("Index background sync failed, retried in a minute: %s", exc)
            return RETRY_AFTER_FAILURE
        except LeaseLost:
            log.warning("Index sync lease was taken by another process; this one now only reads")
            return self.lease_poll

    async def _refresh(self) -> None:
        # One delta at a time in this process: concurrent searches wait for the same one.
        if self._delta_lock is None:
            self._delta_lock = anyio.Lock()
        async with self._delta_lock:
            if self._stale(await self.state()):
                await self.engine.delta()
                self._signal_refresh()

    def _signal_refresh(self) -> None:
        if self._refreshed is not None:
            self._refreshed.set()
            self._refreshed = None

    async def wait_refresh(self) -> None:
        """Until the index next reads Atera's change feed (the queue is checked after each)."""
        if self._refreshed is None:
            self._refreshed = anyio.Event()
        await self._refreshed.wait()

    def _stale(self, state: SyncState) -> bool:
        if not has_deltas(state):
            return False  # nothing to refresh before the open statuses are read
        last = state.last_delta_at
        return last is None or self.clock() - last >= self.refresh

    def _until_stale(self, state: SyncState) -> float:
        if state.last_delta_at is None or not self.in_use():
            return self.refresh.total_seconds()
        left = state.last_delta_at + self.refresh - self.clock()
        return max(0.0, min(left.total_seconds(), self.refresh.total_seconds()))

    # -- the lease ----------------------------------------------------------------------------

    @property
    def lease_poll(self) -> float:
        """How soon a process without the lease tries again: the backend says (PostgreSQL's
        lock is free the moment its holder dies, so the sync role moves within seconds)."""
        poll = self.store.lease_poll
        return self.refresh.total_seconds() if poll is None else poll

    async def _take_lease(self) -> bool:
        now = self.clock()
        held = await self.run(lambda s: s.try_lease(self.owner, now, LEASE_SECONDS))
        self._lease_renewed = now if held else None
        return held

    async def _renew(self) -> None:
        """After each page: renew the lease once a third of it has passed (or as often as the
        backend asks: PostgreSQL's lock is lost the moment its connection ends)."""
        renewed = self._lease_renewed
        every = self.store.lease_check
        every = LEASE_SECONDS / 3 if every is None else every
        if renewed is None or self.clock() - renewed < timedelta(seconds=every):
            return
        if not await self._take_lease():
            raise LeaseLost(self.owner)
