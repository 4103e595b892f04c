"""Any replica answers any request: streamable HTTP is stateless, so a client that opened its
connection on one replica goes on with another, with the same token, and progress still
reaches it. Two replicas here are two apps built from the same settings, sharing only the
sandbox (Atera) and the tokens file."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult
from starlette.applications import Starlette

from atera_mcp.auth.tokens import TokenFile
from tests.harness import TECHNICIANS, recording_transport, sandbox_app, settings
from tests.ops.rig import MCP_HEADERS, URL, http, replica, rpc_results
from tests.server.mcp_rig import MODES, Mode, text_of
from tests.server.test_progress import Seen, recorder

pytestmark = pytest.mark.anyio

BOB = TECHNICIANS[1]


class Balancer(httpx2.AsyncBaseTransport):
    """A load balancer with no sticky sessions: `route(n)` picks the replica for request n."""

    def __init__(self, apps: list[Starlette], route: Callable[[int], int]) -> None:
        self.replicas = [httpx2.ASGITransport(app=app) for app in apps]
        self.route = route
        self.sent: list[tuple[int, str]] = []  # (replica, JSON-RPC method or HTTP method)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        target = self.route(len(self.sent))
        body = await request.aread()
        what = json.loads(body).get("method", "reply") if body else request.method
        self.sent.append((target, what))
        return await self.replicas[target].handle_async_request(request)


def _token(path: Path) -> str:
    token, _ = TokenFile(path).add(
        technician_id=BOB.id,
        name="",
        read_only=False,
        tools=None,
        now=datetime(2026, 11, 26, tzinfo=UTC),
    )
    return token


@asynccontextmanager
async def two_replicas(
    tmp_path: Path,
) -> AsyncIterator[tuple[list[Starlette], str]]:
    """Replicas A and B over one sandbox, both accepting the one token made here."""
    path = tmp_path / "tokens.json"
    token = _token(path)
    atera = recording_transport(sandbox_app(tickets=20))
    async with AsyncExitStack() as stack:
        apps = [
            await stack.enter_async_context(replica(settings(tokens_file=path), atera))
            for _ in range(2)
        ]
        yield apps, token


@asynccontextmanager
async def balanced(balancer: Balancer, token: str, mode: Mode) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(transport=balancer, headers=headers) as client,
        Client(streamable_http_client(URL, http_client=client), mode=mode) as mcp,
    ):
        yield mcp


@pytest.mark.parametrize("mode", MODES)
async def test_a_client_that_connected_to_one_replica_is_served_by_another(
    tmp_path: Path, mode: Mode
) -> None:
    async with two_replicas(tmp_path) as (apps, token):
        balancer = Balancer(apps, route=lambda n: 0 if n == 0 else 1)  # A first, then only B
        async with balanced(balancer, token, mode) as client:
            found = await client.call_tool("search_tickets", {"limit": 1})
            assert isinstance(found, CallToolResult)
            assert found.structured_content, text_of(found)
            ticket = found.structured_content["tickets"][0]["ticket_id"]
            added = await client.call_tool(
                "add_comment", {"ticket_id": ticket, "text": "Checked the cable.", "internal": True}
            )
            assert not added.is_error, text_of(added)
            listed = await client.call_tool("list_comments", {"ticket_id": ticket})
    assert listed.structured_content
    texts = [c["text"] for c in listed.structured_content["comments"]]
    assert texts.count("Checked the cable.") == 1
    assert balancer.sent[0][0] == 0
    calls = [target for target, what in balancer.sent if what == "tools/call"]
    assert calls == [1, 1, 1]


@pytest.mark.parametrize("mode", MODES)
async def test_requests_spread_over_replicas_in_turn_all_succeed(
    tmp_path: Path, mode: Mode
) -> None:
    async with two_replicas(tmp_path) as (apps, token):
        balancer = Balancer(apps, route=lambda n: n % 2)
        async with balanced(balancer, token, mode) as client:
            results = [await client.call_tool("list_technicians", {}) for _ in range(4)]
    assert all(not r.is_error for r in results)
    assert {target for target, what in balancer.sent if what == "tools/call"} == {0, 1}


@pytest.mark.parametrize("version", [None, "2025-11-25"])
async def test_a_tool_call_with_no_session_is_answered_by_a_replica_never_contacted(
    tmp_path: Path, version: str | None
) -> None:
    async with two_replicas(tmp_path) as (apps, token):
        headers = dict(MCP_HEADERS)
        if version is not None:
            headers["MCP-Protocol-Version"] = version
        call = {
            "jsonrpc": "2.0",
            "id": 7,
            "method": "tools/call",
            "params": {"name": "list_technicians", "arguments": {}},
        }
        async with http(apps[1], token) as client:
            answer = await client.post("/mcp", json=call, headers=headers)
        async with http(apps[1]) as client:
            anonymous = await client.post("/mcp", json=call, headers=headers)
    assert answer.status_code == 200, answer.text
    assert "mcp-session-id" not in answer.headers
    (reply,) = [m for m in rpc_results(answer) if m.get("id") == 7]
    assert reply["result"]["isError"] is False
    assert reply["result"]["structuredContent"]["technicians"]
    assert anonymous.status_code == 401


@pytest.mark.parametrize("mode", MODES)
async def test_progress_reaches_a_client_over_stateless_http(tmp_path: Path, mode: Mode) -> None:
    async with two_replicas(tmp_path) as (apps, token):
        balancer = Balancer(apps, route=lambda n: n % 2)
        seen: Seen = []
        async with balanced(balancer, token, mode) as client:
            result = await client.call_tool(
                "get_billable",
                {"period_start": "2026-10-01", "period_end": "2026-10-31"},
                progress_callback=recorder(seen),
            )
    assert not result.is_error, text_of(result)
    assert [s[:2] for s in seen] == [(0, 2), (1, 2)]
