"""What hosts render (MCP Apps): the ticket card, the queue and the billing chart.

Each app is a folder of readable HTML, CSS and JS (see `inline.py`), served as one
self-contained `ui://` document with the spec's default CSP: nothing is loaded from anywhere.
A tool names its app in `_meta.ui.resourceUri` (and the older flat `_meta["ui/resourceUri"]`,
as the TypeScript SDK writes it). The apps render the tool's structuredContent and act only
through `tools/call` via the host, so the server checks what an app asks exactly as it checks
the model: read-only mode, ATERA_TOOLS and per-token tool lists apply unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from mcp.server.apps import APP_MIME_TYPE, Apps
from mcp.server.mcpserver.resources import TextResource

from atera_mcp.apps.inline import build
from atera_mcp.auth.surface import mirrors

APP_OF_TOOL: Final[Mapping[str, str]] = {
    "get_ticket": "card",
    "search_tickets": "queue",
    "get_billable": "billing",
}
TITLES: Final[Mapping[str, str]] = {
    "card": "Ticket card",
    "queue": "Ticket queue",
    "billing": "Billable time chart",
}


def resource_uri(app: str) -> str:
    return f"ui://atera/{app}"


def tool_meta(tool: str) -> dict[str, Any] | None:
    """The `_meta` a tool carries when it has an app; None for the others."""
    app = APP_OF_TOOL.get(tool)
    if app is None:
        return None
    uri = resource_uri(app)
    return {"ui": {"resourceUri": uri}, "ui/resourceUri": uri}


def apps_extension(tools: Iterable[str]) -> Apps:
    """The SDK's Apps extension serving the apps of the tools this server offers. Each app
    mirrors its tool (auth/surface.py): listed and read only by callers who may use it."""
    apps = Apps()
    for tool in sorted(set(tools) & APP_OF_TOOL.keys()):
        app = APP_OF_TOOL[tool]
        page = TextResource(
            uri=resource_uri(app),
            name=app,
            title=TITLES[app],
            mime_type=APP_MIME_TYPE,
            text=build(app),
            meta=mirrors(tool),  # no "ui" entry: no csp, so the spec's default (nothing external)
        )
        apps.add_resource(page)
    return apps
