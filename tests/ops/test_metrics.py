"""/metrics: Prometheus' text format, one registry per server, Atera routes as templates (never
a ticket id), and no token needed (Prometheus scrapes it) while /mcp still wants one."""

from __future__ import annotations

import math
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from atera_mcp.auth.tokens import TokenFile
from atera_mcp.client import RateBudget
from atera_mcp.ops.metrics import route_template
from atera_mcp.sandbox import sandbox_transport
from tests.harness import API_KEY, NOW, sandbox_app, settings
from tests.index.helpers import Clock
from tests.ops.rig import call_tool, get, replica
from tests.ops.test_readiness import first_sync_done

pytestmark = pytest.mark.anyio

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class ThrottleOnce(httpx.AsyncBaseTransport):
    """The sandbox, except that the first GET of one ticket draws a 429 (Retry-After: 0)."""

    def __init__(self, app: Starlette) -> None:
        self.inner = sandbox_transport(app)
        self.throttled = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")
        if not self.throttled and parts[-2] == "tickets" and parts[-1].isdigit():
            self.throttled = True
            return httpx.Response(429, headers={"Retry-After": "0"}, request=request)
        return await self.inner.handle_async_request(request)


async def scrape(app: Starlette) -> tuple[str, Samples]:
    answer = await get(app, "/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }
    return answer.text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_a_route_template_keeps_the_words_and_hides_every_id() -> None:
    assert route_template("/tickets/4711/comments") == "/tickets/{id}/comments"
    assert route_template("/tickets/lastmodified") == "/tickets/lastmodified"
    assert route_template("/customers/12?page=2") == "/customers/{id}"
    assert route_template("/contacts/jane@example.com") == "/contacts/{id}"
    assert route_template("/") == "/"


async def test_requests_to_atera_are_counted_by_route_and_status_with_429s_and_retries() -> None:
    atera = ThrottleOnce(sandbox_app(tickets=20))
    budget = RateBudget(6000, burst=100)  # its own, roomy: every wait is observed, none long
    async with replica(settings(), atera, rate_budget=budget) as app:
        found = await call_tool(app, "search_tickets", limit=1)
        ticket = found["structuredContent"]["tickets"][0]["ticket_id"]
        assert (await call_tool(app, "get_ticket", ticket_id=ticket))["isError"] is False
        assert (await call_tool(app, "get_ticket", ticket_id=987654))["isError"] is True
        assert (await call_tool(app, "get_ticket", ticket_id="soon"))["isError"] is True
        text, samples = await scrape(app)
    requests = "atera_mcp_atera_requests_total"
    one = "/tickets/{id}"
    assert value(samples, requests, endpoint=one, method="GET", status="429") == 1
    assert value(samples, requests, endpoint=one, method="GET", status="200") >= 1
    assert value(samples, requests, endpoint=one, method="GET", status="404") == 1
    assert value(samples, requests, endpoint="/tickets", method="GET", status="200") >= 1
    assert value(samples, "atera_mcp_atera_retries_total", endpoint=one, method="GET") == 1
    assert value(samples, "atera_mcp_atera_throttled_total", endpoint=one) == 1
    sent = sum(v for (name, _), v in samples.items() if name == requests)
    waits = value(samples, "atera_mcp_budget_wait_seconds_count", request_class="interactive")
    assert waits == sent
    tool = "atera_mcp_tool_call_seconds_count"
    assert value(samples, tool, tool="get_ticket", outcome="ok") == 1
    assert value(samples, tool, tool="get_ticket", outcome="refused") == 2
    assert value(samples, tool, tool="search_tickets", outcome="ok") == 1
    assert math.isnan(value(samples, "atera_mcp_index_lag_seconds"))
    assert f"/{ticket}" not in text
    assert "987654" not in text
    assert API_KEY not in text


async def test_the_index_lag_is_read_at_scrape_time(tmp_path: Path) -> None:
    clock = Clock()
    atera = sandbox_transport(sandbox_app(tickets=100, clock=clock))
    async with replica(settings(index_path=tmp_path / "i.sqlite3"), atera, clock=clock) as app:
        await first_sync_done(app)
        _, before = await scrape(app)
        clock.advance(42)
        _, after = await scrape(app)
    lag = value(after, "atera_mcp_index_lag_seconds")
    assert lag - value(before, "atera_mcp_index_lag_seconds") == 42


async def test_each_server_counts_only_its_own_calls_and_needs_no_token(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token, _ = TokenFile(path).add(technician_id=1, name="", read_only=False, tools=None, now=NOW)
    atera = sandbox_transport(sandbox_app(tickets=5))
    configured = settings(tokens_file=path)
    async with replica(configured, atera) as one, replica(configured, atera) as other:
        await call_tool(one, "find_customers", token=token, query="Acme")
        _, mine = await scrape(one)
        _, theirs = await scrape(other)
    tool = "atera_mcp_tool_call_seconds_count"
    assert value(mine, tool, tool="find_customers", outcome="ok") == 1
    assert value(theirs, tool, tool="find_customers", outcome="ok") == 0


class Broken(httpx.AsyncBaseTransport):
    """Fails in a way no Atera error explains (a bug's stand-in): the call is an error."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise RuntimeError("not an HTTP failure")


async def test_a_tool_call_that_hits_a_bug_is_timed_as_an_error() -> None:
    async with replica(settings(), Broken()) as app:
        result = await call_tool(app, "find_customers", query="Acme")
        _, samples = await scrape(app)
    assert result["isError"] is True
    tool = "atera_mcp_tool_call_seconds_count"
    assert value(samples, tool, tool="find_customers", outcome="error") == 1
    assert value(samples, tool, tool="find_customers", outcome="refused") == 0
