"""Fault injection for tests, demos and fault benchmarks.

Scripted rules (`fail`, `drop_after_commit`, `fail_after_commit`) match a method (or "*") and
a path prefix. A prefix is given relative to `/api/v3` (`"/tickets"`) or in full, matches whole
path segments (`/tickets/1` does not match `/tickets/10`) and is compared case-insensitively,
as Atera routes are. `chaos` adds seeded random faults on every request; `latency` delays all.
A scripted rule is used before chaos is consulted.
"""

from __future__ import annotations

from dataclasses import dataclass

from atera_mcp.sandbox.chaos import (
    API_ROOT,
    DROP,
    Arrival,
    Chaos,
    ChaosSettings,
    CommitFault,
    Failure,
)

__all__ = ["Arrival", "CommitFault", "Failure", "Faults", "SandboxConnectionDropped"]


class SandboxConnectionDropped(Exception):
    """Raised by the app after a committed write to drop the connection without an answer.

    Under uvicorn the connection is closed; `sandbox_transport` turns it into the
    `httpx.RemoteProtocolError` a real dropped connection gives.
    """


@dataclass(slots=True)
class _Rule:
    method: str
    prefix: str
    remaining: int
    before: bool  # answered before handling (nothing commits), else after the write
    fault: CommitFault

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ("*", method.upper()):
            return False
        return path == self.prefix or path.startswith(self.prefix.rstrip("/") + "/")


class Faults:
    """The sandbox's fault controller, reachable as `sandbox_state(app).faults`."""

    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self._chaos: Chaos | None = None
        self.delay = 0.0

    def fail(
        self,
        method: str,
        path_prefix: str,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        *,
        empty: bool = False,
    ) -> None:
        """Answer the next `times` matching requests with `status` (and Retry-After if given)
        instead of handling them. `empty` sends no body at all, as a crashed server does."""
        self._add(method, path_prefix, times, True, Failure(status, retry_after, empty))

    def fail_after_commit(
        self,
        method: str,
        path_prefix: str,
        status: int = 500,
        times: int = 1,
        *,
        empty: bool = False,
    ) -> None:
        """Handle the next `times` matching requests fully, then answer `status` instead."""
        self._add(method, path_prefix, times, False, Failure(status, None, empty))

    def latency(self, seconds: float) -> None:
        """Delay every request by `seconds` before it is handled (0 turns it off)."""
        self.delay = max(0.0, seconds)

    def drop_after_commit(self, method: str, path_prefix: str, times: int = 1) -> None:
        """Handle the next `times` matching requests fully, then drop the connection unanswered."""
        self._add(method, path_prefix, times, False, DROP)

    def chaos(
        self,
        seed: int,
        *,
        drop_after_commit: float = 0.0,
        empty_500: float = 0.0,
        commit_then_500: float = 0.0,
        burst_429: float = 0.0,
        burst_length: int = 3,
        retry_after: int = 2,
        latency: tuple[float, float] = (0.0, 0.0),
    ) -> None:
        """Seeded random faults from now on; each request rolls each probability on its own.

        - `drop_after_commit` (writes): the write commits, the connection drops unanswered.
        - `empty_500`: a 500 with no body before handling; nothing commits.
        - `commit_then_500` (writes): the write commits, the answer is a 500.
        - `burst_429`: this request and the next `burst_length - 1` are answered 429 with
          `Retry-After: retry_after` (before handling).
        - `latency`: a delay drawn uniformly from (low, high) seconds.

        The same seed and the same requests meet the same faults. Calling it again restarts
        the sequence; `reset()` turns it off.
        """
        settings = ChaosSettings(
            drop_after_commit=drop_after_commit,
            empty_500=empty_500,
            commit_then_500=commit_then_500,
            burst_429=burst_429,
            burst_length=burst_length,
            retry_after=retry_after,
            latency=latency,
        )
        self._chaos = Chaos(seed, settings)

    @property
    def chaos_settings(self) -> ChaosSettings | None:
        """The chaos mode in force, if any (for benchmarks that print what they ran under)."""
        return self._chaos.settings if self._chaos else None

    def reset(self) -> None:
        """Clear every rule, the chaos mode and the latency."""
        self._rules.clear()
        self._chaos = None
        self.delay = 0.0

    def arrive(self, method: str, path: str) -> Arrival:
        """The plan for a request as it reaches the gateway: its delay, a failure to answer
        instead of handling it, and (from chaos) what happens after its write commits."""
        planned = self._chaos.arrive(method, path) if self._chaos else Arrival()
        rule = self._take(method, path, before=True)
        failure = rule.fault if rule is not None else planned.failure
        assert not isinstance(failure, str)  # rules answered before handling are failures
        return Arrival(self.delay + planned.delay, failure, planned.commit_fault)

    def take_commit_fault(self, method: str, path: str) -> CommitFault | None:
        """A scripted after-commit fault for an authenticated, admitted request, if any."""
        rule = self._take(method, path, before=False)
        return rule.fault if rule is not None else None

    def _add(
        self, method: str, path_prefix: str, times: int, before: bool, fault: CommitFault
    ) -> None:
        prefix = path_prefix.strip().lower().rstrip("/") or "/"
        if not prefix.startswith("/"):
            prefix = "/" + prefix
        if not prefix.startswith(API_ROOT):
            prefix = API_ROOT + (prefix if prefix != "/" else "")
        self._rules.append(_Rule(method.strip().upper(), prefix, times, before, fault))

    def _take(self, method: str, path: str, *, before: bool) -> _Rule | None:
        for rule in self._rules:
            if rule.before == before and rule.matches(method, path):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._rules.remove(rule)
                return rule
        return None
