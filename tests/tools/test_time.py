"""log_hours and get_work_hours against the seeded sandbox, through the real client.

The sandbox account is on "Eastern Standard Time" (America/New_York, UTC-5 in November) and the
harness pins now at 2026-11-26 15:00 UTC, which is 10:00 local.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from atera_mcp.errors import NotFoundError, RuleError
from atera_mcp.sandbox import sandbox_state
from atera_mcp.sandbox.records import Ticket
from atera_mcp.tools.time import get_work_hours, log_hours
from tests.contract.openapi_check import Exchange, assert_contract
from tests.harness import NOW, Rig, rig

pytestmark = pytest.mark.anyio

EST = timezone(timedelta(hours=-5))


def tickets(r: Rig) -> list[Ticket]:
    return sorted(sandbox_state(r.app).store.tickets.values(), key=lambda t: t.id)


def idle_open_ticket(r: Rig) -> Ticket:
    """An Open ticket nobody has logged time on yet."""
    return next(t for t in tickets(r) if t.status == "Open" and not t.work)


def worked_open_ticket(r: Rig) -> Ticket:
    return next(t for t in tickets(r) if t.status in ("Open", "Pending") and t.work)


def posts(r: Rig) -> list[Exchange]:
    return [x for x in r.recorder.records if x.request.method == "POST"]


async def test_logged_hours_are_sent_as_utc_with_billiable_and_read_back_with_new_totals() -> None:
    async with rig() as r:
        ticket = idle_open_ticket(r)
        result = await log_hours(
            r.ctx,
            ticket.id,
            datetime(2026, 11, 25, 9, 0),  # no offset: account local time
            billable=True,
            duration_minutes=90,
            description="Rebuilt the mail profile",
        )
        [post] = posts(r)
        assert json.loads(post.request.content) == {
            "StartWorkHour": "2026-11-25T14:00:00Z",
            "EndWorkHour": "2026-11-25T15:30:00Z",
            "TechnicianContactID": 101,
            "Billiable": True,
            "OnCustomerSite": False,
            "Description": "Rebuilt the mail profile",
        }
        entry = result.entry
        assert entry.id is not None
        assert (entry.start, entry.end) == (
            datetime(2026, 11, 25, 14, tzinfo=UTC),
            datetime(2026, 11, 25, 15, 30, tzinfo=UTC),
        )
        assert (entry.minutes, entry.billable, entry.on_site) == (90, True, False)
        assert entry.technician == "Maya Patel"
        assert result.totals is not None
        assert result.totals.billable_seconds == 5400
        assert result.totals.non_billable_seconds == 0
        assert result.summary() == (
            f"Logged 1.5 h billable on #{ticket.id} for Maya Patel "
            "(total now 1.5 h billable, 0 h non-billable)"
        )
        assert_contract(r.recorder.records)


async def test_totals_add_up_with_the_entries_already_on_the_ticket() -> None:
    async with rig() as r:
        ticket = worked_open_ticket(r)
        before = await get_work_hours(r.ctx, ticket.id)
        result = await log_hours(
            r.ctx,
            ticket.id,
            datetime(2026, 11, 26, 9, 0, tzinfo=EST),
            end=datetime(2026, 11, 26, 9, 45, tzinfo=EST),
            billable=False,
            on_site=True,
            technician_email="ethan.walker@brightpath-it.com",
            allow_overlap=True,
        )
        assert result.entry.technician == "Ethan Walker"
        t0, t1 = before.totals, result.totals
        assert t1 is not None
        assert t1.non_billable_seconds == t0.non_billable_seconds + 45 * 60
        assert t1.billable_seconds == t0.billable_seconds
        assert t1.on_site_seconds == t0.on_site_seconds + 45 * 60
        after = await get_work_hours(r.ctx, ticket.id)
        assert after.entry_count == before.entry_count + 1
        assert result.entry in after.entries
        assert_contract(r.recorder.records)


async def test_an_offset_is_kept_and_naive_times_are_account_local() -> None:
    async with rig() as r:
        ticket = idle_open_ticket(r)
        await log_hours(
            r.ctx, ticket.id, datetime(2026, 11, 24, 8, 0), billable=True, duration_minutes=30
        )
        # The same instant written with its offset overlaps the entry just logged.
        with pytest.raises(RuleError, match=r"already has entry \d+ .* 2026-11-24 08:00 to"):
            await log_hours(
                r.ctx,
                ticket.id,
                datetime(2026, 11, 24, 13, 15, tzinfo=UTC),
                billable=True,
                duration_minutes=30,
            )
        assert len(posts(r)) == 1


@pytest.mark.parametrize(
    ("start", "end", "minutes", "message"),
    [
        (datetime(2026, 11, 25, 10), datetime(2026, 11, 25, 9), None, "before or when it starts"),
        (datetime(2026, 11, 25, 10), datetime(2026, 11, 25, 10), None, "before or when it starts"),
        (datetime(2026, 11, 20, 8), datetime(2026, 11, 21, 8, 1), None, "at most 24 hours"),
        (NOW + timedelta(minutes=6), None, 30, "starts in the future"),
        # Started a minute ago, but 600 minutes would end 10 hours from now.
        (NOW - timedelta(minutes=1), None, 600, "ends in the future"),
        (NOW - timedelta(hours=1), NOW + timedelta(minutes=6), None, "ends in the future"),
        # 10:30 local is 15:30 UTC, after now (15:00 UTC) although 10:30 UTC would not be.
        (datetime(2026, 11, 26, 10, 30), None, 15, "starts in the future"),
        (datetime(2026, 11, 25, 10), datetime(2026, 11, 25, 11), 60, "exactly one"),
        (datetime(2026, 11, 25, 10), None, None, "exactly one"),
    ],
)
async def test_bad_times_are_refused_before_anything_is_written(
    start: datetime, end: datetime | None, minutes: int | None, message: str
) -> None:
    async with rig() as r:
        ticket = idle_open_ticket(r)
        with pytest.raises(RuleError, match=message):
            await log_hours(
                r.ctx, ticket.id, start, billable=True, end=end, duration_minutes=minutes
            )
        assert posts(r) == []


async def test_an_entry_ending_within_the_grace_minutes_is_logged() -> None:
    # Clocks differ a little: "until now" on the technician's clock may be a bit ahead.
    async with rig() as r:
        ticket = idle_open_ticket(r)
        result = await log_hours(
            r.ctx, ticket.id, NOW - timedelta(minutes=30), billable=True, duration_minutes=34
        )
        assert result.entry.end == NOW + timedelta(minutes=4)


async def test_the_future_refusal_says_how_far_ahead_is_allowed() -> None:
    async with rig() as r:
        ticket = idle_open_ticket(r)
        with pytest.raises(RuleError) as refused:
            await log_hours(r.ctx, ticket.id, NOW, billable=True, duration_minutes=60)
        assert "at most 5 minutes after now (2026-11-26 10:05)" in str(refused.value)
        assert posts(r) == []


async def test_time_on_a_closed_ticket_is_refused() -> None:
    async with rig() as r:
        ticket = next(t for t in tickets(r) if t.status == "Closed")
        with pytest.raises(RuleError, match=f"Ticket {ticket.id} is Closed"):
            await log_hours(
                r.ctx, ticket.id, datetime(2026, 11, 25, 9), billable=True, duration_minutes=30
            )
        assert posts(r) == []


async def test_overlap_with_the_same_technician_is_refused_unless_allowed() -> None:
    async with rig() as r:
        ticket = worked_open_ticket(r)
        seeded = ticket.work[0]
        start = seeded.start + timedelta(minutes=5)
        with pytest.raises(RuleError, match=f"already has entry {seeded.id} on ticket"):
            await log_hours(
                r.ctx,
                ticket.id,
                start,
                billable=True,
                duration_minutes=20,
                technician_id=seeded.technician_id,
            )
        assert posts(r) == []

        forced = await log_hours(
            r.ctx,
            ticket.id,
            start,
            billable=True,
            duration_minutes=20,
            technician_id=seeded.technician_id,
            allow_overlap=True,
        )
        assert forced.entry.id is not None
        assert len(posts(r)) == 1


async def test_another_technician_may_work_the_same_hours() -> None:
    async with rig() as r:
        ticket = worked_open_ticket(r)
        seeded = ticket.work[0]
        other = 101 if seeded.technician_id != 101 else 102
        result = await log_hours(
            r.ctx,
            ticket.id,
            seeded.start,
            end=seeded.end,
            billable=True,
            technician_id=other,
        )
        assert result.entry.technician_id == other
        assert_contract(r.recorder.records)


async def test_entries_touching_end_to_start_do_not_overlap() -> None:
    async with rig() as r:
        ticket = idle_open_ticket(r)
        await log_hours(
            r.ctx, ticket.id, datetime(2026, 11, 23, 9), billable=True, duration_minutes=60
        )
        await log_hours(
            r.ctx, ticket.id, datetime(2026, 11, 23, 10), billable=False, duration_minutes=60
        )
        assert len(posts(r)) == 2


async def test_a_dropped_answer_is_settled_by_finding_the_entry_and_not_replayed() -> None:
    async with rig() as r:
        ticket = idle_open_ticket(r)
        sandbox_state(r.app).faults.drop_after_commit("POST", f"/tickets/{ticket.id}/workhours")
        result = await log_hours(
            r.ctx, ticket.id, datetime(2026, 11, 25, 9), billable=True, duration_minutes=30
        )
        assert len(ticket.work) == 1  # committed once, never sent twice
        assert result.entry.id == ticket.work[0].id
        assert "found in Atera" in result.note
        assert result.audit()["outcome"] == "settled after a dropped connection"


async def test_work_hours_list_entries_oldest_first_and_match_the_totals() -> None:
    async with rig() as r:
        ticket = max(tickets(r), key=lambda t: len(t.work))
        result = await get_work_hours(r.ctx, ticket.id)
        assert result.entry_count == len(ticket.work) == len(result.entries)
        starts = [e.start for e in result.entries]
        assert starts == sorted(starts)
        billable = sum(e.minutes * 60 for e in result.entries if e.billable)
        non_billable = sum(e.minutes * 60 for e in result.entries if not e.billable)
        on_site = sum(e.minutes * 60 for e in result.entries if e.on_site)
        assert result.totals.billable_seconds == billable
        assert result.totals.non_billable_seconds == non_billable
        assert result.totals.on_site_seconds == on_site
        assert result.totals.billable_hours == round(billable / 3600, 4)
        names = {e.technician for e in result.entries}
        assert names <= {"Maya Patel", "Daniel Okafor", "Sofia Martinez", "Liam O'Brien",
                         "Grace Kim", "Ethan Walker"}  # fmt: skip
        assert result.summary().startswith(f"#{ticket.id}: {len(ticket.work)} time entries.")
        assert_contract(r.recorder.records)


async def test_work_hours_of_an_unknown_ticket_are_not_found() -> None:
    async with rig() as r:
        with pytest.raises(NotFoundError, match="Ticket 99999 was not found"):
            await get_work_hours(r.ctx, 99999)
