"""An in-memory MCP client over build_server(), the sandbox and the contract recorder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

from mcp import Client
from mcp.types import CallToolResult
from starlette.applications import Starlette

from atera_mcp.server import build_server
from tests.contract.openapi_check import RecordingTransport
from tests.harness import NOW, recording_transport, sandbox_app, settings

Mode = Literal["legacy", "auto"]
MODES: tuple[Mode, ...] = ("legacy", "auto")


@dataclass
class McpRig:
    client: Client
    recorder: RecordingTransport
    app: Starlette

    async def call(self, name: str, **arguments: Any) -> CallToolResult:
        result = await self.client.call_tool(name, arguments)
        assert isinstance(result, CallToolResult)
        return result

    async def ok(self, name: str, **arguments: Any) -> dict[str, Any]:
        """Call a tool that must succeed; return its structured content."""
        result = await self.call(name, **arguments)
        assert not result.is_error, text_of(result)
        content: dict[str, Any] | None = result.structured_content
        assert content is not None
        return content

    async def refused(self, name: str, **arguments: Any) -> str:
        """Call a tool that must come back as a tool error; return its text."""
        result = await self.call(name, **arguments)
        assert result.is_error, result.structured_content
        return text_of(result)


def text_of(result: CallToolResult) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


@asynccontextmanager
async def mcp_rig(
    mode: Mode = "auto", app: Starlette | None = None, **setting_changes: Any
) -> AsyncIterator[McpRig]:
    app = app or sandbox_app()
    recorder = recording_transport(app)
    server = build_server(settings(**setting_changes), transport=recorder, clock=lambda: NOW)
    async with Client(server, mode=mode) as client:
        yield McpRig(client=client, recorder=recorder, app=app)
