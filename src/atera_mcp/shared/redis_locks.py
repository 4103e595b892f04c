"""Write locks held across the server's replicas, in Redis (with ATERA_REDIS_URL).

`KeyedLocks` makes a write's duplicate check, send and settling one step within a process; two
replicas sent the same call at once (a model's retry landing elsewhere) would still both pass
the check. `RedisLocks` holds the same keys in Redis, under the account's prefix:

- a lock is a key `atera-mcp:{fingerprint}:lock:{digest}` (the key's digest: a ticket title
  never becomes a Redis key) holding "until owner"; only its owner's token releases it, by
  script, so a late release never frees someone else's lock;
- it lives `ttl` seconds (15) and is renewed every third of that while held, so the lock of a
  replica that died (SIGKILL, a lost host) frees within seconds;
- a caller finding it held polls for at most `wait` seconds, then gets `WriteInProgress`;
- when Redis cannot be reached, taking a lock raises `SharedStateUnavailable` (nothing is sent)
  after giving back what the take may have set unheard; a failed renewal or release is logged
  and left to the TTL.

Expiry is judged by the time stored with the lock, on Redis's clock (or the test's `clock`), so
tests run in virtual time; the key's own expiry only tidies up.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Any

import anyio

from atera_mcp.errors import SharedStateUnavailable, WriteInProgress
from atera_mcp.shared.redis_link import SharedRedis

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

_NOW = """
local now
if ARGV[3] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
else
  now = tonumber(ARGV[3])
end
"""
# Take the lock, or extend it when it is already ours. ARGV: token, ttl seconds, now ('' =
# Redis's clock). 1 when held by the caller afterwards, 0 when someone else holds it.
_TAKE = (
    _NOW
    + """
local held = redis.call('GET', KEYS[1])
if held then
  local space = string.find(held, ' ', 1, true)
  local untl, owner = tonumber(string.sub(held, 1, space - 1)), string.sub(held, space + 1)
  if owner ~= ARGV[1] and untl > now then return 0 end
end
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], string.format('%.17g', now + ttl) .. ' ' .. ARGV[1],
  'PX', math.ceil(ttl * 1000))
return 1
"""
)
# Delete the lock if it is still the caller's. ARGV: token.
_RELEASE = """
local held = redis.call('GET', KEYS[1])
if held and string.sub(held, string.find(held, ' ', 1, true) + 1) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLocks:
    """Locks by key for one Atera account, shared by every replica on `redis`.

    `clock` replaces Redis's clock in the stored expiry (and the waiter's own deadline);
    `sleep` is how a waiter polls and the renewer paces itself. Both are for tests.
    """

    def __init__(
        self,
        redis: SharedRedis,
        *,
        ttl: float = 15.0,
        wait: float = 30.0,
        poll: float = 0.1,
        clock: Callable[[], float] | None = None,
        sleep: Sleep = anyio.sleep,
    ) -> None:
        if ttl <= 0 or wait < 0 or poll <= 0:
            raise ValueError("ttl and poll must be positive and wait not negative")
        self.redis = redis
        self.ttl, self.wait, self.poll = ttl, wait, poll
        self._clock = clock
        self._sleep = sleep
        self._take = redis.client.register_script(_TAKE)
        self._release = redis.client.register_script(_RELEASE)

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        """Hold `key`'s lock on every replica for the block (renewed while it runs)."""
        name = self.redis.key("lock", hashlib.sha256(repr(key).encode()).hexdigest()[:32])
        token = uuid.uuid4().hex
        try:
            await self._acquire(name, token)
        except WriteInProgress:
            raise  # every take was answered "held by another": this token holds nothing
        except BaseException:
            # A take may have run on Redis with its answer lost (a timeout, a cancelled
            # caller): give back whatever this token holds, or retries wait out the TTL.
            with anyio.CancelScope(shield=True):
                await self._give_back(name, token)
            raise
        error: BaseException | None = None
        try:
            async with anyio.create_task_group() as renewing:
                renewing.start_soon(self._renew, name, token)
                try:
                    yield
                except BaseException as exc:  # re-raised below, not wrapped in a group
                    error = exc
                finally:
                    renewing.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                await self._give_back(name, token)
        if error is not None:
            raise error

    async def _acquire(self, name: str, token: str) -> None:
        deadline = self._local_now() + self.wait
        while not await self._try(name, token):
            if self._local_now() >= deadline:
                raise WriteInProgress(
                    "Another call is making the same write right now (on this server or "
                    f"another of its replicas) and has not finished within {self.wait:g} "
                    "seconds; nothing was sent. Try again in a moment: the duplicate check "
                    "will then see what it wrote."
                )
            await self._sleep(self.poll)

    async def _try(self, name: str, token: str) -> bool:
        now = "" if self._clock is None else repr(self._clock())

        async def take() -> Any:
            return await self._take(keys=[name], args=[token, repr(self.ttl), now])

        return bool(await self.redis.run("write locks", take))

    async def _renew(self, name: str, token: str) -> None:
        while True:
            await self._sleep(self.ttl / 3)
            try:
                if not await self._try(name, token):
                    log.warning("A write lock lapsed while held; another replica took it.")
                    return
            except SharedStateUnavailable:
                continue  # logged; the next round tries again before the TTL runs out

    async def _give_back(self, name: str, token: str) -> None:
        async def release() -> Any:
            return await self._release(keys=[name], args=[token])

        # A failure is logged; the lock frees itself when its TTL runs out.
        with contextlib.suppress(SharedStateUnavailable):
            await self.redis.run("write locks", release)

    def _local_now(self) -> float:
        return self._clock() if self._clock is not None else time.monotonic()
