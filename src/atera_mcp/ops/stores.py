"""Pings of the shared stores (Redis for the budget, PostgreSQL for the index) for /readyz.

Redis is pinged through the server's own `SharedRedis` (the budget's and the write locks'
connection, bounded by its timeouts). PostgreSQL gets a fresh short-lived connection with a
short timeout, which checks what a new request would meet (the server reachable, the
credentials accepted); its driver is imported on first use, so a server without it starts a
third of a second sooner. /readyz is public, so `Throttled` runs a ping at most once per
`PING_EVERY`: a flood of probes cannot become a flood of connections.

The reason shown in /readyz is the exception's type only: the body is public, and a driver's
message may name hosts and users. The full message goes to the log, which never holds the URL
itself (it may carry a password).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import anyio

from atera_mcp.errors import SharedStateUnavailable

if TYPE_CHECKING:  # redis-py only on a server configured with Redis
    from atera_mcp.shared.redis_link import SharedRedis

log = logging.getLogger(__name__)

PING_SECONDS = 2.0  # a ping must answer well within a load balancer's own timeout
PING_EVERY = timedelta(seconds=5)  # /readyz calls in between get the last ping's result


@dataclass(frozen=True)
class Check:
    """One line of /readyz: whether it passes and a short reason (no data, no credentials)."""

    ok: bool
    detail: str

    def as_json(self) -> dict[str, object]:
        return {"ok": self.ok, "detail": self.detail}


def _failed(store: str, exc: BaseException) -> Check:
    log.warning("Readiness: %s did not answer a ping: %s: %s", store, type(exc).__name__, exc)
    return Check(False, f"no answer to a ping ({type(exc).__name__})")


async def ping_redis(shared: SharedRedis) -> Check:
    """PING through the server's shared Redis connection."""
    try:
        await shared.ping()  # bounded by its own timeouts; logs what did not answer
    except SharedStateUnavailable as exc:
        return Check(False, f"no answer to a ping ({type(exc).__name__})")
    return Check(True, "ping answered")


async def ping_postgres(url: str, seconds: float = PING_SECONDS) -> Check:
    """`SELECT 1` on a fresh connection to `url`."""
    import psycopg

    try:
        with anyio.fail_after(seconds):
            # libpq counts connect_timeout in whole seconds, 2 at the least.
            connection = await psycopg.AsyncConnection.connect(
                url, connect_timeout=max(2, int(seconds))
            )
            async with connection:
                await connection.execute("SELECT 1")
    except (psycopg.Error, OSError, TimeoutError) as exc:
        return _failed("PostgreSQL", exc)
    return Check(True, "ping answered")


class Throttled:
    """Runs `check` at most once per `every` (by `clock`); calls in between, concurrent ones
    included, get the last result."""

    def __init__(
        self,
        check: Callable[[], Awaitable[Check]],
        clock: Callable[[], datetime],
        every: timedelta = PING_EVERY,
    ) -> None:
        self.check = check
        self.clock = clock
        self.every = every
        self._last: tuple[datetime, Check] | None = None
        self._lock: anyio.Lock | None = None

    async def __call__(self) -> Check:
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            now = self.clock()
            if self._last is None or now - self._last[0] >= self.every:
                self._last = (now, await self.check())
            return self._last[1]
