"""The tool surface as one caller sees it: their token's read-only flag and tool list apply to
`tools/list` and to `tools/call` alike.

A tool hidden from the caller, called by name, gets the SDK's own answer for a tool that does not
exist, so a credential's limits cannot be probed. Without a caller (stdio, or HTTP without
auth) nothing changes: the server-wide ATERA_READ_ONLY / ATERA_TOOLS already shaped the tools.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.types import CallToolResult, TextContent

from atera_mcp.auth.identity import current_caller


class CallerToolFilter:
    """SDK middleware; `writes` maps each offered tool's name to whether it writes."""

    def __init__(self, writes: Mapping[str, bool]) -> None:
        self.writes = dict(writes)

    async def __call__(
        self, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        caller = current_caller()
        if caller is None:
            return await call_next(ctx)
        if ctx.method == "tools/call":
            name = (ctx.params or {}).get("name")
            writes = self.writes.get(name) if isinstance(name, str) else None
            if writes is not None and not caller.may_use(str(name), writes=writes):
                # The SDK's words for an unknown tool (tests/server/test_tool_surface.py).
                text = TextContent(type="text", text=f"Unknown tool: {name}")
                return CallToolResult(content=[text], is_error=True)
            return await call_next(ctx)
        result = await call_next(ctx)
        if ctx.method == "tools/list" and isinstance(result, dict):
            # Past the handler the result is already the wire dict: {"tools": [{"name": ...}]}.
            result["tools"] = [
                tool
                for tool in result.get("tools", [])
                if caller.may_use(tool["name"], writes=self.writes.get(tool["name"], True))
            ]
        return result
