"""The client tells its observer of every attempt (status, or no answer) and every budget wait."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from atera_mcp.client import AteraClient, RateBudget, RequestClass, background_requests
from tests.client.test_retries import TICKET, Script, status

MakeClient = Callable[..., AteraClient]
pytestmark = pytest.mark.anyio


class Seen:
    """A ClientObserver that writes down what it is told."""

    def __init__(self) -> None:
        self.responses: list[tuple[str, str, int | None, int]] = []
        self.waits: list[tuple[RequestClass, float]] = []

    def on_response(self, method: str, path: str, status: int | None, attempt: int) -> None:
        self.responses.append((method, path, status, attempt))

    def on_budget_wait(self, request_class: RequestClass, seconds: float) -> None:
        self.waits.append((request_class, seconds))


async def test_every_attempt_is_observed_with_its_status_or_none_without_an_answer(
    make_client: MakeClient,
) -> None:
    seen = Seen()
    script = Script(httpx.ConnectError("refused"), status(503), httpx.Response(200, json=TICKET))
    async with make_client(script, observer=seen) as client:
        await client.get_ticket(7)
    assert seen.responses == [
        ("GET", "/tickets/7", None, 1),
        ("GET", "/tickets/7", 503, 2),
        ("GET", "/tickets/7", 200, 3),
    ]
    assert seen.waits == []  # no budget (rpm=0): nothing waited for one


async def test_each_attempt_s_wait_for_the_budget_is_observed_in_its_class(
    make_client: MakeClient,
) -> None:
    seen = Seen()
    script = Script(*(httpx.Response(200, json=TICKET) for _ in range(2)))
    budget = RateBudget(600, burst=10)
    async with make_client(script, observer=seen, rate_budget=budget) as client:
        await client.get_ticket(7)
        with background_requests():
            await client.get_ticket(7)
    assert [request_class for request_class, _ in seen.waits] == ["interactive", "background"]
    assert all(seconds >= 0 for _, seconds in seen.waits)
