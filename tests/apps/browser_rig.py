"""The apps in a real browser: Debian's headless Chromium, the reference host, the real server.

The host page is AppBridge from @modelcontextprotocol/ext-apps (bundled by scripts/browser.sh
into tests/apps/host/dist/host.js). It runs an app's `ui://` document in a
`sandbox="allow-scripts"` iframe under the spec's default CSP, answers `ui/initialize`, sends
the tool's input and its real CallToolResult, and forwards the app's `tools/call` here
(Playwright's expose_function), where an in-process MCP client sends it to build_server():
the server checks an app's call exactly as it checks the model's.

Every request the page makes is routed: the host page itself is served from memory, anything
else is recorded and aborted, and the test fails on it. So are console errors.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mcp import Client
from mcp.types import CallToolResult, TextResourceContents
from playwright.async_api import Browser, FrameLocator, Page, Route, async_playwright

from tests.harness import NOW
from tests.server.mcp_rig import McpRig

Theme = Literal["light", "dark"]
HOST_BUNDLE = Path(__file__).with_name("host") / "dist" / "host.js"
HOST_URL = "http://host.test/"
WIDTH = 760
# What a host like Claude sends (a subset of the spec's variable names), per theme.
HOST_VARIABLES: dict[Theme, dict[str, str]] = {
    "light": {
        "--color-background-primary": "#ffffff",
        "--color-text-primary": "#1f1e1d",
        "--font-sans": "system-ui, sans-serif",
    },
    "dark": {
        "--color-background-primary": "#262624",
        "--color-text-primary": "#f5f4ef",
        "--font-sans": "system-ui, sans-serif",
    },
}


def chromium_path() -> str:
    found = shutil.which("chromium")
    if found is None or not HOST_BUNDLE.exists():
        raise RuntimeError("the browser tests need chromium and the host: bash scripts/browser.sh")
    return found


@asynccontextmanager
async def launch() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path())
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class AppPage:
    """One app running in the host page; what left the page and what the console said."""

    page: Page
    requests_out: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def app(self) -> FrameLocator:
        """The app's document inside the sandboxed iframe."""
        return self.page.frame_locator("#app")

    async def sizes(self) -> list[int]:
        sizes: list[int] = await self.page.evaluate("window.hostLog.sizes")
        return sizes

    def assert_clean(self) -> None:
        assert self.requests_out == [], f"requests left the page: {self.requests_out}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"


async def app_html(client: Client, tool: str) -> str:
    """The app a tool declares, read the way a host reads it: tools/list, then resources/read."""
    listed = await client.list_tools()
    meta = next(t.meta for t in listed.tools if t.name == tool)
    assert meta is not None, f"{tool} declares no app"
    uri = meta["ui"]["resourceUri"]
    assert meta["ui/resourceUri"] == uri
    read = await client.read_resource(uri)
    (content,) = read.contents
    assert isinstance(content, TextResourceContents)
    assert content.mime_type == "text/html;profile=mcp-app"
    return content.text


async def call(client: Client, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A tool called as a host calls it; the CallToolResult as it travels."""
    result = await client.call_tool(name, arguments)
    assert isinstance(result, CallToolResult)
    dumped: dict[str, Any] = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped


def host_page() -> str:
    return f"<!DOCTYPE html><html><body><script>{HOST_BUNDLE.read_text()}</script></body></html>"


@asynccontextmanager
async def open_app(
    browser: Browser,
    rig: McpRig | Client,
    tool: str,
    arguments: dict[str, Any],
    theme: Theme = "light",
) -> AsyncIterator[AppPage]:
    """The tool called for real through `rig`'s client (or a client of its own, e.g. one
    holding a token), and its app shown with that result, as a host would."""
    client = rig.client if isinstance(rig, McpRig) else rig
    html = await app_html(client, tool)
    result = await call(client, tool, arguments)
    context = await browser.new_context(viewport={"width": WIDTH + 40, "height": 900})
    page = await context.new_page()
    shown = AppPage(page)

    async def route(route: Route) -> None:
        if route.request.url == HOST_URL:
            await route.fulfill(body=host_page(), content_type="text/html")
        else:
            shown.requests_out.append(route.request.url)
            await route.abort()

    async def call_server_tool(name: str, args: dict[str, Any]) -> dict[str, Any]:
        shown.tool_calls.append((name, args))
        return await call(client, name, args)

    await context.route("**/*", route)
    page.on("console", lambda m: shown.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: shown.console_errors.append(str(e)))
    await page.expose_function("callServerTool", call_server_tool)
    await page.goto(HOST_URL)
    await page.evaluate(
        "(start) => window.startApp(start)",
        {
            "html": html,
            "args": arguments,
            "result": result,
            "theme": theme,
            "variables": HOST_VARIABLES[theme],
            "width": WIDTH,
            "now": NOW.timestamp() * 1000,  # the sandbox's "now", so SLA clocks are stable
        },
    )
    try:
        yield shown
    finally:
        await context.close()
