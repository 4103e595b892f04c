"""get_billable for tickets and for billing periods, checked against independent sums.

The sandbox account is on "Eastern Standard Time" (America/New_York, UTC-5 in November).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from atera_mcp.errors import RuleError
from atera_mcp.sandbox import TicketOrder, sandbox_state, sandbox_transport
from atera_mcp.sandbox.records import Ticket
from atera_mcp.tools import billing
from atera_mcp.tools.billing import GetBillableResult, TimeBucket, get_billable
from atera_mcp.tools.time import log_hours
from tests.contract.openapi_check import assert_contract
from tests.harness import API_KEY, BASE_URL, Rig, rig, sandbox_app

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["newest", "oldest"])
def app(request: pytest.FixtureRequest) -> Starlette:
    """The sandbox under both orders of GET /tickets: Atera documents none, so none is relied on."""
    order: TicketOrder = request.param
    return sandbox_app(order=order)


START, END = date(2026, 11, 1), date(2026, 11, 25)
NOVEMBER: dict[str, Any] = {"period_start": START, "period_end": END}


async def november(
    r: Rig, *, customer_id: int | None = None, technician_id: int | None = None
) -> GetBillableResult:
    return await get_billable(
        r.ctx, period_start=START, period_end=END, customer_id=customer_id,
        technician_id=technician_id,
    )  # fmt: skip


def tickets(r: Rig) -> list[Ticket]:
    return sorted(sandbox_state(r.app).store.tickets.values(), key=lambda t: t.id)


async def raw_work_hours(r: Rig, start: str, end: str) -> list[dict[str, Any]]:
    """Every /workhours record between two local times, read page by page without the client."""
    items: list[dict[str, Any]] = []
    async with httpx.AsyncClient(
        transport=sandbox_transport(r.app), base_url=BASE_URL, headers={"X-API-KEY": API_KEY}
    ) as http:
        page = 1
        while True:
            answer = await http.get(
                f"{BASE_URL}/workhours",
                params={"startWorkhour": start, "endWorkhour": end, "page": page,
                        "itemsInPage": 50},
            )  # fmt: skip
            answer.raise_for_status()
            body = answer.json()
            items += body["items"]
            if page >= body["totalPages"]:
                return items
            page += 1


def seconds(record: dict[str, Any]) -> int:
    start = datetime.fromisoformat(record["StartWorkHour"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(record["EndWorkHour"].replace("Z", "+00:00"))
    return int((end - start).total_seconds())


def sums(records: list[dict[str, Any]], key: str) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for rec in records:
        s = seconds(rec)
        row = out[rec[key]]
        row["billable" if rec["Billiable"] else "non_billable"] += s
        row["on_site" if rec["OnCustomerSite"] else "off_site"] += s
    return out


def as_sums(bucket: TimeBucket) -> dict[str, int]:
    return {
        k: v
        for k, v in {
            "billable": bucket.billable_seconds,
            "non_billable": bucket.non_billable_seconds,
            "on_site": bucket.on_site_seconds,
            "off_site": bucket.off_site_seconds,
        }.items()
        if v
    }


async def test_period_report_matches_an_independent_sum_over_workhours(app: Starlette) -> None:
    async with rig(app) as r:
        report = await november(r)
        # Seeded work happens in business hours, so no entry crosses the period's edges.
        records = await raw_work_hours(r, "2026-11-01T00:00:00", "2026-11-25T23:59:59")
        assert records

        total = sums(records, "TicketID")
        assert report.totals.billable_seconds == sum(v["billable"] for v in total.values())
        assert report.totals.non_billable_seconds == sum(v["non_billable"] for v in total.values())
        assert report.totals.on_site_seconds == sum(v["on_site"] for v in total.values())
        assert report.totals.billable_hours == round(report.totals.billable_seconds / 3600, 2)
        for breakdown, key in (
            (report.by_ticket, "TicketID"),
            (report.by_customer, "CustomerID"),
            (report.by_technician, "TechnicianContactID"),
        ):
            expected = {k: {n: s for n, s in v.items() if s} for k, v in sums(records, key).items()}
            assert {b.id: as_sums(b) for b in breakdown} == expected
        assert report.complete
        assert report.period == "2026-11-01 to 2026-11-25 (America/New_York)"
        assert_contract(r.recorder.records)


async def test_period_rows_are_named_and_ordered_by_time_then_id(app: Starlette) -> None:
    async with rig(app) as r:
        report = await november(r)
        store = sandbox_state(r.app).store
        for row in report.by_customer:
            assert row.id is not None
            assert row.name == store.customers[row.id].name
        for row in report.by_ticket:
            assert row.id is not None
            assert row.name == store.customers[store.tickets[row.id].customer_id].name
        technicians = {t.id: t.full_name for t in store.technicians.values()}
        assert {row.id: row.name for row in report.by_technician} == {
            row.id: technicians[row.id or 0] for row in report.by_technician
        }
        for rows in (report.by_customer, report.by_technician, report.by_ticket):
            keys = [(-(b.billable_seconds + b.non_billable_seconds), b.id) for b in rows]
            assert keys == sorted(keys)
        again = await november(r)
        assert again == report


async def test_filters_keep_one_customer_or_one_technician(app: Starlette) -> None:
    async with rig(app) as r:
        report = await november(r)
        acme = next(b for b in report.by_customer if b.name == "Acme Corporation")
        only_acme = await november(r, customer_id=acme.id)
        assert as_sums(only_acme.totals) == as_sums(acme)
        assert [b.id for b in only_acme.by_customer] == [acme.id]
        assert {b.name for b in only_acme.by_ticket} == {"Acme Corporation"}

        grace = next(b for b in report.by_technician if b.name == "Grace Kim")
        only_grace = await november(r, technician_id=grace.id)
        assert as_sums(only_grace.totals) == as_sums(grace)
        assert [b.id for b in only_grace.by_technician] == [grace.id]
        assert_contract(r.recorder.records)


async def test_period_days_are_whole_local_days_at_both_edges(app: Starlette) -> None:
    async with rig(app) as r:
        ticket = next(t for t in tickets(r) if t.status == "Open" and not t.work)
        first, last = date(2026, 11, 20), date(2026, 11, 24)
        before = await get_billable(r.ctx, period_start=first, period_end=last)
        for start, minutes in (
            # Inside: 23:30 local on the last day, running past midnight (it starts on the 24th).
            (datetime(2026, 11, 24, 23, 30), 45),
            # Inside: 00:10 local on the first day is still the 20th (05:10 UTC).
            (datetime(2026, 11, 20, 0, 10), 10),
            # Outside: 00:30 local the day after is 05:30 UTC on the 25th.
            (datetime(2026, 11, 25, 0, 30), 20),
            # Outside: 23:50 local the day before is already the 20th in UTC (04:50).
            (datetime(2026, 11, 19, 23, 50), 5),
        ):
            await log_hours(r.ctx, ticket.id, start, billable=True, duration_minutes=minutes)
        after = await get_billable(r.ctx, period_start=first, period_end=last)
        assert after.totals.billable_seconds == before.totals.billable_seconds + 55 * 60
        [row] = [b for b in after.by_ticket if b.id == ticket.id]
        assert row.billable_seconds == 55 * 60
        assert_contract(r.recorder.records)


async def test_ticket_mode_reads_billable_in_bulk_and_names_unknown_tickets(app: Starlette) -> None:
    async with rig(app) as r:
        worked = [t for t in tickets(r) if t.work][:3]
        ids = [t.id for t in worked]
        report = await get_billable(r.ctx, ticket_ids=[*ids, 99999, ids[0]])
        assert report.missing_ticket_ids == [99999]
        assert [b.id for b in report.by_ticket] == ids
        for ticket, row in zip(worked, report.by_ticket, strict=True):
            billable = sum(
                int((e.end - e.start).total_seconds()) for e in ticket.work if e.billable
            )
            non_billable = sum(
                int((e.end - e.start).total_seconds()) for e in ticket.work if not e.billable
            )
            on_site = sum(int((e.end - e.start).total_seconds()) for e in ticket.work if e.on_site)
            assert (row.billable_seconds, row.non_billable_seconds, row.on_site_seconds) == (
                billable,
                non_billable,
                on_site,
            )
        assert report.totals.billable_seconds == sum(b.billable_seconds for b in report.by_ticket)
        bulk = [x for x in r.recorder.records if x.request.url.path.endswith("/billableduration")]
        assert [x.request.method for x in bulk] == ["POST"]
        assert "not found: 99999" in report.summary()
        assert_contract(r.recorder.records)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "Give ticket_ids"),
        ({"period_start": date(2026, 11, 1)}, "both period_start and period_end"),
        ({"ticket_ids": [10001], **NOVEMBER}, "either ticket_ids or period"),
        ({"ticket_ids": [10001], "customer_id": 1}, "filter a billing period"),
        (
            {"period_start": date(2026, 11, 30), "period_end": date(2026, 11, 1)},
            "is before period_start",
        ),
        (
            {"period_start": date(2025, 11, 29), "period_end": date(2026, 11, 30)},
            "367 days; at most 366",
        ),
    ],
)
async def test_unclear_requests_are_refused_without_calling_atera(
    params: dict[str, Any], message: str, app: Starlette
) -> None:
    async with rig(app) as r:
        with pytest.raises(RuleError, match=message):
            await get_billable(r.ctx, **params)
        assert r.recorder.records == []


async def test_a_period_of_366_days_is_allowed(app: Starlette) -> None:
    async with rig(app) as r:
        result = await get_billable(
            r.ctx, period_start=date(2025, 11, 30), period_end=date(2026, 11, 30)
        )
        assert isinstance(result, GetBillableResult)
        assert result.totals.billable_seconds > 0


async def test_an_unknown_customer_is_refused_before_reading_the_period(app: Starlette) -> None:
    async with rig(app) as r:
        with pytest.raises(RuleError, match="Customer 9999 was not found"):
            await november(r, customer_id=9999)
        assert not any(x.request.url.path.endswith("/workhours") for x in r.recorder.records)


async def test_a_walk_stopped_short_is_reported_incomplete(
    monkeypatch: pytest.MonkeyPatch, app: Starlette
) -> None:
    monkeypatch.setattr(billing, "MAX_RECORDS", 10)
    async with rig(app) as r:
        report = await november(r)
        assert not report.complete
        assert "incomplete" in report.summary()


async def test_period_summary_is_one_short_line(app: Starlette) -> None:
    async with rig(app) as r:
        report = await november(r)
        text = report.summary()
        assert text.startswith("2026-11-01 to 2026-11-25 (America/New_York): ")
        assert "\n" not in text
        assert len(text) < 200
