"""The index under failure: what goes wrong inside the sync (a lost lease, a busy or damaged
file, a bug) is contained, never takes the server down, and never moves a file in use."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import anyio
import httpx
import pytest

from atera_mcp.index.service import LEASE_SECONDS, RETRY_AFTER_FAILURE
from atera_mcp.index.store import IndexStore
from atera_mcp.index.sync import read_pages
from atera_mcp.sandbox import sandbox_state
from atera_mcp.tools.tickets import update_ticket
from tests.index.helpers import (
    Clock,
    Setup,
    account,
    open_index,
    page_of,
    retitle,
    sandbox_ids,
)

pytestmark = pytest.mark.anyio


async def test_any_failure_in_a_page_worker_is_raised_as_itself_and_stops_the_rest() -> None:
    handed: list[int] = []

    async def fetch(number: int) -> int:
        await anyio.lowlevel.checkpoint()  # a request: the other worker runs meanwhile
        if number == 2:
            raise sqlite3.OperationalError("database is locked")
        return number

    async def on_page(number: int, page: object, at: object) -> None:
        handed.append(number)

    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        await read_pages(fetch, range(1, 100), on_page, Clock(), concurrency=2)
    assert len(handed) < 98  # the others stopped


async def test_a_sync_whose_lease_is_taken_between_pages_stops_and_only_reads(
    tmp_path: Path,
) -> None:
    app, clock = account(300)
    path = tmp_path / "shared.sqlite3"

    async def stall_then_lose_the_lease(request: httpx.Request, response: httpx.Response) -> None:
        if page_of(request) == 3:  # read by a page worker
            # This process stalled past its lease; another one took it over meanwhile.
            clock.advance(LEASE_SECONDS + 1)
            other = IndexStore.open(path)
            try:
                assert other.try_lease("second", clock.now, LEASE_SECONDS)
            finally:
                other.close()

    async with open_index(app, path, clock, owner="first", hook=stall_then_lose_the_lease) as s:
        assert await s.index.background_step() == s.index.refresh.total_seconds()
        assert (await s.index.state()).phase == "sweeping"


async def test_an_unexpected_failure_in_background_work_is_logged_and_retried_later(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app, clock = account(60)
    failures = [RuntimeError("a bug somewhere below the index")]

    async def fail_once(request: httpx.Request, response: httpx.Response) -> None:
        if failures:
            raise failures.pop()

    waits: list[float] = []
    async with anyio.create_task_group() as group:

        async def sleep(seconds: float) -> None:
            waits.append(seconds)
            if len(waits) == 2:
                group.cancel_scope.cancel()
            await anyio.lowlevel.checkpoint()

        async with open_index(app, tmp_path / "i.sqlite3", clock, hook=fail_once, sleep=sleep) as s:
            with caplog.at_level(logging.ERROR), anyio.fail_after(30):
                group.start_soon(s.index.run_background)
                await anyio.sleep_forever()
    assert waits == [RETRY_AFTER_FAILURE, 0.0]  # backed off, then the first sync ran
    assert "a bug somewhere below the index" in caplog.text  # with its traceback
    assert any(record.exc_info for record in caplog.records)


async def test_a_delta_rewrites_only_the_tickets_it_could_not_place_before_or_after(
    tmp_path: Path,
) -> None:
    app, clock = account(120)

    async def changes(s: Setup) -> int:
        """Rows this connection has written so far (an UPDATE counts each row it matched)."""
        rows = await s.index.run(lambda st: st.execute("SELECT total_changes()"))
        return int(rows[0][0])

    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        await s.index.first_sync()
        clock.advance(600)
        await s.index.engine.delta()  # places every ticket before its window
        before = await changes(s)
        clock.advance(600)
        await s.index.engine.delta()  # nothing changed in Atera
        assert await changes(s) - before < 10  # the sync state, not one row per ticket


async def test_a_write_whose_index_copy_hits_a_damaged_file_still_answers_success(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app, clock = account(60)
    path = tmp_path / "i.sqlite3"
    tickets = sandbox_state(app).store.tickets.values()
    target = min(t.id for t in tickets if t.status in ("Open", "Pending"))
    async with open_index(app, path, clock) as s:
        await s.index.first_sync()
        with sqlite3.connect(path) as damage:  # the search text's structure record
            damage.execute("UPDATE ticket_text_data SET block = x'00ff00ff' WHERE id = 1")
        with caplog.at_level(logging.WARNING):
            await update_ticket(s.tool_context(clock), target, title="Renamed with the index hurt")
        assert "Could not update the ticket index" in caplog.text
    assert sandbox_state(app).store.tickets[target].title == "Renamed with the index hurt"


async def test_a_refresh_that_hits_a_damaged_file_leaves_the_search_answering_from_the_index(
    tmp_path: Path,
) -> None:
    app, clock = account(60)
    path = tmp_path / "i.sqlite3"
    async with open_index(app, path, clock) as s:
        before = await s.index.first_sync()
        with sqlite3.connect(path) as damage:  # the search text's structure record
            damage.execute("UPDATE ticket_text_data SET block = x'00ff00ff' WHERE id = 1")
        await retitle(app, min(sandbox_ids(app)), "Changed while the index is hurt")
        clock.advance(60)
        await s.index.ensure_fresh()  # does not raise
        assert (await s.index.state()).last_delta_at == before.last_delta_at
