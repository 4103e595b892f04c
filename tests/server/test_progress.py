"""Long tool work reports MCP progress to a client that asked for it (a progress token)."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp.shared.dispatcher import ProgressFnT

from atera_mcp.index.store import IndexStore
from atera_mcp.sandbox import sandbox_transport
from atera_mcp.server import build_server
from tests.harness import NOW, sandbox_app, settings
from tests.index.helpers import Clock

pytestmark = pytest.mark.anyio

Seen = list[tuple[float, float | None, str | None]]


def recorder(seen: Seen) -> ProgressFnT:
    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    return on_progress


async def test_a_billing_period_reports_its_steps() -> None:
    server = build_server(settings(), transport=sandbox_transport(sandbox_app()))
    seen: Seen = []
    async with Client(server) as client:
        result = await client.call_tool(
            "get_billable",
            {"period_start": "2026-10-01", "period_end": "2026-10-31"},
            progress_callback=recorder(seen),
        )
    assert not result.is_error
    assert [s[:2] for s in seen] == [(0, 2), (1, 2)]
    assert "work-hour entries" in (seen[-1][2] or "")


async def test_a_search_that_must_ask_atera_s_feed_says_so(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite3"
    app = sandbox_app(tickets=100, clock=(clock := Clock()))
    server = build_server(settings(index_path=path), transport=sandbox_transport(app), clock=clock)
    seen: Seen = []
    async with Client(server) as client:
        with anyio.fail_after(30):
            # The background first sync writes only to the file: polling it is the one way.
            while True:
                store = await anyio.to_thread.run_sync(IndexStore.open, path)
                ready = store.load_state().phase == "ready"
                store.close()
                if ready:
                    break
                await anyio.sleep(0.01)
        result = await client.call_tool(
            "search_tickets",
            {"modified_after": (NOW.replace(day=20)).isoformat()},
            progress_callback=recorder(seen),
        )
    assert not result.is_error
    assert any("change feed" in (message or "") for _, _, message in seen)
