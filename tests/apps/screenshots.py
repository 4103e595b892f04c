"""`make screenshots`: the three apps, light and dark, as PNGs in docs/ for the README.

Each app is shown exactly as the browser tests show it: the real tool result from the seeded
sandbox, in the reference host, at the sandbox's "now".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
from playwright.async_api import expect

from tests.apps.browser_rig import WIDTH, Theme, launch, open_app
from tests.server.mcp_rig import mcp_rig

DOCS = Path(__file__).parents[2] / "docs"
SHOTS: tuple[tuple[str, str, dict[str, Any], str], ...] = (
    ("card", "get_ticket", {"ticket_id": 145}, ".time"),
    ("queue", "search_tickets", {"status": ["Open", "Pending"], "limit": 12}, "tr.hit"),
    ("billing", "get_billable", {"period_start": "2026-11-01", "period_end": "2026-11-30"}, "svg"),
)


async def main() -> None:
    DOCS.mkdir(exist_ok=True)
    async with launch() as browser, mcp_rig() as rig:
        for app, tool, arguments, ready in SHOTS:
            themes: tuple[Theme, ...] = ("light", "dark")
            for theme in themes:
                async with open_app(browser, rig, tool, arguments, theme) as shown:
                    await expect(shown.app.locator(ready).first).to_be_visible()
                    await shown.page.wait_for_function(
                        "() => window.hostLog.sizes.length > 0 && document.getElementById('app')"
                        ".getBoundingClientRect().height >= window.hostLog.sizes.at(-1)"
                    )
                    # Chromium paints a frame only where the viewport reaches: make it reach.
                    height = max(await shown.sizes()) + 40
                    await shown.page.set_viewport_size({"width": WIDTH + 40, "height": height})
                    shown.assert_clean()
                    target = DOCS / f"app-{app}-{theme}.png"
                    await shown.page.locator("#app").screenshot(path=target)
                    print(f"wrote {target.relative_to(DOCS.parent)}")


if __name__ == "__main__":
    anyio.run(main)
