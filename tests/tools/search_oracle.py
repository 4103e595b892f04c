"""Brute-force expectations for search_tickets, computed from every ticket independently of the
tool's own matching and ordering code (shared by the index and the bounded-scan tests)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from atera_mcp.domain.wire import TicketDto
from atera_mcp.errors import RuleError
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.search import SearchTicketsResult, search_tickets
from tests.harness import NOW, Rig

RANK = {"Critical": 0, "High": 1, "Medium": 2, "Low": 3}
HOUR = timedelta(hours=1)


async def every_ticket(r: Rig) -> list[TicketDto]:
    found = await r.ctx.atera.list_tickets()
    assert found.complete
    assert len(found.items) == found.total
    return found.items


async def search_everything(
    ctx: ToolContext, **params: Any
) -> tuple[list[int], SearchTicketsResult]:
    """Follow next_cursor to the end; the ids in order and the first page's result."""
    first = result = await search_tickets(ctx, limit=50, **params)
    ids = [t.ticket_id for t in result.tickets]
    while result.next_cursor:
        result = await search_tickets(ctx, limit=50, cursor=result.next_cursor, **params)
        ids += [t.ticket_id for t in result.tickets]
    return ids, first


def newest(tickets: list[TicketDto]) -> list[int]:
    ordered = sorted(tickets, key=lambda t: (t.ticket_created_date, t.ticket_id), reverse=True)
    return [t.ticket_id for t in ordered]


def paths(r: Rig) -> list[str]:
    return [f"{e.request.method} {e.request.url.path}" for e in r.recorder.records]


FILTERS: list[tuple[str, dict[str, Any], Callable[[TicketDto], bool]]] = [
    ("status", {"status": ["open", "PENDING"]}, lambda t: t.ticket_status in ("Open", "Pending")),
    (
        "priority",
        {"priority": ["high", "CRITICAL"]},
        lambda t: t.ticket_priority in ("High", "Critical"),
    ),
    ("type", {"type": "incident"}, lambda t: t.ticket_type == "Incident"),
    ("customer_id", {"customer_id": 2}, lambda t: t.customer_id == 2),
    ("customer_name", {"customer_name": "aCmE"}, lambda t: t.customer_name == "Acme Corporation"),
    ("technician_id", {"technician_id": 103}, lambda t: t.technician_contact_id == 103),
    (
        "technician_email",
        {"technician_email": "Grace.Kim@BrightPath-IT.com"},
        lambda t: t.technician_contact_id == 105,
    ),
    (
        "end_user_email",
        {"end_user_email": "JOHN.SMITH@acme.com"},
        lambda t: (t.end_user_email or "").lower() == "john.smith@acme.com",
    ),
    (
        "created range",
        {"created_after": NOW - timedelta(days=30), "created_before": NOW - timedelta(days=10)},
        lambda t: NOW - timedelta(days=30) <= t.ticket_created_date < NOW - timedelta(days=10),  # type: ignore[operator]
    ),
    (
        "combined",
        {"status": ["Closed"], "priority": ["low"], "customer_name": "acme"},
        lambda t: (
            t.ticket_status == "Closed"
            and t.ticket_priority == "Low"
            and t.customer_name == "Acme Corporation"
        ),
    ),
]


async def assert_foreign_and_garbled_cursors_are_refused(ctx: ToolContext) -> None:
    """A cursor from another search, or a garbled one, is a plain refusal; a cursor is
    indifferent to the case of the values it was made with."""
    first = await search_tickets(ctx, status=["Closed"], limit=5)
    assert first.next_cursor
    with pytest.raises(RuleError, match="different filters"):
        await search_tickets(ctx, status=["Open"], cursor=first.next_cursor)
    for garbled in ("not-a-cursor", first.next_cursor[:-3] + "xyz", "eyJvIjotMX0"):
        with pytest.raises(RuleError, match="cursor is not valid"):
            await search_tickets(ctx, status=["Closed"], cursor=garbled)
    same = await search_tickets(ctx, status=["closed"], limit=9, cursor=first.next_cursor)
    assert same.tickets[0].ticket_id != first.tickets[0].ticket_id


# -- SLA and "waiting on", spelled out from the contract's words over Atera's raw fields -----

RESPONSE_HOURS = {"Critical": 1, "High": 4, "Medium": 8, "Low": 24}


def sla_due_of(t: TicketDto) -> datetime | None:
    """The contract's sla_due, written again here from the raw fields (Atera's four statuses)."""
    if t.ticket_status in ("Resolved", "Closed"):
        return None
    if t.technician_first_comment_date is None:
        if t.first_response_due_date is not None:
            return t.first_response_due_date
        assert t.ticket_created_date is not None
        return t.ticket_created_date + timedelta(
            hours=RESPONSE_HOURS.get(t.ticket_priority or "", 8)
        )
    return t.closed_ticket_due_date


def waiting_on_of(t: TicketDto) -> str | None:
    if t.ticket_status in ("Resolved", "Closed"):
        return None
    user, tech = t.last_end_user_comment_timestamp, t.last_technician_comment_timestamp
    if t.technician_first_comment_date is None or (
        user is not None and (tech is None or user > tech)
    ):
        return "us"
    return "customer" if tech is not None and t.ticket_status == "Pending" else None


def sla_filter(
    states: set[str], window: timedelta = timedelta(hours=1)
) -> Callable[[TicketDto], bool]:
    def wanted(t: TicketDto) -> bool:
        due = sla_due_of(t)
        if due is None:
            return False
        return ("breached" in states and due < NOW) or (
            "at_risk" in states and NOW <= due < NOW + window
        )

    return wanted


SLA_FILTERS: list[tuple[str, dict[str, Any], Callable[[TicketDto], bool]]] = [
    ("breached", {"sla": ["breached"]}, sla_filter({"breached"})),
    (
        "at risk in 4 hours",
        {"sla": ["AT_RISK"], "sla_window_minutes": 240},
        sla_filter({"at_risk"}, 4 * HOUR),
    ),
    (
        "breached or at risk in a day",
        {"sla": ["breached", "at_risk"], "sla_window_minutes": 1440},
        sla_filter({"breached", "at_risk"}, 24 * HOUR),
    ),
    ("waiting on us", {"waiting_on": "us"}, lambda t: waiting_on_of(t) == "us"),
    (
        "waiting on the customer",
        {"waiting_on": "Customer"},
        lambda t: waiting_on_of(t) == "customer",
    ),
    (
        "breached and waiting on us",
        {"sla": ["breached"], "waiting_on": "us"},
        lambda t: sla_filter({"breached"})(t) and waiting_on_of(t) == "us",
    ),
]


def soonest_due(tickets: list[TicketDto]) -> list[int]:
    """The sla_due order: soonest first, tickets without a running clock last, ties by id."""
    far = datetime.max.replace(tzinfo=UTC)
    ordered = sorted(tickets, key=lambda t: (sla_due_of(t) or far, t.ticket_id))
    return [t.ticket_id for t in ordered]
