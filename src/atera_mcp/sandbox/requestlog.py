"""Every request that reached the sandbox, for tests and benchmarks to judge a client by.

The gateway records each request, whatever answered it (the handler, a 401, a 429, an injected
fault, or nobody: a dropped connection). The questions asked of a client are the ones Atera
would ask: did it stay under the rate limit, how often was it throttled, and did it come back
before the Retry-After it was given.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from atera_mcp.sandbox.ratelimit import WINDOW_SECONDS


def busiest_window(times: Iterable[float], seconds: float = WINDOW_SECONDS) -> int:
    """The most of `times` within any half-open window (t - seconds, t]: the rate limit's
    sliding minute by default. Compare it with the limit a client was given."""
    ordered = sorted(times)
    best = start = 0
    for end, at in enumerate(ordered):
        while ordered[start] <= at - seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request. `at` is monotonic seconds at arrival; `path` is as routed (lower case, no
    trailing slash, no query); `status` is None when no answer left the gateway (the connection
    was dropped, or the handler crashed).

    `caller` tells keys apart without holding one: a short digest of the credential sent ("" for
    none). `retry_after` is the Retry-After the answer announced, in seconds.
    """

    at: float
    method: str
    path: str
    status: int | None
    caller: str = ""
    retry_after: float | None = None


def caller_of(credential: str | None) -> str:
    """A digest naming a credential in the log; the credential itself is never kept."""
    if not credential:
        return ""
    return hashlib.sha256(credential.encode()).hexdigest()[:12]


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the sandbox only sends whole seconds; a date is not read)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


class RequestLog:
    """The most recent `size` requests, oldest first by arrival."""

    def __init__(self, size: int) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=size)

    def record(self, entry: LoggedRequest) -> None:
        self._entries.append(entry)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[LoggedRequest]:
        return iter(self.entries())

    def entries(self) -> list[LoggedRequest]:
        """The logged requests in order of arrival (answers may finish in another order)."""
        return sorted(self._entries, key=lambda e: e.at)

    def busiest_window(self, seconds: float = WINDOW_SECONDS) -> int:
        """The most requests that arrived within any `seconds`-long window."""
        return busiest_window((e.at for e in self._entries), seconds)

    def count(self, status: int) -> int:
        """How many requests were answered with `status`."""
        return sum(1 for e in self._entries if e.status == status)

    def throttled(self) -> int:
        """How many requests were answered 429 Too Many Requests."""
        return self.count(429)

    def inside_retry_after(self) -> list[LoggedRequest]:
        """Requests that arrived before a Retry-After announced to the same caller had passed.

        Any answer with Retry-After (a 429, or an injected 503 carrying one) opens a window
        from its request's arrival; a well-behaved client sends nothing in it.
        """
        quiet_until: dict[str, float] = {}
        early: list[LoggedRequest] = []
        for entry in self.entries():
            if entry.at < quiet_until.get(entry.caller, float("-inf")):
                early.append(entry)
            if entry.retry_after is not None:
                until = entry.at + entry.retry_after
                quiet_until[entry.caller] = max(quiet_until.get(entry.caller, until), until)
        return early
