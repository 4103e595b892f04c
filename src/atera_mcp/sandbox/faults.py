"""Fault injection for tests and demos: failures, latency and connections dropped after commit.

Rules match a method (or "*") and a path prefix. A prefix is given relative to `/api/v3`
(`"/tickets"`) or in full, matches whole path segments (`/tickets/1` does not match
`/tickets/10`) and is compared case-insensitively, as Atera routes are.
"""

from __future__ import annotations

from dataclasses import dataclass

API_ROOT = "/api/v3"


class SandboxConnectionDropped(Exception):
    """Raised by the app after a committed write to drop the connection without an answer.

    Under uvicorn the connection is closed; `sandbox_transport` turns it into the
    `httpx.RemoteProtocolError` a real dropped connection gives.
    """


@dataclass(slots=True)
class Failure:
    status: int
    retry_after: int | None


@dataclass(slots=True)
class _Rule:
    method: str
    prefix: str
    remaining: int
    failure: Failure | None  # None: drop the connection after the write commits

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ("*", method.upper()):
            return False
        return path == self.prefix or path.startswith(self.prefix.rstrip("/") + "/")


class Faults:
    """The sandbox's fault controller, reachable as `sandbox_state(app).faults`."""

    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self.delay = 0.0

    def fail(
        self,
        method: str,
        path_prefix: str,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next `times` matching requests with `status` (and Retry-After if given)."""
        self._add(method, path_prefix, times, Failure(status, retry_after))

    def latency(self, seconds: float) -> None:
        """Delay every request by `seconds` before it is handled (0 turns it off)."""
        self.delay = max(0.0, seconds)

    def drop_after_commit(self, method: str, path_prefix: str, times: int = 1) -> None:
        """Handle the next `times` matching requests fully, then drop the connection unanswered."""
        self._add(method, path_prefix, times, None)

    def reset(self) -> None:
        """Clear every rule and the latency."""
        self._rules.clear()
        self.delay = 0.0

    def take_failure(self, method: str, path: str) -> Failure | None:
        rule = self._take(method, path, drops=False)
        return rule.failure if rule else None

    def take_drop(self, method: str, path: str) -> bool:
        return self._take(method, path, drops=True) is not None

    def _add(self, method: str, path_prefix: str, times: int, failure: Failure | None) -> None:
        prefix = path_prefix.strip().lower().rstrip("/") or "/"
        if not prefix.startswith("/"):
            prefix = "/" + prefix
        if not prefix.startswith(API_ROOT):
            prefix = API_ROOT + (prefix if prefix != "/" else "")
        self._rules.append(_Rule(method.strip().upper(), prefix, times, failure))

    def _take(self, method: str, path: str, *, drops: bool) -> _Rule | None:
        for rule in self._rules:
            if (rule.failure is None) == drops and rule.matches(method, path):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._rules.remove(rule)
                return rule
        return None
