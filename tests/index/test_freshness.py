"""What a search sees: writes through this server at once, outside changes after the refresh
interval, comment threads once read, and `as_of` (the last time the index heard from Atera)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from atera_mcp.domain.wire import AddCommentToTicketModel
from atera_mcp.sandbox import sandbox_state
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.search import search_tickets
from atera_mcp.tools.ticket_read import get_ticket
from atera_mcp.tools.tickets import update_ticket
from tests.harness import NOW
from tests.index.helpers import account, feed_requests, open_index, outside, retitle

pytestmark = pytest.mark.anyio


async def found(ctx: ToolContext, words: str) -> set[int]:
    return {t.ticket_id for t in (await search_tickets(ctx, query=words, limit=50)).tickets}


async def test_a_write_through_this_server_is_searchable_at_once(tmp_path: Path) -> None:
    app, clock = account(120)
    tickets = sandbox_state(app).store.tickets
    target = min(t.id for t in tickets.values() if t.status == "Open")
    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        await s.index.first_sync()
        ctx = s.tool_context(clock)
        assert await found(ctx, "quarantined mailbox") == set()
        feeds = len(feed_requests(s.recorder))
        await update_ticket(ctx, target, title="Quarantined mailbox on the CFO laptop")
        assert await found(ctx, "quarantined mailbox") == {target}
        assert len(feed_requests(s.recorder)) == feeds  # no delta was needed


async def test_a_change_made_in_atera_is_searchable_after_the_refresh_interval(
    tmp_path: Path,
) -> None:
    app, clock = account(120)
    target = min(sandbox_state(app).store.tickets)
    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        await s.index.first_sync()
        ctx = s.tool_context(clock)
        await retitle(app, target, "Badge reader offline in the warehouse")
        result = await search_tickets(ctx, query="badge reader")
        assert result.tickets == []  # the last delta is fresh: answered as of NOW
        assert result.as_of == NOW
        clock.advance(16)
        result = await search_tickets(ctx, query="badge reader")
        assert [t.ticket_id for t in result.tickets] == [target]
        assert result.as_of == clock.now


async def test_a_thread_read_through_get_ticket_makes_its_comments_searchable(
    tmp_path: Path,
) -> None:
    app, clock = account(120)
    tickets = sandbox_state(app).store.tickets
    closed = min(t.id for t in tickets.values() if t.status == "Closed")
    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        await s.index.first_sync()
        async with outside(app) as atera:
            for text in ("Zebra firmware rolled back to 4.2", "Customer confirmed, closing."):
                note = {"TechnicianId": 101, "IsInternal": True}
                await atera.add_comment(
                    closed,
                    AddCommentToTicketModel.model_validate(
                        {"CommentText": text, "TechnicianCommentDetails": note}
                    ),
                )
        ctx = s.tool_context(clock)
        assert await found(ctx, "zebra firmware") == set()  # not the last comment: not indexed
        await get_ticket(ctx, closed, include_comments=True)
        assert await found(ctx, "zebra firmware") == {closed}


async def test_a_write_is_answered_as_done_even_when_the_index_cannot_save_it(
    tmp_path: Path,
) -> None:
    app, clock = account(60)
    tickets = sandbox_state(app).store.tickets
    target = min(t.id for t in tickets.values() if t.status == "Open")
    path = tmp_path / "i.sqlite3"
    async with open_index(app, path, clock) as s:
        await s.index.first_sync()
        await s.index.run(lambda st: st.execute("PRAGMA busy_timeout = 0"))
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            result = await update_ticket(s.tool_context(clock), target, priority="Critical")
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert result.ticket.priority == "Critical"
        assert tickets[target].priority == "Critical"
