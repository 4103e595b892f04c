"""The surface as one caller sees it: tools, and the resources that mirror them.

A credential's read-only flag and tool list apply to `tools/list` and `tools/call` alike; a
tool hidden from the caller, called by name, gets the SDK's own answer for a tool that does not
exist, so a credential's limits cannot be probed.

A resource that shows what a tool returns declares that tool (`meta=mirrors("get_ticket")`).
It is listed, read and subscribed to only where the tool is offered (the server-wide
ATERA_READ_ONLY / ATERA_TOOLS) and, with an authenticated caller, only when the caller may use
the tool; a refused read gets the SDK's answer for an unknown resource (the MCP Apps' `ui://` pages
declare the tool they render). A resource that declares no tool (the field reference, static
text) is readable by anyone who may connect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp import MCPError
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.shared.uri_template import UriTemplate
from mcp.types import INVALID_PARAMS, CallToolResult, TextContent

from atera_mcp.auth.identity import Caller, current_caller

MIRRORS = "atera-mcp/mirrors"  # a resource's _meta key: the tool whose right it needs


def mirrors(tool: str) -> dict[str, Any]:
    """The `meta=` of a resource showing what `tool` returns (see the module docstring)."""
    return {MIRRORS: tool}


def _mirrored(meta: Mapping[str, Any] | None) -> str | None:
    tool = (meta or {}).get(MIRRORS)
    return tool if isinstance(tool, str) else None


def _named_resources(method: str, params: Mapping[str, Any]) -> list[str]:
    """The resource URIs a read, a 2025 subscribe or a 2026 listen request names."""
    if method != "subscriptions/listen":
        uri = params.get("uri")
        return [uri] if isinstance(uri, str) else []
    wanted = params.get("notifications")
    uris = wanted.get("resourceSubscriptions") if isinstance(wanted, Mapping) else None
    return [u for u in uris if isinstance(u, str)] if isinstance(uris, list) else []


class CallerToolFilter:
    """SDK middleware; `writes` maps each offered tool's name to whether it writes. `bind` it
    to the server once its resources are registered."""

    def __init__(self, writes: Mapping[str, bool]) -> None:
        self.writes = dict(writes)
        self._server: MCPServer[Any] | None = None

    def bind(self, server: MCPServer[Any]) -> None:
        self._server = server

    def _allowed(self, caller: Caller | None, tool: str | None) -> bool:
        """Whether a resource mirroring `tool` (None: none) is shown to `caller`."""
        if tool is None:
            return True
        writes = self.writes.get(tool)
        if writes is None:  # the server does not offer the tool at all
            return False
        return caller is None or caller.may_use(tool, writes=writes)

    async def __call__(
        self, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        caller = current_caller()
        if ctx.method in ("resources/read", "resources/subscribe", "subscriptions/listen"):
            # Hearing that a resource changed is reading it too (both protocol eras).
            for uri in _named_resources(ctx.method, ctx.params or {}):
                if not self._allowed(caller, await self._tool_of(uri)):
                    # The SDK's words for a resource it does not have.
                    raise MCPError(code=INVALID_PARAMS, message=f"Unknown resource: {uri}")
            return await call_next(ctx)
        if ctx.method == "tools/call" and caller is not None:
            name = (ctx.params or {}).get("name")
            writes = self.writes.get(name) if isinstance(name, str) else None
            if writes is not None and not caller.may_use(str(name), writes=writes):
                # The SDK's words for an unknown tool (tests/server/test_tool_surface.py).
                text = TextContent(type="text", text=f"Unknown tool: {name}")
                return CallToolResult(content=[text], is_error=True)
        result = await call_next(ctx)
        if not isinstance(result, dict):
            return result
        # Past the handler the result is already the wire dict: {"tools": [{"name": ...}]}.
        if ctx.method == "tools/list" and caller is not None:
            result["tools"] = [
                tool
                for tool in result.get("tools", [])
                if caller.may_use(tool["name"], writes=self.writes.get(tool["name"], True))
            ]
        for method, key in (
            ("resources/list", "resources"),
            ("resources/templates/list", "resourceTemplates"),
        ):
            if ctx.method == method:
                result[key] = [
                    item
                    for item in result.get(key, [])
                    if self._allowed(caller, _mirrored(item.get("_meta")))
                ]
        return result

    async def _tool_of(self, uri: str) -> str | None:
        """The tool the resource `uri` names mirrors, found as the SDK finds the resource:
        static resources first, then templates in order."""
        if self._server is None:
            raise RuntimeError("CallerToolFilter.bind(server) was not called")
        for resource in await self._server.list_resources():
            if str(resource.uri) == uri:
                return _mirrored(resource.meta)
        for template in await self._server.list_resource_templates():
            if UriTemplate.parse(template.uri_template).match(uri) is not None:
                return _mirrored(template.meta)
        return None
