"""An in-process httpx transport for the sandbox that fails like a real network does."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from atera_mcp.sandbox.faults import SandboxConnectionDropped


class SandboxTransport(httpx.ASGITransport):
    """`httpx.ASGITransport` that reports a dropped connection as httpx does for a socket."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except SandboxConnectionDropped:
            # The very error httpx raises when a server closes without answering.
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None


def sandbox_transport(app: Starlette) -> httpx.AsyncBaseTransport:
    """A transport that sends requests straight into `app`: no socket, no port."""
    return SandboxTransport(app=app)
