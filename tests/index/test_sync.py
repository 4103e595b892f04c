"""The sync engine against the sandbox, through the real client: first sync, resume, deltas,
the watermark, deletion and comment backfill."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import anyio
import httpx
import pytest

from atera_mcp.domain.wire import format_utc
from atera_mcp.errors import NotFoundError
from atera_mcp.index.service import LEASE_SECONDS
from atera_mcp.index.sync import FEED_ATTEMPTS, OVERLAP, percent_synced
from atera_mcp.sandbox import TICKET_ORDERS, TicketOrder, sandbox_state
from atera_mcp.tools.common import load_ticket
from tests.contract.openapi_check import assert_contract
from tests.harness import NOW
from tests.index.helpers import (
    account,
    create,
    delete,
    feed_requests,
    feed_tickets,
    open_index,
    page_of,
    pages_read,
    retitle,
    sandbox_ids,
    without_first_item,
)

pytestmark = pytest.mark.anyio
# Atera documents no order for GET /tickets: the first sync must work whichever it uses.
orders = pytest.mark.parametrize("order", TICKET_ORDERS)


@orders
async def test_a_first_sync_indexes_every_ticket_reading_each_page_once(
    tmp_path: Path, order: TicketOrder
) -> None:
    app, clock = account(260, order=order)
    async with open_index(app, tmp_path / "index.sqlite3", clock) as s:
        state = await s.index.first_sync()
        assert await s.ids() == sandbox_ids(app)
        assert sorted(pages_read(s.recorder)) == [1, 2, 3, 4, 5, 6]
        assert state.phase == "ready"
        assert state.first_watermark == state.sweep_started == NOW
        assert state.watermark == state.last_delta_at == NOW
        assert percent_synced(state) == 100.0
        # The catch-up reads of the feed (after the open statuses, after every page) ask for
        # the last comments and go back the overlap.
        feeds = feed_requests(s.recorder)
        assert len(feeds) == 2
        for feed in feeds:
            assert feed.url.params["date"] == format_utc(NOW - OVERLAP)
            assert feed.url.params["includeComments"] == "true"
        assert_contract(s.recorder.records)


async def test_an_empty_account_is_ready_after_one_page(tmp_path: Path) -> None:
    app, clock = account(0)
    async with open_index(app, tmp_path / "index.sqlite3", clock) as s:
        state = await s.index.first_sync()
        assert state.phase == "ready"
        assert await s.ids() == set()
        assert pages_read(s.recorder) == [1]


@orders
async def test_changes_made_during_the_first_sync_are_not_lost(
    tmp_path: Path, order: TicketOrder
) -> None:
    app, clock = account(300, order=order)
    oldest = min(sandbox_ids(app))
    made: list[int] = []

    async def change_after_page_2(request: httpx.Request, response: httpx.Response) -> None:
        if page_of(request) == 2 and not made:
            clock.advance(5)
            await retitle(app, oldest, "Changed while the index was being built")
            made.append(await create(app, "Created while the index was being built"))

    async with open_index(app, tmp_path / "i.sqlite3", clock, hook=change_after_page_2) as s:
        state = await s.index.engine.first_sync()
        # Atera's count grew by exactly what the feed shows was created: nothing to verify.
        assert state.last_full_sweep_at == NOW
        assert made
        assert made[0] in await s.ids()
        assert await s.ids() == sandbox_ids(app)
        changed = feed_tickets(s.recorder)[oldest]
        assert changed["TicketTitle"] == "Changed while the index was being built"


@orders
async def test_a_ticket_a_page_shift_carried_past_the_sweep_is_found_by_reading_again(
    tmp_path: Path, order: TicketOrder
) -> None:
    app, clock = account(300, order=order)
    dropped: list[int] = []

    async def shift(request: httpx.Request, response: httpx.Response) -> httpx.Response | None:
        # As if a ticket moved from page 3 to page 2 after page 2 was read: page 3 lacks it.
        if page_of(request) != 3 or dropped:
            return None
        page, moved = await without_first_item(response)
        dropped.append(moved)
        return page

    async with open_index(app, tmp_path / "i.sqlite3", clock, hook=shift) as s:
        state = await s.index.engine.first_sync()
        assert dropped[0] in await s.ids()
        assert await s.ids() == sandbox_ids(app)
        assert sorted(pages_read(s.recorder)) == sorted([*range(1, 7), *range(1, 7)])
        # The pages were read twice: the reconciling sweep verifies the result next.
        assert state.last_full_sweep_at is None


@orders
async def test_a_ticket_deleted_during_the_sweep_is_settled_by_the_verifying_sweep(
    tmp_path: Path, order: TicketOrder
) -> None:
    app, clock = account(300, order=order)
    listed_first = max(sandbox_ids(app)) if order == "newest" else min(sandbox_ids(app))
    deleted: list[int] = []

    async def delete_after_page_2(request: httpx.Request, response: httpx.Response) -> None:
        if page_of(request) == 2 and not deleted:
            await delete(app, listed_first)  # on page 1: every later ticket moves up one place
            deleted.append(listed_first)

    async with open_index(app, tmp_path / "i.sqlite3", clock, hook=delete_after_page_2) as s:
        s.index.engine.concurrency = 1  # pages in order, so the shift skips exactly one ticket
        state = await s.index.engine.first_sync()
        assert state.phase == "ready"
        assert state.last_full_sweep_at is None  # the list changed while it was read
        assert await s.index.upkeep.reconcile() == 1
        assert await s.ids() == sandbox_ids(app)
        assert listed_first not in await s.ids()


@orders
async def test_a_killed_first_sync_resumes_reading_only_the_missing_pages(
    tmp_path: Path, order: TicketOrder
) -> None:
    app, clock = account(300, order=order)
    path = tmp_path / "i.sqlite3"
    with anyio.CancelScope() as scope:

        async def kill_after_page_3(request: httpx.Request, response: httpx.Response) -> None:
            if page_of(request) == 3:
                scope.cancel()

        async with open_index(app, path, clock, hook=kill_after_page_3, close=False) as first:
            await first.index.first_sync()
    # The killed process never released its lease or closed cleanly; its file is intact.
    await first.index.run(lambda s: s.close())
    clock.advance(LEASE_SECONDS + 1)  # its lease runs out
    async with open_index(app, path, clock) as second:
        before = await second.index.state()
        assert before.phase == "sweeping"
        assert 1 <= len(before.pages_done) < 6
        assert await second.index.progress() == pytest.approx(100 * len(before.pages_done) / 6)
        state = await second.index.engine.first_sync()
        assert state.phase == "ready"
        assert sorted(pages_read(second.recorder)) == sorted({1, 2, 3, 4, 5, 6} - before.pages_done)
        assert await second.ids() == sandbox_ids(app)


async def test_a_ticket_changed_outside_the_server_is_found_by_the_next_delta(
    tmp_path: Path,
) -> None:
    app, clock = account(120)
    target = min(sandbox_ids(app))
    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        await s.index.first_sync()
        clock.advance(60)
        await retitle(app, target, "Edited in the Atera web app")
        clock.advance(20)
        state = await s.index.engine.delta()
        feed = feed_requests(s.recorder)[-1]
        assert feed.url.params["date"] == format_utc(NOW - OVERLAP)  # the watermark was NOW
        assert feed_tickets(s.recorder)[target]["TicketTitle"] == "Edited in the Atera web app"
        assert state.watermark == state.last_delta_at == NOW + timedelta(seconds=80)


async def test_a_change_stamped_exactly_at_the_watermark_is_read_by_the_next_delta(
    tmp_path: Path,
) -> None:
    app, clock = account(60)
    target = min(sandbox_ids(app))
    overlap = timedelta(0)  # no safety margin: the feed's "on or after" must do it alone
    async with open_index(app, tmp_path / "i.sqlite3", clock, overlap=overlap) as s:
        await s.index.first_sync()
        clock.advance(30.75)  # a fraction of a second too: dates are sent in whole seconds
        first = await s.index.engine.delta()
        assert first.watermark == clock.now
        assert target not in feed_tickets(s.recorder)
        await retitle(app, target, "Changed in the watermark's very instant")
        assert sandbox_state(app).store.tickets[target].modified == first.watermark
        await s.index.engine.delta()
        changed = feed_tickets(s.recorder)[target]
        assert changed["TicketTitle"] == "Changed in the watermark's very instant"


def feed_page(request: httpx.Request) -> int | None:
    if not request.url.path.endswith("/lastmodified"):
        return None
    return int(request.url.params.get("page", "1"))


@pytest.mark.parametrize("shifts", [1, 99])
async def test_a_delta_whose_pages_shifted_while_read_is_read_again_before_the_watermark_moves(
    tmp_path: Path, shifts: int
) -> None:
    app, clock = account(120)
    armed: list[int] = []

    async def shift(request: httpx.Request, response: httpx.Response) -> httpx.Response | None:
        # Page 2 of the feed misses a ticket, as if it had moved to page 1 after that was read.
        if feed_page(request) != 2 or not armed or armed[0] <= 0:
            return None
        armed[0] -= 1
        page, _ = await without_first_item(response)
        return page

    everything = timedelta(days=365)  # every seeded ticket is in the feed: three pages
    async with open_index(app, tmp_path / "i.sqlite3", clock, hook=shift, overlap=everything) as s:
        before = await s.index.first_sync()
        reads = len(feed_requests(s.recorder))
        armed.append(shifts)
        clock.advance(30)
        after = await s.index.engine.delta()
        if shifts == 1:  # read again at once, complete the second time
            assert len(feed_requests(s.recorder)) - reads == 2 * 3
            assert after.watermark == clock.now
        else:  # never complete: the next delta reads from the same watermark again
            assert len(feed_requests(s.recorder)) - reads == FEED_ATTEMPTS * 3
            assert after.watermark == before.watermark
            assert after.last_delta_at == before.last_delta_at


async def test_a_404_when_reading_a_ticket_removes_it_from_the_index(tmp_path: Path) -> None:
    app, clock = account(60)
    gone = min(sandbox_ids(app))
    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        await s.index.first_sync()
        await delete(app, gone)
        with pytest.raises(NotFoundError, match=f"Ticket {gone} was not found"):
            await load_ticket(s.tool_context(clock), gone)
        assert gone not in await s.ids()
        assert await s.ids() == sandbox_ids(app)


async def test_the_daily_sweep_removes_tickets_deleted_in_atera_after_a_404(
    tmp_path: Path,
) -> None:
    app, clock = account(160)
    gone = sorted(sandbox_ids(app))[10:12]
    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        state = await s.index.first_sync()
        assert not s.index.upkeep.sweep_due(state)
        for ticket_id in gone:
            await delete(app, ticket_id)
        clock.advance(24 * 3600)
        assert s.index.upkeep.sweep_due(await s.index.state())
        assert await s.index.upkeep.reconcile() == 2
        assert await s.ids() == sandbox_ids(app)
        # Each was confirmed with GET /tickets/{id} before it was deleted.
        confirmed = [e.request.url.path.rsplit("/", 1)[-1] for e in s.recorder.records]
        assert all(str(ticket_id) in confirmed for ticket_id in gone)
        assert not s.index.upkeep.sweep_due(await s.index.state())


async def test_comments_of_unresolved_tickets_are_backfilled_newest_first(
    tmp_path: Path,
) -> None:
    app, clock = account(300)
    tickets = sandbox_state(app).store.tickets
    # Open, Pending and custom statuses such as "Waiting on vendor": not Resolved or Closed.
    waiting = {t.id for t in tickets.values() if t.status not in ("Resolved", "Closed")}
    assert len(waiting) > 10
    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        await s.index.first_sync()
        read: list[int] = []
        while batch := await s.index.upkeep.backfill_comments(batch=5):
            assert batch <= 5
            read = [
                int(e.request.url.path.split("/")[-2])
                for e in s.recorder.records
                if e.request.url.path.endswith("/comments")
            ]
        assert set(read) == waiting
        assert len(read) == len(waiting)  # each thread once
        created = [tickets[i].created for i in read]
        assert created == sorted(created, reverse=True)


async def test_a_thread_atera_keeps_failing_on_does_not_hold_up_the_others(
    tmp_path: Path,
) -> None:
    app, clock = account(300)
    tickets = sandbox_state(app).store.tickets
    waiting = {t.id for t in tickets.values() if t.status not in ("Resolved", "Closed")}
    newest = max(waiting, key=lambda i: (tickets[i].created, i))
    sandbox_state(app).faults.fail("GET", f"/tickets/{newest}/comments", 500, times=100)
    async with open_index(app, tmp_path / "i.sqlite3", clock) as s:
        await s.index.first_sync()
        while await s.index.upkeep.backfill_comments(batch=5):
            pass
        assert await s.index.run(lambda st: st.comment_backlog(100)) == [newest]
        sandbox_state(app).faults.reset()
        clock.advance(3600)  # an hour later it is tried again
        assert await s.index.upkeep.backfill_comments(batch=5) == 1
        assert await s.index.run(lambda st: st.comment_backlog(100)) == []
