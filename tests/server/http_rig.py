"""The streamable-HTTP app in process: `launch.http_app` over the sandbox, reached by the
official client through httpx's ASGI transport (no port is opened)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.applications import Starlette

from atera_mcp.auth.access import http_access
from atera_mcp.config import Settings
from atera_mcp.launch import http_app
from atera_mcp.server import build_server
from tests.contract.openapi_check import RecordingTransport
from tests.harness import NOW, recording_transport, sandbox_app
from tests.server.mcp_rig import Mode

ORIGIN = "http://127.0.0.1:8000"
URL = f"{ORIGIN}/mcp"


@dataclass
class HttpRig:
    app: Starlette
    recorder: RecordingTransport

    def http(self, token: str | None = None, **headers: str) -> httpx2.AsyncClient:
        """A raw HTTP client for the app, with `Authorization: Bearer token` when given."""
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        transport = httpx2.ASGITransport(app=self.app)
        return httpx2.AsyncClient(transport=transport, base_url=ORIGIN, headers=headers)

    @asynccontextmanager
    async def client(self, token: str | None, mode: Mode = "auto") -> AsyncIterator[Client]:
        """The official MCP client, sending `token`."""
        async with (
            self.http(token) as http,
            Client(streamable_http_client(URL, http_client=http), mode=mode) as client,
        ):
            yield client


@asynccontextmanager
async def http_rig(
    settings: Settings, *, jwks: httpx.AsyncBaseTransport | None = None, **sandbox: Any
) -> AsyncIterator[HttpRig]:
    """`settings` served over HTTP exactly as `serve --transport http` would (lifespan included)."""
    recorder = recording_transport(sandbox_app(**sandbox))
    access = http_access(settings, local_url=ORIGIN, jwks_transport=jwks)
    server = build_server(settings, transport=recorder, clock=lambda: NOW, access=access)
    app = http_app(server, settings, access)
    async with app.router.lifespan_context(app):
        yield HttpRig(app=app, recorder=recorder)
