"""The retry policy as pure functions: "retry? after how long?", nothing else.

Atera has no idempotency keys, so whether a request may be replayed depends on whether it could
have been processed already:

- `NOT_SENT`     the connection was never made: every method may retry.
- `THROTTLED`    a 429: Atera refused it unprocessed; every method may retry.
- `LOST`         sent, but no answer came back (timeout, dropped connection, read error).
- `UNAVAILABLE`  a 502/503/504 from Atera or a proxy in front of it.
- `SERVER_ERROR` a 500: Atera failed while handling it, perhaps after applying it.

`LOST`, `UNAVAILABLE` and `SERVER_ERROR` are retried only for replayable requests (GET, PUT,
DELETE, and reads sent as POST); a POST write is never replayed after them. Attempts and total
time are both capped: the policy never plans a sleep that would end past `max_seconds`.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

REPLAYABLE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# The longest `Retry-After` believed. A 429 pauses every caller sharing the rate budget, so a
# proxy's "come back tomorrow" (86400) would make every call fail fast until a restart. Past
# this, the next call simply asks again: a throttle still running answers with another 429.
MAX_RETRY_AFTER = 300.0


class Failure(enum.Enum):
    NOT_SENT = "not_sent"
    THROTTLED = "throttled"
    LOST = "lost"
    UNAVAILABLE = "unavailable"
    SERVER_ERROR = "server_error"


# The failures after which the request may have been processed: only a replay-safe one retries.
MAYBE_PROCESSED = frozenset({Failure.LOST, Failure.UNAVAILABLE, Failure.SERVER_ERROR})


@dataclass(frozen=True)
class RetryPolicy:
    """Caps and backoff shape. `max_attempts` counts the first try."""

    max_attempts: int = 4
    max_seconds: float = 60.0
    base: float = 0.5
    cap: float = 8.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.max_seconds < 0:
            raise ValueError("max_seconds must not be negative")


def is_replayable(method: str) -> bool:
    """Whether sending `method` twice has the same effect as sending it once."""
    return method.upper() in REPLAYABLE_METHODS


def failure_for_status(status: int) -> Failure | None:
    """The retryable failure an HTTP status represents, or None when it is final."""
    if status == 429:
        return Failure.THROTTLED
    if status in (502, 503, 504):
        return Failure.UNAVAILABLE
    if status == 500:
        return Failure.SERVER_ERROR
    return None


def backoff(policy: RetryPolicy, attempt: int, jitter: float) -> float:
    """Exponential backoff with full jitter; `jitter` is a uniform draw from [0, 1)."""
    ceiling = min(policy.cap, policy.base * 2.0 ** (attempt - 1))
    return jitter * ceiling


def decide(
    policy: RetryPolicy,
    *,
    replayable: bool,
    attempt: int,
    failure: Failure,
    elapsed: float,
    retry_after: float | None = None,
    jitter: float = 1.0,
) -> float | None:
    """Seconds to wait before the next attempt, or None to stop.

    `attempt` is the number of the attempt that just failed (1 for the first try); `elapsed` the
    seconds spent since the first try began; `retry_after` Atera's `Retry-After`, if any.
    """
    if failure in MAYBE_PROCESSED and not replayable:
        return None
    if attempt >= policy.max_attempts:
        return None
    wait = retry_after if retry_after is not None else backoff(policy, attempt, jitter)
    if elapsed + wait > policy.max_seconds:
        return None
    return wait


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` in seconds (at most MAX_RETRY_AFTER): either delta-seconds or an HTTP
    date. None when absent or bad."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)
