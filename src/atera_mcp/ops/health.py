"""Readiness (/readyz): may a load balancer send this replica requests?

- Atera reachable: any HTTP answer from Atera in the last `RECENT` (the tools' own requests
  show it for free); only when there is none, one cheap probe (`GET /account`, as background
  work), at most one per `PROBE_EVERY`, so readiness never eats the account's budget. A
  connect error or a timeout is no answer; any status is one (Atera was reached).
- The index: its lag (now minus its last read of the change feed) under ATERA_READY_MAX_LAG,
  held against readiness only where background deltas are due: on the replica holding the
  sync lease while the index is in use there (a tool call in the last 10 minutes). An idle
  replica reads no deltas and need not, since a search refreshes the index before it
  answers; nor does a replica whose shared index another one syncs (which runs deltas only
  while in use itself), and its searches refresh first just the same. During the first
  sync the replica is ready: every tool but search works fully and a search says it is
  incomplete and how far the sync is; pulling every replica out of the load balancer for the
  minutes a first sync takes would stop the service desk for nothing.
- Redis and PostgreSQL, when configured (PostgreSQL: with the index on), a ping, at most one
  per 5 s (see stores.py).
  The index is read once per call while it answers; after it failed to, not again for 5 s
  either (each read of a broken index is a new connection to its PostgreSQL).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

import anyio

from atera_mcp.client import AteraClient, RequestClass, background_requests
from atera_mcp.config import Settings
from atera_mcp.errors import AteraError
from atera_mcp.ops.stores import PING_EVERY, Check, Throttled, ping_postgres, ping_redis

if TYPE_CHECKING:  # redis-py only on a server configured with Redis
    from atera_mcp.shared.redis_link import SharedRedis

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
RECENT = timedelta(seconds=60)  # an answer from Atera this recent shows it reachable
PROBE_EVERY = timedelta(seconds=30)  # at most one probe request in this time
PROBE_TIMEOUT = 5.0  # seconds; a probe that takes longer counts as no answer


class IndexState(Protocol):
    """What readiness reads of the index's sync state (`SyncState`)."""

    @property
    def phase(self) -> str: ...  # "ready" once the first sync has ended

    @property
    def last_delta_at(self) -> datetime | None: ...  # the last read of the change feed


class IndexBackendView(Protocol):
    """What readiness needs of the index's storage (SQLite or PostgreSQL)."""

    @property
    def failures(self) -> tuple[type[Exception], ...]: ...  # "cannot answer now" (down, busy)


class IndexView(Protocol):
    """What readiness reads of the index (`TicketIndex`), whichever backend holds it."""

    @property
    def store(self) -> IndexBackendView: ...

    async def state(self) -> IndexState: ...

    async def progress(self) -> float: ...  # percent of the first sync done

    def in_use(self) -> bool: ...  # a tool call lately: its deltas are expected to run

    def syncs(self) -> bool: ...  # this replica holds the sync lease: the deltas are its own


class Pulse:
    """When Atera last answered: a ClientObserver that only watches the statuses."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.last_answer: datetime | None = None

    def on_response(self, method: str, path: str, status: int | None, attempt: int) -> None:
        if status is not None:
            self.last_answer = self.clock()

    def on_budget_wait(self, request_class: RequestClass, seconds: float) -> None:
        pass

    def answered_within(self, span: timedelta) -> bool:
        return self.last_answer is not None and self.clock() - self.last_answer <= span


def lag_of(state: IndexState, now: datetime) -> float | None:
    """Seconds since the index last read the change feed; None before its first sync ends."""
    if state.phase != "ready" or state.last_delta_at is None:
        return None
    return max(0.0, (now - state.last_delta_at).total_seconds())


class Readiness:
    """The /readyz checks of one server; `attach` hands it the lifespan's client, index and
    shared Redis."""

    def __init__(self, settings: Settings, clock: Clock, pulse: Pulse) -> None:
        self.settings = settings
        self.clock = clock
        self.pulse = pulse
        self.max_lag = settings.ready_max_lag
        self.atera: AteraClient | None = None
        self.index: IndexView | None = None
        self.serving = False
        self._probed_at: datetime | None = None
        self._probe_lock: anyio.Lock | None = None
        self._index_lock: anyio.Lock | None = None
        self._index_failed: tuple[datetime, str] | None = None  # when, and the failure's type
        self.stores: dict[str, Throttled] = {}
        if settings.database_url is not None and settings.index_enabled:
            # PostgreSQL holds the index and nothing else: with ATERA_INDEX=off its outage
            # must not take every replica out of the load balancer.
            database_url = settings.database_url.get_secret_value()
            self.stores["postgresql"] = Throttled(lambda: ping_postgres(database_url), clock)

    def attach(
        self, atera: AteraClient, index: IndexView | None, redis: SharedRedis | None
    ) -> None:
        self.atera, self.index, self.serving = atera, index, True
        if redis is not None:
            self.stores["redis"] = Throttled(lambda: ping_redis(redis), self.clock)

    def detach(self) -> None:
        self.atera, self.index, self.serving = None, None, False
        self.stores.pop("redis", None)

    async def report(self) -> tuple[bool, dict[str, object]]:
        """Run every check (concurrently); whether all pass, and the JSON body."""
        checks: dict[str, Check] = {}

        async def run(name: str, check: Awaitable[Check]) -> None:
            checks[name] = await check

        if not self.serving:
            checks["server"] = Check(False, "starting or stopping")
        else:
            async with anyio.create_task_group() as group:
                group.start_soon(run, "atera", self.check_atera())
                group.start_soon(run, "index", self.check_index())
                for name, ping in list(self.stores.items()):
                    group.start_soon(run, name, ping())
        failed = sorted(name for name, check in checks.items() if not check.ok)
        body: dict[str, object] = {
            "status": "not ready" if failed else "ready",
            "failed": failed,
            "checks": {name: checks[name].as_json() for name in sorted(checks)},
        }
        return not failed, body

    async def check_atera(self) -> Check:
        if not self.pulse.answered_within(RECENT):
            if self._probe_lock is None:
                self._probe_lock = anyio.Lock()
            async with self._probe_lock:  # concurrent probes of readiness share one request
                now = self.clock()
                if self._probed_at is None or now - self._probed_at >= PROBE_EVERY:
                    self._probed_at = now
                    await self._probe()
        last = self.pulse.last_answer
        if self.pulse.answered_within(RECENT) and last is not None:
            return Check(True, f"answered {self._age(last)} ago")
        if last is None:
            return Check(False, "no answer from Atera since the server started")
        return Check(False, f"no answer from Atera for {self._age(last)}")

    async def _probe(self) -> None:
        """One `GET /account` as background work; whatever it answers, the pulse saw it."""
        atera = self.atera
        if atera is None:
            return
        with anyio.move_on_after(PROBE_TIMEOUT), background_requests():
            try:
                await atera.get_account()
            except AteraError as exc:
                log.info("Readiness probe of Atera: %s", type(exc).__name__)

    async def read_index(self, index: IndexView) -> tuple[float | None, float] | str:
        """The index's lag (None before its first sync ends) and the share of its first sync
        done, or why it cannot be read (the failure's type).

        /readyz and /metrics are public and each read of a broken index is a new connection
        to its PostgreSQL (or a wait for its connect timeout), so after a failure the same
        answer stands for `PING_EVERY` without reading again. Reads go one at a time: a burst
        of probes behind a read that fails gets its failure, not a connection of its own."""
        if self._index_lock is None:
            self._index_lock = anyio.Lock()
        async with self._index_lock:
            failed = self._index_failed
            if failed is not None and self.clock() - failed[0] < PING_EVERY:
                return failed[1]
            try:
                lag = lag_of(await index.state(), self.clock())
                share = await index.progress() if lag is None else 100.0
            except index.store.failures as exc:  # anything else is a bug, and stays one
                log.warning("The index cannot be read: %s", type(exc).__name__)
                self._index_failed = (self.clock(), type(exc).__name__)
                return type(exc).__name__
            self._index_failed = None
            return lag, share

    async def check_index(self) -> Check:
        index = self.index
        if index is None:
            return Check(True, "off: search_tickets scans Atera")
        read = await self.read_index(index)
        if isinstance(read, str):
            return Check(False, f"the index cannot be read ({read})")
        lag, share = read
        if lag is None:
            return Check(
                True, f"first sync under way ({share:.0f}% read); searches say they are partial"
            )
        if not index.in_use():
            return Check(True, f"idle, lag {lag:.0f} s; a search reads the change feed first")
        if not index.syncs():
            # Its deltas are the syncing replica's, which runs them only while it is in use
            # itself; a search here reads the change feed first, as on an idle replica.
            return Check(
                True,
                f"lag {lag:.0f} s; another replica syncs, and a search here reads the change "
                "feed first",
            )
        if lag > self.max_lag:
            return Check(False, f"lag {lag:.0f} s is over ATERA_READY_MAX_LAG ({self.max_lag:g} s)")
        return Check(True, f"lag {lag:.0f} s")

    def _age(self, then: datetime) -> str:
        return f"{max(0.0, (self.clock() - then).total_seconds()):.0f} s"
