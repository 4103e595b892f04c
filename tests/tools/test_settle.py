"""Writes settle themselves, proven against the sandbox's own data.

Each path: the answer dropped after the write committed (found: success, "settled", one copy),
a gateway error before it committed (sent once more: one copy), a failure reading back a write
that landed (success reporting the write), an unreadable 2xx answer, and the limits (never a
third send; an honest error when even the check fails).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import anyio
import pytest

from atera_mcp.client import AteraClient
from atera_mcp.errors import AmbiguousWriteError, AteraRefusedError, RuleError, UpstreamError
from atera_mcp.sandbox import sandbox_state
from atera_mcp.sandbox.faults import Faults
from atera_mcp.sandbox.records import Comment, Ticket
from atera_mcp.tools.comments import MAX_COMMENTS, add_comment
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.tickets import (
    CreateTicketResult,
    create_ticket,
    link_tickets,
    update_ticket,
)
from atera_mcp.tools.time import log_hours
from tests.fault_seam import FaultSeam
from tests.harness import (
    API_KEY,
    BASE_URL,
    NOW,
    Rig,
    recording_transport,
    rig,
    sandbox_app,
    settings,
)

pytestmark = pytest.mark.anyio

Arm = Callable[[FaultSeam, Faults], None]
# The client retries a read that met a 500 (4 attempts in all): enough 500s to fail a whole
# read-back, and enough to fail every check settling makes (3 reads of 4 attempts each).
READ_FAILS = 8
CHECK_FAILS = 24


async def no_sleep(seconds: float) -> None:
    return None


@asynccontextmanager
async def rig_through(arm: Arm | None = None) -> AsyncIterator[Rig]:
    """The harness rig with a fault seam between the client and the recorded sandbox."""
    app = sandbox_app(clock=lambda: NOW)  # Atera's clock agrees with ours
    recorder = recording_transport(app)
    seam = FaultSeam(recorder)
    if arm is not None:
        arm(seam, sandbox_state(app).faults)
    async with AteraClient(
        api_key=API_KEY, base_url=BASE_URL, rpm=0, transport=seam, sleep=no_sleep
    ) as atera:
        yield Rig(
            app=app, recorder=recorder, ctx=ToolContext.create(atera, settings(), lambda: NOW)
        )


def faults(r: Rig) -> Faults:
    return sandbox_state(r.app).faults


def open_ticket(r: Rig, *, with_work: bool = False) -> Ticket:
    tickets = sorted(sandbox_state(r.app).store.tickets.values(), key=lambda t: t.id)
    return next(
        t
        for t in tickets
        if t.status == "Open"
        and bool(t.work) == with_work
        and t.parent_id is None
        and not t.child_ids
    )


def comments_saying(ticket: Ticket, text: str) -> int:
    return sum(1 for c in ticket.comments if c.text == text)


def contact_id(r: Rig) -> int:
    return min(sandbox_state(r.app).store.contacts)


def post_count(r: Rig, path_end: str) -> int:
    return sum(
        1
        for x in r.recorder.records
        if x.request.method == "POST" and x.request.url.path.endswith(path_end)
    )


# -- add_comment ----------------------------------------------------------------------------


async def test_a_comment_whose_answer_was_dropped_after_commit_is_found_and_not_sent_again() -> (
    None
):
    async with rig_through() as r:
        ticket = open_ticket(r)
        faults(r).drop_after_commit("POST", f"/tickets/{ticket.id}/comments")
        result = await add_comment(r.ctx, ticket.id, "Replaced the toner.", internal=True)
        assert comments_saying(ticket, "Replaced the toner.") == 1
        assert result.read_back
        assert "found in Atera" in result.note
        assert "not sent again" in result.summary()
        assert result.audit() == {
            "ticket_id": ticket.id,
            "technician_id": 101,
            "outcome": "settled after a dropped connection",
        }


async def test_settling_a_comment_does_not_need_ateras_clock_to_agree_with_ours() -> None:
    async with rig() as r:  # the sandbox stamps real time; the tools' clock is pinned days ago
        ticket = open_ticket(r)
        faults(r).drop_after_commit("POST", f"/tickets/{ticket.id}/comments")
        result = await add_comment(r.ctx, ticket.id, "Clock-free.", internal=True)
        assert comments_saying(ticket, "Clock-free.") == 1
        assert result.audit()["outcome"] == "settled after a dropped connection"


async def test_a_comment_refused_by_a_gateway_before_commit_is_sent_exactly_once_more() -> None:
    async with rig_through() as r:
        ticket = open_ticket(r)
        faults(r).fail("POST", f"/tickets/{ticket.id}/comments", 502)
        result = await add_comment(r.ctx, ticket.id, "Called the customer.", internal=False)
        assert comments_saying(ticket, "Called the customer.") == 1
        assert post_count(r, "/comments") == 2  # the one answered 502, and the one sent again
        assert result.audit()["outcome"] == "sent again after HTTP 502"
        assert "sent once more" in result.note


async def test_a_comment_is_never_sent_a_third_time_and_the_error_says_nothing_was_written() -> (
    None
):
    async with rig_through() as r:
        ticket = open_ticket(r)
        faults(r).fail("POST", f"/tickets/{ticket.id}/comments", 503, times=2)
        with pytest.raises(UpstreamError, match="checking found nothing written") as caught:
            await add_comment(r.ctx, ticket.id, "Third time lucky?", internal=True)
        assert not isinstance(caught.value, AmbiguousWriteError)
        assert comments_saying(ticket, "Third time lucky?") == 0
        assert post_count(r, "/comments") == 2


async def test_a_500_reading_back_a_comment_that_landed_still_reports_success() -> None:
    def then_fail_reads(seam: FaultSeam, f: Faults) -> None:
        seam.after(
            "POST", "/comments", then=lambda: f.fail("GET", "/tickets", 500, times=READ_FAILS)
        )

    async with rig_through(then_fail_reads) as r:
        ticket = open_ticket(r)
        result = await add_comment(r.ctx, ticket.id, "Rebooted the switch.", internal=True)
        assert comments_saying(ticket, "Rebooted the switch.") == 1
        assert not result.read_back
        assert result.comment.text == "Rebooted the switch."
        assert result.note == (
            "It was written, but reading the comments back failed (HTTP 500), so it is shown "
            "as sent."
        )
        assert result.audit() == {
            "ticket_id": ticket.id,
            "technician_id": 101,
            "outcome": "ok",
            "read_back": "failed",
        }


async def test_when_even_the_check_fails_the_answer_says_the_outcome_is_unknown() -> None:
    def then_fail_reads(seam: FaultSeam, f: Faults) -> None:
        seam.after(
            "POST", "/comments", then=lambda: f.fail("GET", "/tickets", 500, times=CHECK_FAILS)
        )

    async with rig_through(then_fail_reads) as r:
        ticket = open_ticket(r)
        faults(r).drop_after_commit("POST", f"/tickets/{ticket.id}/comments")
        with pytest.raises(AmbiguousWriteError, match="checking for it failed too"):
            await add_comment(r.ctx, ticket.id, "Unknowable.", internal=True)
        assert comments_saying(ticket, "Unknowable.") == 1  # landed, and never sent twice


# -- log_hours ------------------------------------------------------------------------------


async def test_time_refused_by_a_gateway_before_commit_is_logged_exactly_once() -> None:
    async with rig_through() as r:
        ticket = open_ticket(r)
        faults(r).fail("POST", f"/tickets/{ticket.id}/workhours", 504)
        result = await log_hours(
            r.ctx, ticket.id, datetime(2026, 11, 25, 9), billable=True, duration_minutes=45
        )
        assert len(ticket.work) == 1
        assert result.entry.id == ticket.work[0].id
        assert result.audit()["outcome"] == "sent again after HTTP 504"


async def test_time_logged_but_not_read_back_reports_the_entry_as_sent_without_totals() -> None:
    def then_fail_reads(seam: FaultSeam, f: Faults) -> None:
        seam.after(
            "POST", "/workhours", then=lambda: f.fail("GET", "/tickets", 500, times=READ_FAILS)
        )

    async with rig_through(then_fail_reads) as r:
        ticket = open_ticket(r)
        result = await log_hours(
            r.ctx, ticket.id, datetime(2026, 11, 25, 9), billable=False, duration_minutes=30
        )
        assert len(ticket.work) == 1
        assert result.totals is None
        assert (result.entry.minutes, result.entry.billable) == (30, False)
        assert result.audit()["read_back"] == "failed"
        assert "reading the entries and totals back failed" in result.summary()


# -- create_ticket --------------------------------------------------------------------------


def tickets_titled(r: Rig, title: str) -> list[Ticket]:
    return [t for t in sandbox_state(r.app).store.tickets.values() if t.title == title]


async def test_a_ticket_whose_answer_was_dropped_is_found_in_the_lastmodified_feed() -> None:
    async with rig_through() as r:
        faults(r).drop_after_commit("POST", "/tickets")
        result = await create_ticket(
            r.ctx, "Scanner offline", "It stopped.", end_user_id=contact_id(r)
        )
        [ticket] = tickets_titled(r, "Scanner offline")
        assert result.ticket.ticket_id == ticket.id
        assert result.audit() == {
            "ticket_id": ticket.id,
            "end_user_id": contact_id(r),
            "contact_created": False,
            "outcome": "settled after a dropped connection",
        }
        feeds = [x for x in r.recorder.records if x.request.url.path.endswith("/lastmodified")]
        assert feeds, "the ticket was looked for in the lastmodified feed"


async def test_an_empty_500_after_a_ticket_committed_is_settled_not_an_error() -> None:
    async with rig_through() as r:
        faults(r).fail_after_commit("POST", "/tickets", 500, empty=True)
        result = await create_ticket(r.ctx, "Teams crashes", "On start.", end_user_id=contact_id(r))
        [ticket] = tickets_titled(r, "Teams crashes")
        assert result.ticket.ticket_id == ticket.id
        assert result.audit()["outcome"] == "settled after HTTP 500"


async def test_an_unreadable_2xx_after_a_committed_ticket_is_settled_not_an_error() -> None:
    def garble(seam: FaultSeam, f: Faults) -> None:
        seam.after("POST", "/api/v3/tickets", garble=True)

    async with rig_through(garble) as r:
        result = await create_ticket(
            r.ctx, "Monitor flickers", "Since Monday.", end_user_id=contact_id(r)
        )
        [ticket] = tickets_titled(r, "Monitor flickers")
        assert result.ticket.ticket_id == ticket.id
        assert result.audit()["outcome"] == "settled after an unreadable answer"


async def test_a_2xx_without_an_id_for_a_ticket_not_written_is_sent_once_more() -> None:
    async with rig_through() as r:
        # The sandbox answers 200 with a ProblemDetails body and writes nothing.
        faults(r).fail("POST", "/tickets", 200)
        result = await create_ticket(r.ctx, "Laptop fan noise", "Loud.", end_user_id=contact_id(r))
        [ticket] = tickets_titled(r, "Laptop fan noise")
        assert result.ticket.ticket_id == ticket.id
        assert result.audit()["outcome"] == "sent again after an unreadable answer"


async def test_a_ticket_created_but_not_read_back_returns_its_id_and_the_fields_sent() -> None:
    def then_fail_reads(seam: FaultSeam, f: Faults) -> None:
        seam.after(
            "POST", "/api/v3/tickets", then=lambda: f.fail("GET", "/tickets", 500, times=READ_FAILS)
        )

    async with rig_through(then_fail_reads) as r:
        result = await create_ticket(
            r.ctx, "VPN drops hourly", "Every hour.", priority="High", end_user_id=contact_id(r)
        )
        [ticket] = tickets_titled(r, "VPN drops hourly")
        assert result.ticket.ticket_id == ticket.id
        assert (result.ticket.title, result.ticket.priority, result.ticket.description) == (
            "VPN drops hourly",
            "High",
            "Every hour.",
        )
        assert result.ticket.end_user is not None
        assert result.ticket.end_user.id == contact_id(r)
        assert result.audit()["read_back"] == "failed"
        assert f"Created ticket #{ticket.id}" in result.summary()


async def test_an_allowed_duplicate_made_minutes_ago_is_not_taken_for_the_lost_one() -> None:
    async with rig_through() as r:
        cid = contact_id(r)
        first = await create_ticket(r.ctx, "Disk full", "C: drive.", end_user_id=cid)
        faults(r).fail("POST", "/tickets", 502)
        again = await create_ticket(
            r.ctx, "Disk full", "Again.", end_user_id=cid, allow_duplicate=True
        )
        assert len(tickets_titled(r, "Disk full")) == 2
        assert again.ticket.ticket_id != first.ticket.ticket_id
        assert again.audit()["outcome"] == "sent again after HTTP 502"


async def test_a_new_contact_whose_answer_was_dropped_is_found_by_email() -> None:
    async with rig_through() as r:
        store = sandbox_state(r.app).store
        customer_id = min(store.customers)
        faults(r).drop_after_commit("POST", "/contacts")
        result = await create_ticket(
            r.ctx,
            "Cannot print",
            "Printer says offline.",
            end_user_email="new.person@example.org",
            end_user_first_name="New",
            end_user_last_name="Person",
            customer_id=customer_id,
        )
        made = [c for c in store.contacts.values() if c.email == "new.person@example.org"]
        assert len(made) == 1
        assert result.contact_created
        assert result.ticket.end_user is not None
        assert result.ticket.end_user.id == made[0].id
        assert result.audit()["outcome"] == "contact: settled after a dropped connection"


# -- link_tickets ---------------------------------------------------------------------------


async def test_a_link_whose_answer_was_dropped_is_found_on_the_child_and_not_sent_again() -> None:
    async with rig_through() as r:
        parent = open_ticket(r)
        child = open_ticket(r, with_work=True)
        faults(r).drop_after_commit("POST", f"/tickets/{parent.id}/relations")
        result = await link_tickets(r.ctx, parent.id, child.id, "parent")
        assert child.parent_id == parent.id
        assert parent.child_ids == [child.id]
        assert result.audit()["outcome"] == "settled after a dropped connection"


async def test_linking_tickets_already_linked_that_way_sends_nothing() -> None:
    async with rig_through() as r:
        parent = open_ticket(r)
        child = open_ticket(r, with_work=True)
        await link_tickets(r.ctx, child.id, parent.id, "child")
        again = await link_tickets(r.ctx, child.id, parent.id, "child")
        assert post_count(r, "/relations") == 1
        assert again.note == "They were already linked this way; nothing was sent."
        assert parent.child_ids == [child.id]


# -- update_ticket --------------------------------------------------------------------------


async def test_an_update_answered_500_after_it_committed_is_found_applied() -> None:
    async with rig_through() as r:
        ticket = open_ticket(r)
        # Every replay the client makes commits too, and meets its 500.
        faults(r).fail_after_commit("PUT", f"/tickets/{ticket.id}", 500, times=4, empty=True)
        result = await update_ticket(r.ctx, ticket.id, priority="Critical", title="Server down")
        assert (ticket.priority, ticket.title) == ("Critical", "Server down")
        assert result.audit() == {
            "ticket_id": ticket.id,
            "fields": ["priority", "title"],
            "outcome": "settled after HTTP 500",
        }


async def test_an_update_answered_500_before_it_committed_is_sent_once_more() -> None:
    async with rig_through() as r:
        ticket = open_ticket(r)
        faults(r).fail("PUT", f"/tickets/{ticket.id}", 500, times=4, empty=True)
        result = await update_ticket(r.ctx, ticket.id, status="Pending")
        assert ticket.status == "Pending"
        assert result.audit()["outcome"] == "sent again after HTTP 500"
        assert result.ticket.status == "Pending"


async def test_an_update_not_read_back_shows_the_ticket_with_the_change_applied() -> None:
    def then_fail_reads(seam: FaultSeam, f: Faults) -> None:
        seam.after("PUT", "", then=lambda: f.fail("GET", "/tickets", 500, times=READ_FAILS))

    async with rig_through(then_fail_reads) as r:
        ticket = open_ticket(r)
        result = await update_ticket(r.ctx, ticket.id, priority="Low", technician_id=102)
        assert (ticket.priority, ticket.technician_id) == ("Low", 102)
        assert result.ticket.priority == "Low"
        assert result.ticket.technician is not None
        assert result.ticket.technician.id == 102
        assert result.audit()["read_back"] == "failed"


async def test_a_ticket_refused_after_its_new_contact_was_made_says_the_contact_exists() -> None:
    async with rig_through() as r:
        store = sandbox_state(r.app).store
        customer = min(store.customers)

        async def create() -> CreateTicketResult:
            return await create_ticket(
                r.ctx,
                "Cannot log in",
                "Since today.",
                end_user_email="first.timer@example.org",
                end_user_first_name="First",
                end_user_last_name="Timer",
                customer_id=customer,
            )

        faults(r).fail("POST", "/tickets", 400)
        with pytest.raises(
            AteraRefusedError, match=r"^Contact \d+ \(first.timer@example.org\) was"
        ):
            await create()
        retried = await create()
        made = [c for c in store.contacts.values() if c.email == "first.timer@example.org"]
        assert len(made) == 1
        assert not retried.contact_created
        assert len(tickets_titled(r, "Cannot log in")) == 1


async def test_on_a_thread_longer_than_is_read_a_comment_not_found_is_unknown_not_sent_again() -> (
    None
):
    async with rig_through() as r:
        ticket = open_ticket(r)
        ticket.comments.extend(
            Comment(NOW - timedelta(days=30, minutes=i), f"Old note {i}", None, 102, True)
            for i in range(MAX_COMMENTS)
        )
        faults(r).fail("POST", f"/tickets/{ticket.id}/comments", 502)
        with pytest.raises(AmbiguousWriteError, match="could not tell") as caught:
            await add_comment(r.ctx, ticket.id, "Long thread.", internal=True)
        assert f"more than the {MAX_COMMENTS} comments" in str(caught.value)
        assert "look in Atera before trying again" in str(caught.value)
        assert post_count(r, "/comments") == 1
        assert comments_saying(ticket, "Long thread.") == 0


# -- the same write twice at once -------------------------------------------------------------


async def at_once(write: Callable[[], Awaitable[object]]) -> list[object]:
    """Run `write` twice concurrently; each outcome is its result or its RuleError."""
    outcomes: list[object] = []

    async def one() -> None:
        try:
            outcomes.append(await write())
        except RuleError as refused:
            outcomes.append(refused)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(one)
        tasks.start_soon(one)
    return outcomes


def refusals(outcomes: list[object]) -> list[str]:
    return [str(o) for o in outcomes if isinstance(o, RuleError)]


async def test_two_identical_comments_at_once_are_stored_once_and_the_other_is_a_repeat() -> None:
    async with rig_through() as r:
        ticket = open_ticket(r)
        outcomes = await at_once(
            lambda: add_comment(r.ctx, ticket.id, "On my way.", internal=False)
        )
        assert comments_saying(ticket, "On my way.") == 1
        (refused,) = refusals(outcomes)
        assert "already added this same text" in refused
        assert post_count(r, "/comments") == 1


async def test_two_identical_time_entries_at_once_are_logged_once_and_the_other_overlaps() -> None:
    async with rig_through() as r:
        ticket = open_ticket(r)
        outcomes = await at_once(
            lambda: log_hours(
                r.ctx, ticket.id, datetime(2026, 11, 24, 9), billable=True, duration_minutes=30
            )
        )
        assert len(ticket.work) == 1
        (refused,) = refusals(outcomes)
        assert "which overlaps this one" in refused
        assert post_count(r, "/workhours") == 1


async def test_two_identical_tickets_at_once_are_created_once_and_the_other_is_a_duplicate() -> (
    None
):
    async with rig_through() as r:
        outcomes = await at_once(
            lambda: create_ticket(
                r.ctx, "Scanner jams twice", "Every page jams.", end_user_id=contact_id(r)
            )
        )
        assert len(tickets_titled(r, "Scanner jams twice")) == 1
        (refused,) = refusals(outcomes)
        assert "still Open" in refused
        assert post_count(r, "/tickets") == 1
        assert len(r.ctx.write_locks) == 0  # nothing kept for keys nobody is writing to


async def test_two_tickets_at_once_for_the_same_new_email_make_one_contact_and_one_ticket() -> None:
    async with rig_through() as r:
        store = sandbox_state(r.app).store
        outcomes = await at_once(
            lambda: create_ticket(
                r.ctx,
                "Cannot print invoices",
                "Since this morning.",
                end_user_email="new.starter@example.org",
                end_user_first_name="New",
                end_user_last_name="Starter",
                customer_id=min(store.customers),
            )
        )
        made = [c for c in store.contacts.values() if c.email == "new.starter@example.org"]
        assert len(made) == 1
        assert len(tickets_titled(r, "Cannot print invoices")) == 1
        (refused,) = refusals(outcomes)
        assert "still Open" in refused
        assert len(r.ctx.write_locks) == 0
