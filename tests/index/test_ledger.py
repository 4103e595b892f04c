"""Work-hour entries in the index: get_billable's periods read each day from Atera once, are
exact against the sandbox's own entries, and stay right as entries are logged late."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from starlette.applications import Starlette

from atera_mcp.domain.wire import CreateWorkHoursModel
from atera_mcp.index.ledger_sync import RECENT_EVERY
from atera_mcp.sandbox import sandbox_state
from atera_mcp.tools.billing import GetBillableResult, get_billable
from atera_mcp.tools.time import log_hours
from tests.contract.openapi_check import assert_contract
from tests.harness import NOW, TECHNICIANS
from tests.index.helpers import Clock, Setup, account, open_index, outside

pytestmark = pytest.mark.anyio

ZONE = ZoneInfo("America/New_York")  # the sandbox's "Eastern Standard Time"


def expected(app: Starlette, first: date, last: date) -> dict[str, dict[int | None, int]]:
    """Seconds by customer, technician and ticket (billable and not), from the sandbox's own
    entries, attributed to the local day each starts on."""
    store = sandbox_state(app).store
    sums: dict[str, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    for e in store.work_entries():
        if first <= e.start.astimezone(ZONE).date() <= last:
            seconds = int((e.end - e.start).total_seconds())
            customer = store.tickets[e.ticket_id].customer_id
            for key, ident in (("customer", customer), ("technician", e.technician_id)):
                sums[key][ident] += seconds
            sums["ticket"][e.ticket_id] += seconds
            sums["total"][None] += seconds
            sums["billable"][None] += seconds if e.billable else 0
    return sums


def check(result: GetBillableResult, want: dict[str, dict[int | None, int]]) -> None:
    t = result.totals
    assert t.billable_seconds + t.non_billable_seconds == want["total"][None]
    assert t.billable_seconds == want["billable"][None]
    for rows, key in ((result.by_customer, "customer"), (result.by_technician, "technician")):
        got = {r.id: r.billable_seconds + r.non_billable_seconds for r in rows}
        assert got == dict(want[key])
    top = {r.id: r.billable_seconds + r.non_billable_seconds for r in result.by_ticket}
    assert all(want["ticket"][i] == s for i, s in top.items())


def workhour_pages(setup: Setup) -> int:
    return sum(e.request.url.path.endswith("/workhours") for e in setup.recorder.records)


async def report(setup: Setup, clock: Clock, first: date, last: date) -> GetBillableResult:
    ctx = setup.tool_context(clock)
    return await get_billable(ctx, period_start=first, period_end=last)


async def test_a_period_reads_its_days_once_then_answers_exactly_with_no_request(
    tmp_path: Path,
) -> None:
    app, clock = account(400)
    first, last = date(2026, 10, 1), date(2026, 10, 31)
    async with open_index(app, tmp_path / "i.db", clock) as setup:
        cold = await report(setup, clock, first, last)
        check(cold, expected(app, first, last))
        assert workhour_pages(setup) >= 1
        assert_contract(setup.recorder.records)
        setup.recorder.records.clear()
        warm = await report(setup, clock, first, last)
        assert workhour_pages(setup) == 0
        assert warm.totals == cold.totals
        assert "as of" in warm.period
        # A longer period reads only the days it adds.
        setup.recorder.records.clear()
        quarter = await report(setup, clock, date(2026, 9, 1), date(2026, 11, 26))
        check(quarter, expected(app, date(2026, 9, 1), date(2026, 11, 26)))
        starts = {
            e.request.url.params["startWorkhour"]
            for e in setup.recorder.records
            if e.request.url.path.endswith("/workhours")
        }
        assert starts == {"2026-09-01T00:00:00", "2026-11-01T00:00:00"}


async def test_time_logged_through_the_server_counts_at_once(tmp_path: Path) -> None:
    app, clock = account(400)
    day = (NOW - timedelta(days=3)).astimezone(ZONE).date()
    ticket = max(t.id for t in sandbox_state(app).store.tickets.values() if t.status == "Open")
    async with open_index(app, tmp_path / "i.db", clock) as setup:
        before = await report(setup, clock, day, day)
        start = datetime(day.year, day.month, day.day, 23, 0)  # account-local, past midnight
        await log_hours(
            setup.tool_context(clock),
            ticket,
            start,
            billable=True,
            duration_minutes=90,
            allow_overlap=True,
        )
        setup.recorder.records.clear()
        after = await report(setup, clock, day, day)
        assert workhour_pages(setup) == 0
        assert after.totals.billable_seconds == before.totals.billable_seconds + 90 * 60
        check(after, expected(app, day, day))


async def test_time_logged_elsewhere_for_a_past_day_counts_after_the_recent_days_are_reread(
    tmp_path: Path,
) -> None:
    app, clock = account(400)
    day = (NOW - timedelta(days=2)).astimezone(ZONE).date()
    ticket = min(sandbox_state(app).store.tickets)
    async with open_index(app, tmp_path / "i.db", clock) as setup:
        first = await report(setup, clock, day, day)
        while await setup.index.ledger.step(in_use=False):  # the last year read: nothing due
            pass
        async with outside(app) as atera:
            body = CreateWorkHoursModel(
                start_work_hour=datetime(day.year, day.month, day.day, 15, tzinfo=ZONE),
                end_work_hour=datetime(day.year, day.month, day.day, 16, tzinfo=ZONE),
                technician_contact_id=TECHNICIANS[1].id,
                billiable=False,
                on_customer_site=True,
            )
            await atera.add_work_hours(ticket, body)
        assert (await report(setup, clock, day, day)).totals == first.totals  # as of its read
        clock.advance(RECENT_EVERY.total_seconds() + 60)
        assert await setup.index.ledger.step(in_use=True)  # the last days, read again
        assert not await setup.index.ledger.step(in_use=True)
        later = await report(setup, clock, day, day)
        assert later.totals.non_billable_seconds == first.totals.non_billable_seconds + 3600
        check(later, expected(app, day, day))
        assert later.period != first.period  # a later as_of


async def test_the_background_reads_the_last_year_newest_first_so_reports_cost_nothing(
    tmp_path: Path,
) -> None:
    app, clock = account(200)
    async with open_index(app, tmp_path / "i.db", clock) as setup:
        steps = 0
        while await setup.index.ledger.step(in_use=False):
            steps += 1
            assert steps <= 13  # 366 days, 31 a step
        setup.recorder.records.clear()
        year = await report(setup, clock, date(2025, 11, 27), date(2026, 11, 26))
        assert workhour_pages(setup) == 0
        check(year, expected(app, date(2025, 11, 27), date(2026, 11, 26)))


async def test_billable_time_logged_elsewhere_long_ago_counts_once_the_feed_lists_its_ticket(
    tmp_path: Path,
) -> None:
    app, clock = account(400)
    day = (NOW - timedelta(days=60)).astimezone(ZONE).date()  # past every re-read window
    ticket = max(t.id for t in sandbox_state(app).store.tickets.values() if t.status == "Open")
    async with open_index(app, tmp_path / "i.db", clock) as setup:
        await setup.index.first_sync()
        first = await report(setup, clock, day, day)
        while await setup.index.ledger.step(in_use=False):  # what the background does
            pass
        clock.advance(30)
        async with outside(app) as atera:
            body = CreateWorkHoursModel(
                start_work_hour=datetime(day.year, day.month, day.day, 9, tzinfo=ZONE),
                end_work_hour=datetime(day.year, day.month, day.day, 11, tzinfo=ZONE),
                technician_contact_id=TECHNICIANS[2].id,
                billiable=True,
                on_customer_site=False,
            )
            await atera.add_work_hours(ticket, body)
        clock.advance(30)
        await setup.index.engine.delta()  # the feed lists the ticket
        setup.recorder.records.clear()
        assert await setup.index.ledger.step(in_use=False)
        sent = [e.request.url.path for e in setup.recorder.records]
        assert sent[0].endswith("/tickets/billableduration")
        assert sent[1:] == [f"/api/v3/tickets/{ticket}/workhoursrecords"]
        later = await report(setup, clock, day, day)
        assert later.totals.billable_seconds == first.totals.billable_seconds + 7200
        check(later, expected(app, day, day))
