"""`TicketIndex`: refresh timing, request classes, the background steps, the lease shared by
two processes, write-through from the tools, and its place in the server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import anyio
import httpx
import pytest
from mcp import Client, StdioServerParameters

from atera_mcp.index.service import IN_USE, LEASE_SECONDS
from atera_mcp.index.store import IndexStore
from atera_mcp.launch import sandbox_index
from atera_mcp.sandbox import sandbox_state, sandbox_transport
from atera_mcp.server import build_server
from atera_mcp.tools.comments import list_comments
from atera_mcp.tools.ticket_read import get_ticket
from atera_mcp.tools.tickets import update_ticket
from tests.harness import NOW, sandbox_app, settings
from tests.index.helpers import (
    Clock,
    account,
    feed_requests,
    open_index,
    retitle,
    sandbox_ids,
)
from tests.ports import free_port

pytestmark = pytest.mark.anyio


async def test_a_search_refreshes_first_only_when_the_last_delta_is_older_than_the_interval(
    tmp_path: Path,
) -> None:
    app, clock = account(60)
    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        await s.index.first_sync()
        feeds = len(feed_requests(s.recorder))
        await s.index.ensure_fresh()
        clock.advance(14)
        await s.index.ensure_fresh()
        assert len(feed_requests(s.recorder)) == feeds  # fresh enough: no request
        clock.advance(2)
        await s.index.ensure_fresh()
        await s.index.ensure_fresh()
        assert len(feed_requests(s.recorder)) == feeds + 1  # one request, then fresh again
        assert (await s.index.state()).last_delta_at == clock.now


async def test_concurrent_searches_share_one_refresh(tmp_path: Path) -> None:
    app, clock = account(60)
    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        await s.index.first_sync()
        feeds = len(feed_requests(s.recorder))
        clock.advance(60)
        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(s.index.ensure_fresh)
        assert len(feed_requests(s.recorder)) == feeds + 1


async def test_a_search_before_the_first_sync_reads_nothing(tmp_path: Path) -> None:
    app, clock = account(60)
    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        await s.index.ensure_fresh()
        assert s.recorder.records == []
        assert (await s.index.state()).phase == "empty"
        assert await s.index.progress() == 0.0


async def test_a_failed_refresh_leaves_the_index_answering_as_of_its_last_delta(
    tmp_path: Path,
) -> None:
    app, clock = account(60)
    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        before = await s.index.first_sync()
        sandbox_state(app).faults.fail("GET", "/tickets/lastmodified", 503)
        clock.advance(60)
        await s.index.ensure_fresh()  # does not raise
        assert (await s.index.state()).last_delta_at == before.last_delta_at


async def test_inline_refreshes_are_interactive_and_background_work_is_background(
    tmp_path: Path,
) -> None:
    app, clock = account(60)
    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        await s.index.background_step()  # the first sync
        assert s.hooked.classes
        assert set(s.hooked.classes) == {"background"}
        s.hooked.classes.clear()
        clock.advance(60)
        await s.index.ensure_fresh()
        assert s.hooked.classes == ["interactive"]


async def test_background_work_runs_first_sync_then_backfill_then_deltas_while_in_use(
    tmp_path: Path,
) -> None:
    app, clock = account(100)
    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        assert await s.index.background_step() == 0.0
        assert (await s.index.state()).phase == "ready"
        while await s.index.background_step() == 0.0:  # comment backfill, batch by batch
            pass
        assert await s.index.run(lambda st: st.comment_backlog(100)) == []
        # Nobody is using the server: no deltas, just a look now and then.
        feeds = len(feed_requests(s.recorder))
        clock.advance(600)
        assert await s.index.background_step() == 15.0
        assert len(feed_requests(s.recorder)) == feeds
        # A tool call makes it "in use": deltas every refresh interval.
        s.index.mark_used()
        await retitle(app, min(sandbox_ids(app)), "Changed while someone works")
        assert await s.index.background_step() == 0.0
        assert len(feed_requests(s.recorder)) == feeds + 1
        assert await s.index.background_step() == 0.0  # the listed ticket's time checked
        clock.advance(5)
        assert await s.index.background_step() == pytest.approx(10.0)
        clock.advance(IN_USE.total_seconds())
        assert await s.index.background_step() == 15.0  # idle again
        assert len(feed_requests(s.recorder)) == feeds + 1


async def test_background_work_retries_after_atera_fails(tmp_path: Path) -> None:
    app, clock = account(60)
    sandbox_state(app).faults.fail("GET", "/tickets", 503)
    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        assert await s.index.background_step() == 60.0
        assert await s.index.background_step() == 0.0
        assert (await s.index.state()).phase == "ready"


async def test_two_processes_share_one_index_one_syncing_and_both_reading(
    tmp_path: Path,
) -> None:
    app, clock = account(120)
    path = tmp_path / "shared.sqlite3"
    async with (
        open_index(app, path, clock, owner="first") as first,
        open_index(app, path, clock, owner="second") as second,
    ):
        assert await first.index.background_step() == 0.0  # holds the lease: first sync
        # The lease is taken: it only reads, and tries again soon.
        assert await second.index.background_step() == second.index.lease_poll
        assert second.recorder.records == []
        assert (await second.index.state()).phase == "ready"
        assert await second.ids() == await first.ids() == sandbox_ids(app)
        await first.index.close()  # gives the lease up
        await second.index.background_step()
        assert second.recorder.records  # the second one took over the background work


async def test_a_long_sync_keeps_renewing_its_lease(tmp_path: Path) -> None:
    app, clock = account(300)
    path = tmp_path / "shared.sqlite3"

    async def slow_pages(request: httpx.Request, response: httpx.Response) -> None:
        clock.advance(50)  # six pages take five minutes, more than twice the lease

    async with (
        open_index(app, path, clock, owner="first", hook=slow_pages) as first,
        open_index(app, path, clock, owner="second") as second,
    ):
        await first.index.background_step()
        assert clock.now - NOW > timedelta(seconds=2 * LEASE_SECONDS)
        assert await second.index.background_step() == second.index.lease_poll  # the first's
        assert second.recorder.records == []


async def test_tools_write_every_live_read_through_to_the_index(tmp_path: Path) -> None:
    app, clock = account(60)
    target = min(sandbox_ids(app))
    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        ctx = s.tool_context(clock)
        # Before any sync, a read puts the ticket in the index at once.
        await get_ticket(ctx, target, include_comments=True)
        assert await s.ids() == {target}
        assert target not in await s.index.run(lambda st: st.comment_backlog(100))
        other = max(sandbox_ids(app))
        await update_ticket(ctx, other, priority="Critical")
        await list_comments(ctx, other)
        assert await s.ids() == {target, other}


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 30.0) -> None:
    """Wait for `check` to hold, polling; fail after `within` seconds."""
    with anyio.fail_after(within):
        # The server's background task writes only to the file: polling it is the one way.
        while not await check():  # noqa: ASYNC110
            await anyio.sleep(0.01)


async def test_the_server_builds_its_index_in_the_background_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    app = sandbox_app(tickets=120)
    path = tmp_path / "server.sqlite3"
    server = build_server(
        settings(index_path=path), transport=sandbox_transport(app), clock=Clock()
    )

    async def ready() -> bool:
        store = await anyio.to_thread.run_sync(IndexStore.open, path)
        try:
            return store.load_state().phase == "ready"
        finally:
            store.close()

    async with Client(server) as client:
        await eventually(ready)
        searched = await client.call_tool("search_tickets", {"limit": 5})
        assert searched.structured_content is not None
        assert searched.structured_content["total"] == len(sandbox_ids(app))
        assert searched.structured_content["complete"] is True
        result = await client.call_tool("get_ticket", {"ticket_id": min(sandbox_ids(app))})
        assert not result.is_error
    # Shut down: the lease was given up, so another process may sync at once.
    async with open_index(app, path, Clock(), owner="next") as s:
        assert await s.index.run(lambda st: st.try_lease("next", Clock()(), 60))
        assert await s.ids() == sandbox_ids(app)


async def test_an_index_file_that_cannot_be_created_leaves_search_to_the_bounded_scan(
    tmp_path: Path,
) -> None:
    app = sandbox_app(tickets=20)
    (tmp_path / "a-file").write_text("not a folder")
    broken = settings(index_path=tmp_path / "a-file" / "index.sqlite3")
    server = build_server(broken, transport=sandbox_transport(app))
    async with Client(server) as client:
        result = await client.call_tool("search_tickets", {"limit": 5})
        assert not result.is_error
        assert result.structured_content is not None
        assert result.structured_content["total"] == 20  # scanned: a small account, all of it


async def test_without_an_index_path_the_server_runs_without_an_index() -> None:
    app = sandbox_app(tickets=20)
    server = build_server(settings(), transport=sandbox_transport(app))
    async with Client(server) as client:
        result = await client.call_tool("get_ticket", {"ticket_id": min(sandbox_ids(app))})
        assert not result.is_error


def test_the_sandbox_index_lives_in_a_temporary_file_removed_at_exit(tmp_path: Path) -> None:
    with sandbox_index(settings(index_path=tmp_path / "ignored.sqlite3")) as changed:
        assert changed.index_path is not None
        folder = changed.index_path.parent
        assert folder.is_dir()
        assert folder != tmp_path
    assert not folder.exists()
    with sandbox_index(settings(index_enabled=True, index_path=None)) as keyless:
        assert keyless.index_path is not None  # the sandbox's random key names no file
    with sandbox_index(settings(index_enabled=False)) as off:
        assert off.index_path is None


@pytest.mark.slow
async def test_serve_sandbox_indexes_into_a_temporary_folder_it_removes_at_exit(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATERA_")}
    env["TMPDIR"] = str(tmp_path)  # where the sandbox's temporary index goes
    serve = ["-m", "atera_mcp.cli", "serve", "--sandbox", "--tickets", "60"]
    params = StdioServerParameters(command=sys.executable, args=serve, env=env)
    with anyio.fail_after(60):
        async with Client(params) as client:
            result = await client.call_tool("search_tickets", {"limit": 1})
            assert not result.is_error
            (folder,) = await anyio.to_thread.run_sync(lambda: list(tmp_path.iterdir()))
            assert folder.name.startswith("atera-mcp-sandbox-")
    with anyio.fail_after(30):
        # The server process exits on its own after the client closes its stdin.
        while await anyio.to_thread.run_sync(folder.exists):  # noqa: ASYNC110
            await anyio.sleep(0.05)


@pytest.mark.slow
def test_serve_sandbox_over_http_removes_its_temporary_index_when_terminated(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATERA_")}
    env["TMPDIR"] = str(tmp_path)
    serve = ["serve", "--sandbox", "--tickets", "20", "--transport", "http", "--port", str(port)]
    process = subprocess.Popen(
        [sys.executable, "-m", "atera_mcp.cli", *serve],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:  # bounded: the server announces itself, then serves
            if "serving MCP at" in line:
                break
        (folder,) = tmp_path.iterdir()
        assert folder.name.startswith("atera-mcp-sandbox-")
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    finally:
        process.kill()
    assert not folder.exists()
