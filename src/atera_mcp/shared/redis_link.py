"""The connection to Redis that the server's replicas share state through (ATERA_REDIS_URL).

One `SharedRedis` per process holds redis-py's asyncio client, the account's key prefix
(`atera-mcp:{fingerprint}:`) and the two rules every use of it follows:

- every call is bounded: socket timeouts plus an outer deadline, and one immediate reconnect at
  most (a pooled connection Redis closed), never redis-py's default backoff of several seconds;
- every failure becomes `SharedStateUnavailable`, whose message says what could not be reached
  and that nothing was sent. The URL (it may carry a password) is never logged or repeated, nor
  is redis-py's own message (it names the host).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from atera_mcp.errors import SharedStateUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

# A healthy Redis on the same network answers in about a millisecond; two seconds means it is
# gone, and a tool call should say so rather than hang.
DEFAULT_TIMEOUT = 2.0


class SharedRedis:
    """Redis for one Atera account's shared state. `fingerprint` names the account (32 hex)."""

    def __init__(
        self, client: Redis, fingerprint: str, *, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        if not fingerprint or ":" in fingerprint:
            raise ValueError("fingerprint must be a non-empty name without ':'")
        self.client = client
        self.prefix = f"atera-mcp:{fingerprint}:"
        self.timeout = timeout

    @classmethod
    def from_url(
        cls, url: str, fingerprint: str, *, timeout: float = DEFAULT_TIMEOUT
    ) -> SharedRedis:
        """A client for `url` (redis://, rediss:// or unix://); it connects on first use."""
        client = Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), retries=1),
            health_check_interval=30,
        )
        return cls(client, fingerprint, timeout=timeout)

    def __repr__(self) -> str:
        return f"SharedRedis(prefix={self.prefix!r})"  # never the URL

    def key(self, *parts: str) -> str:
        """The Redis key for `parts` under this account's prefix."""
        return self.prefix + ":".join(parts)

    async def run(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """Run one Redis call within the deadline; `what` names the shared state for the error
        ("rate budget", "write locks")."""
        try:
            with anyio.fail_after(self.timeout * 2):
                return await call()
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("Redis (the shared %s) did not answer: %s", what, type(exc).__name__)
            raise SharedStateUnavailable(
                f"The {what} shared by this server's replicas (Redis) cannot be reached, so "
                "nothing was sent to Atera. Try again in a moment; if it persists, the "
                "server's Redis is down."
            ) from None

    async def ping(self) -> None:
        """Raise SharedStateUnavailable unless Redis answers (for readiness checks)."""

        async def ping() -> Any:
            return await self.client.ping()  # type: ignore[misc]

        await self.run("state", ping)

    async def aclose(self) -> None:
        """Close the connections (the server's shutdown)."""
        await self.client.aclose()
