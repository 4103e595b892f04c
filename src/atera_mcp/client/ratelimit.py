"""The client-side rate budget: one per process, shared by every client and both request classes.

Atera throttles per account (shared with every integration of the MSP) and publishes no number;
700 requests a minute is the figure everyone uses. The budget promises:

- never more than `rpm` requests in any sliding window of a minute (both classes together), and
  never more than `sync_rpm` background requests (the index's sync) in any such window;
- smooth pacing: a slot every minute / `rpm`, with at most `burst` saved up by a quiet period,
  never a whole minute's allowance at once (background likewise within `sync_rpm`);
- interactive first: an interactive caller *reserves* the next slot in arrival order and sleeps
  until it; a background caller never reserves. It takes a slot only when one is free now, no
  interactive reservation is pending, and interactive's whole burst stays in reserve (the pace
  has nothing saved spent, the minute has room for a burst more), so interactive requests
  arriving next find their slots free whatever background work is queued;
- a pause: after a 429 with `Retry-After`, nobody sends until it has passed.

`Schedule` is the arithmetic, pure (times are passed in; it never reads a clock or sleeps), which
tests drive with a fake clock. `RateBudget` wraps it with a clock, a lock and the waiting loop.
`Budget` is what the client needs of a budget; `shared.redis_budget.RedisBudget` keeps the same
promises across replicas sharing one Redis.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal, Protocol

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
RequestClass = Literal["interactive", "background"]

WINDOW_SECONDS = 60.0
# A request reaches Atera a variable time after the budget lets it go (a late wake-up, the
# network). Counting the minute as 61 s keeps two such delays from squeezing rpm + 1 requests
# into Atera's 60.
DEFAULT_MARGIN = 1.0

# Which class the requests made in this context belong to. The index's sync and refresh run
# inside `background_requests()`; everything else (the assistant's own calls) is interactive.
_request_class: ContextVar[RequestClass] = ContextVar("atera_request_class", default="interactive")


class Budget(Protocol):
    """What `HttpCore` needs of a rate budget: this process's (`RateBudget`) or the replicas'
    shared one (`RedisBudget`). Pausing is async because the shared one asks Redis."""

    @property
    def rpm(self) -> int: ...

    @property
    def sync_rpm(self) -> int: ...

    async def acquire(self, sleep: Sleep, request_class: RequestClass = "interactive") -> float:
        """Wait until one request of `request_class` may go; return the seconds waited."""
        ...

    async def pause_for(self, seconds: float) -> None:
        """Hold back every caller of every class for `seconds` (Atera's Retry-After)."""
        ...

    async def pause_left(self) -> float:
        """Seconds until a pause ends (0 when none is running)."""
        ...


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


def default_burst(rpm: int) -> int:
    """A second's allowance: bursts stay small against a per-minute limit."""
    return max(1, rpm // 60)


def default_sync_rpm(rpm: int) -> int:
    """Half the budget for background work unless configured otherwise."""
    return max(1, rpm // 2)


@dataclass(frozen=True)
class Limit:
    """At most `count` requests in any `span` seconds (a half-open window (t - span, t])."""

    count: int
    span: float

    def earliest(self, sent: deque[float]) -> float:
        """The earliest time a new request keeps this limit, given the sorted send times."""
        if len(sent) < self.count:
            return -math.inf
        oldest = sent[-self.count]
        at = oldest + self.span
        while at - oldest < self.span:  # the sum rounded a hair early: the window must hold
            at = math.nextafter(at, math.inf)
        return at


@dataclass
class Pace:
    """Smoothness: a slot every `interval` seconds, up to `burst` of them saved up (GCRA)."""

    interval: float
    burst: int
    due: float = -math.inf  # when the next slot falls due at the steady pace

    def earliest(self) -> float:
        """The earliest time for a new request, spending saved slots if need be."""
        return self.due - (self.burst - 1) * self.interval

    def take(self, at: float) -> None:
        self.due = max(self.due, at) + self.interval


@dataclass(frozen=True)
class Step:
    """One step of acquiring: `wait` 0 means send now; else sleep `wait`, then ask again."""

    wait: float
    reserved: float | None = None  # an interactive caller's slot, handed back on the next step


class Schedule:
    """Who may send when. Pure: every method takes the time `now`; nothing waits or reads a clock.

    `_sent` holds the slots of the last window (both classes), sorted; interactive reservations
    not yet due sit at its end. A reservation whose caller gave up or was pushed past a pause
    stays counted: that only makes the budget stricter.
    """

    def __init__(
        self, rpm: int, sync_rpm: int, *, burst: int, sync_burst: int, window: float
    ) -> None:
        if rpm < 1:
            raise ValueError("rpm must be positive; use rpm=0 on the client for no limit")
        if not 1 <= sync_rpm <= rpm:
            raise ValueError(f"sync_rpm must be between 1 and rpm ({rpm}), got {sync_rpm}")
        if burst < 1 or sync_burst < 1:
            raise ValueError("burst and sync_burst must be at least 1")
        if window <= 0:
            raise ValueError("window must be positive")
        self._minute = Limit(rpm, window)
        self._pace = Pace(window / rpm, burst)
        # Background keeps interactive's burst in reserve: in the minute here, in the pace by
        # never spending saved slots.
        self._minute_for_background = Limit(max(1, rpm - burst), window)
        self._sync_minute = Limit(sync_rpm, window)
        self._sync_pace = Pace(window / sync_rpm, sync_burst)
        self._sent: deque[float] = deque(maxlen=rpm)
        self._background: deque[float] = deque(maxlen=sync_rpm)
        self.paused_until = -math.inf

    def save(self) -> dict[str, list[float] | float]:
        """The state, as plain numbers (`FileBudget` keeps it between steps in a file)."""
        return {
            "sent": list(self._sent),
            "background": list(self._background),
            "pace": self._pace.due,
            "sync_pace": self._sync_pace.due,
            "paused_until": self.paused_until,
        }

    def load(self, state: Mapping[str, Any]) -> None:
        """Take up a state `save` returned (of a schedule built with the same rates)."""
        self._sent.clear()
        self._sent.extend(float(t) for t in state["sent"])
        self._background.clear()
        self._background.extend(float(t) for t in state["background"])
        self._pace.due = float(state["pace"])
        self._sync_pace.due = float(state["sync_pace"])
        self.paused_until = float(state["paused_until"])

    def pause_until(self, when: float) -> None:
        """Let nothing go before `when` (a pause only ever grows)."""
        self.paused_until = max(self.paused_until, when)

    def take(self, request_class: RequestClass, now: float, reserved: float | None = None) -> Step:
        """One step of acquiring a slot at `now`; pass back the previous step's `reserved`."""
        if request_class == "background":
            return self._take_background(now)
        if reserved is None or reserved < self.paused_until:
            # A first request, or a reservation a pause has since covered: queue at the end.
            reserved = max(
                self._not_before(now), self._minute.earliest(self._sent), self._pace.earliest()
            )
            self._sent.append(reserved)
            self._pace.take(reserved)
        return Step(max(0.0, reserved - now), reserved)

    def _take_background(self, now: float) -> Step:
        at = max(
            self._not_before(now),
            self._minute_for_background.earliest(self._sent),
            self._pace.due,  # at the steady pace: nothing saved is spent
            self._sync_minute.earliest(self._background),
            self._sync_pace.earliest(),
        )
        if at > now:
            return Step(at - now)
        self._sent.append(now)
        self._pace.take(now)
        self._background.append(now)
        self._sync_pace.take(now)
        return Step(0.0)

    def _not_before(self, now: float) -> float:
        # Never before the last slot given out: the log stays sorted, and for background this
        # is what "no interactive caller is waiting" means.
        last = self._sent[-1] if self._sent else now
        return max(now, last, self.paused_until)


class RateBudget:
    """The process's request budget; share one instance across clients (see `shared_budget`).

    `clock` is a monotonic clock in seconds (injectable for tests); the sleep is passed to
    `acquire` so each client's test switch applies. `margin` widens the counted minute.
    """

    def __init__(
        self,
        rpm: int,
        sync_rpm: int | None = None,
        *,
        burst: int | None = None,
        margin: float = DEFAULT_MARGIN,
        clock: Clock = time.monotonic,
    ) -> None:
        if margin < 0:
            raise ValueError("margin must not be negative")
        self.rpm = rpm
        self.sync_rpm = sync_rpm if sync_rpm is not None else default_sync_rpm(rpm)
        self.burst = burst if burst is not None else default_burst(rpm)
        self._schedule = Schedule(
            rpm,
            self.sync_rpm,
            burst=self.burst,
            sync_burst=default_burst(self.sync_rpm) if burst is None else burst,
            window=WINDOW_SECONDS + margin,
        )
        self._clock = clock
        # No step awaits while holding it; the lock only guards against use from threads.
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RateBudget(rpm={self.rpm}, sync_rpm={self.sync_rpm}, burst={self.burst})"

    async def pause_left(self) -> float:
        """Seconds until a pause ends (0 when none is running)."""
        with self._lock:
            return max(0.0, self._schedule.paused_until - self._clock())

    async def pause_for(self, seconds: float) -> None:
        """Hold back every caller of every class for `seconds` from now (Atera's Retry-After)."""
        with self._lock:
            self._schedule.pause_until(self._clock() + seconds)

    async def acquire(self, sleep: Sleep, request_class: RequestClass = "interactive") -> float:
        """Wait until one request of `request_class` may go; return the time waited.

        Send right after it returns: the slot is taken at the moment of returning.
        """
        waited = 0.0
        reserved: float | None = None
        while True:
            with self._lock:
                step = self._schedule.take(request_class, self._clock(), reserved)
            if step.wait <= 0:
                return waited
            reserved = step.reserved
            await sleep(step.wait)
            waited += step.wait


_shared: dict[tuple[int, int], RateBudget] = {}
_shared_lock = threading.Lock()


def shared_budget(rpm: int, sync_rpm: int | None = None) -> RateBudget:
    """The process-wide budget for (`rpm`, `sync_rpm`): clients built alike share it."""
    key = (rpm, sync_rpm if sync_rpm is not None else default_sync_rpm(rpm))
    with _shared_lock:
        budget = _shared.get(key)
        if budget is None:
            budget = _shared[key] = RateBudget(*key)
        return budget


class SteppedBudget:
    """A budget whose every move is one atomic step of the `Schedule` on shared state (Redis
    for replicas, a file for one machine's processes): `_step(op, value)` runs it, and
    acquiring, pausing and reading the pause are the same loop over it for every store."""

    async def _step(self, op: str, value: float | None = None) -> tuple[float, float | None]:
        raise NotImplementedError

    async def acquire(self, sleep: Sleep, request_class: RequestClass = "interactive") -> float:
        """Wait until one request of `request_class` may go; return the time waited.

        Send right after it returns. Raises `SharedStateUnavailable` when the shared state
        cannot be reached (nothing was sent)."""
        waited = 0.0
        reserved: float | None = None
        while True:
            wait, reserved = await self._step(request_class, reserved)
            if wait <= 0:
                return waited
            await sleep(wait)
            waited += wait

    async def pause_for(self, seconds: float) -> None:
        """Hold back every caller sharing this budget for `seconds` (Atera's Retry-After)."""
        await self._step("pause", seconds)

    async def pause_left(self) -> float:
        """Seconds until a pause set by anyone sharing this budget ends (0 when none runs)."""
        return (await self._step("pause_left"))[0]
