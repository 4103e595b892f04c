"""What the client tells an observer (the server's metrics and readiness, see ops/).

`HttpCore` calls the observer after every attempt and after every wait for the rate budget.
An observer must be quick and must not raise: it runs inside the request loop. The default
observes nothing.
"""

from __future__ import annotations

from typing import Protocol

from atera_mcp.client.ratelimit import RequestClass


class ClientObserver(Protocol):
    def on_response(self, method: str, path: str, status: int | None, attempt: int) -> None:
        """One attempt ended: `path` as sent (ids included: an observer that shows it must
        reduce it to its route), `status` None when no HTTP answer came (a connect error, a
        timeout), `attempt` 1 for the first try and more for retries."""

    def on_budget_wait(self, request_class: RequestClass, seconds: float) -> None:
        """An attempt waited `seconds` (0 included) for the rate budget before being sent."""


class NoObserver:
    """The default: observes nothing."""

    def on_response(self, method: str, path: str, status: int | None, attempt: int) -> None:
        pass

    def on_budget_wait(self, request_class: RequestClass, seconds: float) -> None:
        pass
