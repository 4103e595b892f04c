"""The rate budget shared by every replica of the server, held in Redis (ATERA_REDIS_URL).

Atera's limit is per account, so replicas each keeping a `RateBudget` of 700/min would send
700 each. `RedisBudget` keeps `RateBudget`'s promises (see ratelimit.py) across all of them:
at most `rpm` in any sliding window of 60 s plus the margin, background capped at `sync_rpm`
and never spending the burst, interactive first (a waiting interactive caller on any replica
holds a reservation that background on every replica yields to), and a 429's Retry-After
pausing everyone.

Each step of `Schedule` runs as one Lua script (redis_budget.lua) over the account's keys, so
steps from different replicas never interleave. The script reads Redis's own clock (`TIME`):
replicas whose clocks disagree still agree on every slot, and a wait it hands back is a
duration, slept on the replica's own clock. Tests pass `clock=` to run in virtual time.

A moving-window library on Redis (`limits`' MovingWindowRateLimiter, for one) does not fit: it
answers "may I send now?" for one counter, while the two classes need a single atomic decision
over both windows and the pace, interactive reservations of future slots that background must
see and yield to, and a pause any replica can set.

When Redis cannot be reached, nothing is sent: every step raises `SharedStateUnavailable`
(bounded by `SharedRedis`'s timeouts) instead of letting requests out unbudgeted.
"""

from __future__ import annotations

import uuid
from importlib.resources import files
from typing import Any

from atera_mcp.client.ratelimit import (
    DEFAULT_MARGIN,
    WINDOW_SECONDS,
    Clock,
    SteppedBudget,
    default_burst,
    default_sync_rpm,
)
from atera_mcp.shared.redis_link import SharedRedis

_SCRIPT = files("atera_mcp.shared").joinpath("redis_budget.lua").read_text(encoding="utf-8")


class RedisBudget(SteppedBudget):
    """The account's budget, shared through `redis` by every replica built alike.

    `clock` replaces Redis's clock (seconds, shared by every instance in a test); `margin`
    widens the counted minute as in `RateBudget`.
    """

    def __init__(
        self,
        redis: SharedRedis,
        rpm: int,
        sync_rpm: int | None = None,
        *,
        burst: int | None = None,
        margin: float = DEFAULT_MARGIN,
        clock: Clock | None = None,
    ) -> None:
        self.rpm = rpm
        self.sync_rpm = sync_rpm if sync_rpm is not None else default_sync_rpm(rpm)
        self.burst = burst if burst is not None else default_burst(rpm)
        sync_burst = default_burst(self.sync_rpm) if burst is None else burst
        if rpm < 1:
            raise ValueError("rpm must be positive; use rpm=0 on the client for no limit")
        if not 1 <= self.sync_rpm <= rpm:
            raise ValueError(f"sync_rpm must be between 1 and rpm ({rpm}), got {self.sync_rpm}")
        if self.burst < 1:
            raise ValueError("burst must be at least 1")
        if margin < 0:
            raise ValueError("margin must not be negative")
        self.redis = redis
        self._clock = clock
        self._keys = [redis.key("budget", part) for part in ("sent", "bg", "pace", "sync", "pause")]
        self._rates: list[int | float] = [
            rpm,
            self.sync_rpm,
            self.burst,
            sync_burst,
            WINDOW_SECONDS + margin,
        ]
        self._script = redis.client.register_script(_SCRIPT)

    def __repr__(self) -> str:
        return f"RedisBudget(rpm={self.rpm}, sync_rpm={self.sync_rpm}, burst={self.burst})"

    async def _step(self, op: str, value: float | None = None) -> tuple[float, float | None]:
        now = "" if self._clock is None else repr(self._clock())
        args: list[str | int | float] = [
            op,
            now,
            "" if value is None else repr(value),
            *self._rates,
            uuid.uuid4().hex,
        ]

        async def call() -> Any:
            return await self._script(keys=self._keys, args=args)

        wait, reserved = await self.redis.run("rate budget", call)
        return float(wait), float(reserved) if reserved else None
