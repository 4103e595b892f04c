"""Replicas in process: each `replica` is `serve --transport http`'s app for `settings`, built
on its own (its own server, client, index and metrics) and reached through httpx's ASGI
transport; replicas share nothing but what the test hands them (the sandbox, a tokens file)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx
import httpx2
from starlette.applications import Starlette

from atera_mcp.auth.access import http_access
from atera_mcp.client import RateBudget
from atera_mcp.config import Settings
from atera_mcp.launch import http_app
from atera_mcp.server import build_server
from tests.harness import NOW

ORIGIN = "http://127.0.0.1:8000"
URL = f"{ORIGIN}/mcp"
# What a streamable-HTTP client sends with every POST.
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


@asynccontextmanager
async def replica(
    settings: Settings,
    atera: httpx.AsyncBaseTransport,
    *,
    clock: Callable[[], datetime] = lambda: NOW,
    rate_budget: RateBudget | None = None,
) -> AsyncIterator[Starlette]:
    """One replica's HTTP app, its lifespan running (as uvicorn runs it)."""
    access = http_access(settings, local_url=ORIGIN)
    server = build_server(
        settings, transport=atera, clock=clock, access=access, rate_budget=rate_budget
    )
    app = http_app(server, settings, access)
    async with app.router.lifespan_context(app):
        yield app


def http(app: Starlette, token: str | None = None) -> httpx2.AsyncClient:
    """A raw HTTP client for `app`, with `Authorization: Bearer token` when given."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx2.ASGITransport(app=app)
    return httpx2.AsyncClient(transport=transport, base_url=ORIGIN, headers=headers)


async def get(app: Starlette, path: str) -> httpx2.Response:
    """GET `path` with no credentials, as a load balancer or Prometheus asks."""
    async with http(app) as client:
        return await client.get(path)


def rpc_results(answer: httpx2.Response) -> list[dict[str, Any]]:
    """The JSON-RPC messages of an answer, whether sent as JSON or as an SSE stream."""
    if answer.headers.get("content-type", "").startswith("application/json"):
        return [answer.json()]
    return [
        json.loads(line.removeprefix("data:"))
        for line in answer.text.splitlines()
        if line.startswith("data:") and line.removeprefix("data:").strip()
    ]


async def call_tool(
    app: Starlette, name: str, *, token: str | None = None, **arguments: Any
) -> dict[str, Any]:
    """One `tools/call` POSTed with no session (stateless); the call's result."""
    call = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }
    async with http(app, token) as client:
        answer = await client.post("/mcp", json=call, headers=MCP_HEADERS)
    (reply,) = rpc_results(answer)
    result: dict[str, Any] = reply["result"]
    return result
