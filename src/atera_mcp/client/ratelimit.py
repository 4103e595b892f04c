"""The client-side rate budget: a token bucket shared by every call in the process.

Atera throttles per account and publishes no number; 700 requests a minute is the figure everyone
uses. The bucket refills at `rpm / 60` tokens a second and holds at most `burst` tokens, so a
quiet period buys a short burst but the sustained rate never exceeds `rpm`.

Acquiring *reserves* a token and lets the balance go negative: the caller then sleeps until its
reservation matures. Concurrent callers therefore queue up fairly without polling, and the
arithmetic is one pure function (`reserve`) that tests check directly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
RequestClass = Literal["interactive", "background"]

# Which class the requests made in this context belong to. The index's sync and refresh run
# inside `background_requests()`; everything else (the assistant's own calls) is interactive.
_request_class: ContextVar[RequestClass] = ContextVar("atera_request_class", default="interactive")


def current_request_class() -> RequestClass:
    """The class of requests sent from the current context."""
    return _request_class.get()


@contextmanager
def background_requests() -> Iterator[None]:
    """Mark every request made inside (tasks started inside included) as background work."""
    token = _request_class.set("background")
    try:
        yield
    finally:
        _request_class.reset(token)


@dataclass(frozen=True)
class Bucket:
    """The bucket's balance (may be negative: reservations not yet matured) at time `at`."""

    tokens: float
    at: float


def reserve(bucket: Bucket, now: float, *, rate: float, burst: float) -> tuple[Bucket, float]:
    """Take one token at `now`; return the new bucket and how long the caller must wait.

    `rate` is tokens per second, `burst` the capacity. Pure: no clock, no sleeping.
    """
    elapsed = max(0.0, now - bucket.at)
    tokens = min(burst, bucket.tokens + elapsed * rate) - 1.0
    wait = 0.0 if tokens >= 0 else -tokens / rate
    return Bucket(tokens=tokens, at=max(now, bucket.at)), wait


def default_burst(rpm: int) -> int:
    """A tenth of a minute's allowance: bursts stay small against a per-minute limit."""
    return max(1, rpm // 10)


class RateBudget:
    """A token bucket of `rpm` requests a minute; share one instance across clients.

    `clock` is a monotonic clock in seconds (injectable for tests); the sleep is passed to
    `acquire` so each client's test switch applies.
    """

    def __init__(
        self, rpm: int, *, burst: int | None = None, clock: Clock = time.monotonic
    ) -> None:
        if rpm <= 0:
            raise ValueError("rpm must be positive; use rpm=0 on the client for no limit")
        self.rpm = rpm
        self.burst = burst if burst is not None else default_burst(rpm)
        if self.burst < 1:
            raise ValueError("burst must be at least 1")
        self._rate = rpm / 60.0
        self._clock = clock
        self._bucket = Bucket(tokens=float(self.burst), at=clock())
        # The reservation itself never awaits; the lock only guards against use from threads.
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RateBudget(rpm={self.rpm}, burst={self.burst})"

    def reserve(self) -> float:
        """Reserve one request now; return the seconds to wait before sending it."""
        with self._lock:
            self._bucket, wait = reserve(
                self._bucket, self._clock(), rate=self._rate, burst=self.burst
            )
        return wait

    async def acquire(self, sleep: Sleep) -> float:
        """Reserve one request and sleep until it may go; return the time waited."""
        wait = self.reserve()
        if wait > 0:
            await sleep(wait)
        return wait


_shared: dict[int, RateBudget] = {}
_shared_lock = threading.Lock()


def shared_budget(rpm: int) -> RateBudget:
    """The process-wide budget for `rpm`: every client built with the same rpm shares it."""
    with _shared_lock:
        budget = _shared.get(rpm)
        if budget is None:
            budget = _shared[rpm] = RateBudget(rpm)
        return budget
