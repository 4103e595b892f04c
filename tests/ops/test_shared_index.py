"""Readiness of replicas sharing one index (one SQLite file here; a PostgreSQL schema in
production): only the replica that syncs it runs deltas, and only while it is in use itself,
so the index lag counts against that replica alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import sandbox_app, settings
from tests.index.helpers import Clock
from tests.ops.rig import call_tool, replica
from tests.ops.test_readiness import Atera, first_sync_done, readyz

pytestmark = pytest.mark.anyio


async def test_a_replica_in_use_whose_index_another_syncs_stays_ready_as_the_lag_grows(
    tmp_path: Path,
) -> None:
    clock = Clock()
    atera = Atera(sandbox_app(tickets=30, clock=clock))
    configured = settings(index_path=tmp_path / "i.sqlite3", ready_max_lag=300.0)
    async with replica(configured, atera, clock=clock) as syncing:
        await first_sync_done(syncing)  # this one holds the sync lease, and stays idle
        async with replica(configured, atera, clock=clock) as serving:
            for _ in range(4):  # a technician works on this replica, without searching
                clock.advance(80)
                called = await call_tool(serving, "get_ticket", ticket_id=1)
                assert called["isError"] is False
            status, body = await readyz(serving)
            searched = await call_tool(serving, "search_tickets", limit=1)
            _, after = await readyz(serving)
    assert status == 200
    assert body["checks"]["index"] == {
        "ok": True,
        "detail": "lag 320 s; another replica syncs, and a search here reads the change feed first",
    }
    assert searched["structuredContent"]["total"] == 30
    assert after["checks"]["index"]["detail"].startswith("lag 0 s;")  # it did
