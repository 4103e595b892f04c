"""Without Redis, the servers of one machine spend one Atera budget through a file beside the
index (ATERA_BUDGET_PATH): every request either process sends takes a slot in it."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

from atera_mcp.config import Settings
from atera_mcp.errors import ConfigError
from atera_mcp.sandbox import sandbox_state
from atera_mcp.sandbox.requestlog import busiest_window
from tests.harness import API_KEY, NOW, sandbox_app
from tests.index.test_settings import KEY
from tests.ports import free_port, serving
from tests.server.mcp_rig import mcp_rig

SERVE = ["-m", "atera_mcp.cli", "serve"]

pytestmark = pytest.mark.anyio


def _slots_taken(path: Path) -> int:
    with sqlite3.connect(path) as db:
        (state,) = db.execute("SELECT state FROM budget").fetchone()
    return len(json.loads(state)["sent"])


async def test_two_servers_on_one_machine_take_their_slots_from_one_file(tmp_path: Path) -> None:
    app = sandbox_app(tickets=60, clock=lambda: NOW)
    ticket = min(sandbox_state(app).store.tickets)
    budget = tmp_path / "account.budget.sqlite3"
    async with (
        mcp_rig(app=app, rpm=600, budget_path=budget) as desktop,
        mcp_rig(app=app, rpm=600, budget_path=budget) as editor,
    ):
        await desktop.ok("get_ticket", ticket_id=ticket)
        await editor.ok("get_ticket", ticket_id=ticket)
        sent = len(desktop.recorder.records) + len(editor.recorder.records)
    assert sent >= 2
    assert _slots_taken(budget) == sent


def test_the_budget_file_defaults_beside_the_index_and_can_be_moved(tmp_path: Path) -> None:
    env = {"ATERA_API_KEY": KEY, "XDG_CACHE_HOME": str(tmp_path)}
    default = Settings.from_env(env)
    assert default.index_path is not None
    assert default.budget_path == default.index_path.with_suffix(".budget.sqlite3")
    assert KEY not in str(default.budget_path)
    # The index elsewhere (or off) leaves the budget where every process of the account finds it.
    elsewhere = Settings.from_env({**env, "ATERA_INDEX_PATH": str(tmp_path / "mine.sqlite3")})
    assert elsewhere.budget_path == default.budget_path
    assert Settings.from_env({**env, "ATERA_INDEX": "off"}).budget_path == default.budget_path
    moved = Settings.from_env({**env, "ATERA_BUDGET_PATH": str(tmp_path / "b.sqlite3")})
    assert moved.budget_path == tmp_path / "b.sqlite3"
    assert Settings.from_env({}).budget_path is None


def test_a_folder_as_the_budget_file_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ATERA_BUDGET_PATH must name a file"):
        Settings.from_env({"ATERA_API_KEY": KEY, "ATERA_BUDGET_PATH": str(tmp_path)})


async def test_three_stdio_servers_on_one_key_keep_one_pace_together(tmp_path: Path) -> None:
    # 60 a minute: a slot every 61/60 s and no burst. Three budgets of their own would send
    # three times that; one shared budget sends as one server would.
    app = sandbox_app(tickets=30)
    ids = sorted(sandbox_state(app).store.tickets)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATERA_")}
    env |= {
        "ATERA_API_KEY": API_KEY,
        "ATERA_BASE_URL": f"http://127.0.0.1:{port}/api/v3",
        "ATERA_RPM": "60",
        "ATERA_INDEX": "off",
        "XDG_CACHE_HOME": str(tmp_path),
    }
    params = StdioServerParameters(command=sys.executable, args=SERVE, env=env)
    connected = anyio.Event()
    ready: list[Client] = []
    began: list[float] = []

    async def server() -> None:
        async with Client(params) as client:
            ready.append(client)
            if len(ready) == 3:
                began.append(time.monotonic())
                connected.set()
            await connected.wait()
            while time.monotonic() < began[0] + 6.0:
                await client.call_tool("get_ticket", {"ticket_id": ids[len(ready) % len(ids)]})

    with serving(app, port), anyio.fail_after(120):
        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(server)
    arrivals = [e.at for e in sandbox_state(app).requests if e.at >= began[0]]
    assert len(arrivals) >= 4  # each server had its turn
    assert busiest_window(arrivals, 6.0) <= 8  # one pace (6 slots), not three (18)
