"""Seeded random faults for fault benchmarks: every request rolls its own dice.

Each request draws the same five numbers, in the same order, whatever it is, so request n's
fate is fixed by the seed and n alone (and by its method, for the faults that hit writes only):
a benchmark replayed with the same seed and the same requests meets the same faults.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final, Literal

API_ROOT = "/api/v3"
WRITE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# POSTs that only read (a bulk query sent as a body): nothing commits, so no commit fault.
READ_POSTS: Final = frozenset({f"{API_ROOT}/tickets/billableduration"})

DROP: Final = "drop"


@dataclass(frozen=True, slots=True)
class Failure:
    """An answer in place of the real one. `empty` sends no body at all (not even `{}`)."""

    status: int
    retry_after: int | None = None
    empty: bool = False


# What happens after a write is handled: the answer is replaced by a failure, or never sent.
CommitFault = Failure | Literal["drop"]


def is_write(method: str, path: str) -> bool:
    return method.upper() in WRITE_METHODS and path not in READ_POSTS


@dataclass(frozen=True, slots=True)
class Arrival:
    """The faults planned for one request as it arrives (see `Faults.arrive`)."""

    delay: float = 0.0
    failure: Failure | None = None  # answer this instead; the request is not handled
    commit_fault: CommitFault | None = None  # handle the write, then fail or drop


@dataclass(frozen=True, slots=True)
class ChaosSettings:
    """Per-request probabilities, each drawn independently; see `Faults.chaos`."""

    drop_after_commit: float = 0.0
    empty_500: float = 0.0
    commit_then_500: float = 0.0
    burst_429: float = 0.0
    burst_length: int = 3
    retry_after: int = 2
    latency: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        for name in ("drop_after_commit", "empty_500", "commit_then_500", "burst_429"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} is a probability from 0 to 1, not {value}")
        low, high = self.latency
        if not 0.0 <= low <= high:
            raise ValueError(f"latency is (low, high) seconds with 0 <= low <= high: {low, high}")
        if self.burst_length < 1 or self.retry_after < 0:
            raise ValueError("burst_length must be 1 or more and retry_after 0 or more")


class Chaos:
    """The random mode of `Faults`: a seeded generator and the burst under way."""

    def __init__(self, seed: int, settings: ChaosSettings) -> None:
        self.settings = settings
        self._random = random.Random(seed)
        self._burst_left = 0

    def arrive(self, method: str, path: str) -> Arrival:
        s, draw = self.settings, self._random.random
        latency, empty, burst, drop, late_500 = draw(), draw(), draw(), draw(), draw()
        delay = s.latency[0] + (s.latency[1] - s.latency[0]) * latency
        failure: Failure | None = None
        if self._burst_left > 0:
            # Atera's throttle is per key and lasts a while: the next few requests meet it too.
            self._burst_left -= 1
            failure = Failure(429, s.retry_after)
        elif empty < s.empty_500:
            failure = Failure(500, empty=True)
        elif burst < s.burst_429:
            self._burst_left = s.burst_length - 1
            failure = Failure(429, s.retry_after)
        commit_fault: CommitFault | None = None
        if failure is None and is_write(method, path):
            if drop < s.drop_after_commit:
                commit_fault = DROP
            elif late_500 < s.commit_then_500:
                commit_fault = Failure(500)
        return Arrival(delay, failure, commit_fault)
