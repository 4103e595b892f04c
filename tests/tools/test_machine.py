"""get_ticket(include_context=true): the alert behind the ticket, the user's machines and the
open tickets around it, judged against the sandbox's own records and its request log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from atera_mcp.sandbox import TicketOrder, sandbox_state
from atera_mcp.sandbox.records import Alert, Ticket
from atera_mcp.sandbox.store import SandboxStore
from atera_mcp.tools.machine import title_words
from atera_mcp.tools.monitoring import ALERTS_FRESH
from atera_mcp.tools.ticket_read import get_ticket
from tests.contract.openapi_check import assert_contract
from tests.harness import NOW, Rig, indexed_rig, rig, sandbox_app

pytestmark = pytest.mark.anyio

DONE = {"Resolved", "Closed"}


def requests(app: Starlette) -> list[str]:
    return [f"{e.method} {e.path}" for e in sandbox_state(app).requests]


def alert_on_users_machine(store: SandboxStore) -> Alert:
    """An open alert that opened a ticket, raised on the ticket's end user's own machine."""
    return next(
        a
        for a in store.alerts.values()
        if a.ticket_id is not None
        and a.archived_at is None
        and store.agents[a.agent_id].owner_id == store.tickets[a.ticket_id].end_user_id
    )


def advance(r: Rig, by: timedelta) -> None:
    now = r.ctx.now() + by
    r.ctx.clock = lambda: now


async def test_context_shows_the_alert_that_opened_the_ticket_and_the_users_machines() -> None:
    app = sandbox_app(tickets=1000)
    store = sandbox_state(app).store
    alert = alert_on_users_machine(store)
    ticket = store.tickets[alert.ticket_id or 0]
    owned = {a.id for a in store.agents.values() if a.owner_id == ticket.end_user_id}
    async with rig(app) as r:
        context = (await get_ticket(r.ctx, ticket.id, include_context=True)).context
    assert context is not None
    assert context.alert is not None
    assert (context.alert.alert_id, context.alert.archived) == (alert.id, False)
    assert context.alert.device_name == store.agents[alert.agent_id].machine_name
    found = {d.agent_id for d in context.devices}
    assert owned <= found  # a shared login (two B. Smiths) may add a colleague's machine
    assert all(store.agents[d or 0].customer_id == ticket.customer_id for d in found)
    machine = next(d for d in context.devices if d.agent_id == alert.agent_id)
    open_on_it = {a.id for a in store.alerts.values() if a.agent_id == alert.agent_id}
    open_on_it &= {a.id for a in store.alerts.values() if a.archived_at is None}
    assert {a.alert_id for a in machine.open_alerts} == open_on_it
    assert machine.os == store.agents[alert.agent_id].os
    assert context.as_of == NOW
    assert_contract(r.recorder.records)
    assert all(line.startswith("GET ") for line in requests(app))  # read-only


async def test_a_warm_context_costs_one_request_and_a_cold_one_a_few() -> None:
    app = sandbox_app(tickets=1000)
    store = sandbox_state(app).store
    ticket = store.tickets[alert_on_users_machine(store).ticket_id or 0]
    neighbour = next(
        t for t in store.tickets.values() if t.customer_id == ticket.customer_id and t != ticket
    )
    log = sandbox_state(app).requests
    async with rig(app) as r:
        log.clear()
        await get_ticket(r.ctx, ticket.id, include_context=True)
        cold = requests(app)
        log.clear()
        await get_ticket(r.ctx, neighbour.id, include_context=True)
        warm = requests(app)
    assert sorted(cold) == sorted(
        [
            f"GET /api/v3/tickets/{ticket.id}",
            "GET /api/v3/alerts",
            f"GET /api/v3/agents/customer/{ticket.customer_id}",
        ]
    )
    assert warm == [f"GET /api/v3/tickets/{neighbour.id}"]


async def test_an_alert_seen_open_is_found_by_its_id_once_archived_then_kept() -> None:
    app = sandbox_app(tickets=1000)
    store = sandbox_state(app).store
    alert = alert_on_users_machine(store)
    ticket_id = alert.ticket_id or 0
    async with rig(app) as r:
        await get_ticket(r.ctx, ticket_id, include_context=True)
        alert.archived_at = store.now()  # it cleared in Atera
        advance(r, ALERTS_FRESH)
        sandbox_state(app).requests.clear()
        context = (await get_ticket(r.ctx, ticket_id, include_context=True)).context
        assert f"GET /api/v3/alerts/{alert.id}" in requests(app)
        advance(r, ALERTS_FRESH)
        sandbox_state(app).requests.clear()
        again = (await get_ticket(r.ctx, ticket_id, include_context=True)).context
    assert context is not None
    assert again is not None
    assert context.alert is not None
    assert (context.alert.alert_id, context.alert.archived) == (alert.id, True)
    assert again.alert == context.alert
    assert f"GET /api/v3/alerts/{alert.id}" not in requests(app)
    assert "GET /api/v3/alerts" in requests(app)  # the open list was stale: read again


async def test_a_ticket_no_alert_opened_has_none() -> None:
    app = sandbox_app(tickets=300)
    store = sandbox_state(app).store
    linked = {a.ticket_id for a in store.alerts.values()}
    plain = next(t for t in store.tickets.values() if t.id not in linked)
    async with rig(app) as r:
        context = (await get_ticket(r.ctx, plain.id, include_context=True)).context
    assert context is not None
    assert context.alert is None
    assert context.note is not None
    assert "index is off" in context.note


def open_tickets_of(store: SandboxStore, ticket: Ticket) -> list[int]:
    """Brute force: the end user's other unfinished tickets, newest first."""
    mine = [
        t
        for t in store.tickets.values()
        if t.end_user_id == ticket.end_user_id and t.id != ticket.id and t.status not in DONE
    ]
    return [t.id for t in sorted(mine, key=lambda t: (t.created, t.id), reverse=True)][:10]


@pytest.mark.parametrize("order", ["newest", "oldest"])
async def test_the_users_open_tickets_and_the_customers_on_the_same_words_come_from_the_index(
    tmp_path: Path, order: TicketOrder
) -> None:
    app = sandbox_app(tickets=1000, order=order)
    store = sandbox_state(app).store
    ticket = next(
        t
        for t in sorted(store.tickets.values(), key=lambda t: t.id)
        if len(open_tickets_of(store, t)) >= 2
        and t.status not in DONE
        and len(title_words(t.title)) >= 2
    )
    colleague = next(
        c.id
        for c in store.contacts.values()
        if c.customer_id == ticket.customer_id and c.id != ticket.end_user_id
    )
    outage = _open_ticket(store, ticket, colleague, f"Outage: {ticket.title}")
    partial = _open_ticket(store, ticket, colleague, f"{min(title_words(ticket.title))} quibble")
    unrelated = _open_ticket(store, ticket, colleague, "Zebra firmware quibble")
    elsewhere = next(c.id for c in store.contacts.values() if c.customer_id != ticket.customer_id)
    other_customer = _open_ticket(store, ticket, elsewhere, ticket.title)
    async with indexed_rig(tmp_path / "i.sqlite3", app) as r:
        sandbox_state(app).requests.clear()
        context = (await get_ticket(r.ctx, ticket.id, include_context=True)).context
        ticket_reads = requests(app).count(f"GET /api/v3/tickets/{ticket.id}")
    assert context is not None
    assert [t.ticket_id for t in context.end_user_open_tickets] == open_tickets_of(store, ticket)
    related = [t.ticket_id for t in context.related_open_tickets]
    assert related.index(outage) < related.index(partial)  # more words shared first
    assert ticket.id not in related
    assert unrelated not in related
    assert other_customer not in related
    assert all(t.status not in DONE for t in context.related_open_tickets)
    assert ticket_reads == 1
    assert context.note is None


def _open_ticket(store: SandboxStore, like: Ticket, end_user_id: int, title: str) -> int:
    """A new open ticket in the sandbox's data, as if a customer had just written in."""
    ticket = Ticket(
        id=store.new_ticket_id(),
        title=title,
        description=title,
        priority="High",
        impact="Minor",
        status="Open",
        type="Incident",
        source="Email",
        end_user_id=end_user_id,
        customer_id=store.contacts[end_user_id].customer_id,
        technician_id=None,
        created=like.created + timedelta(minutes=5),
        first_response_due=like.first_response_due,
        closed_due=like.closed_due,
        modified=like.created + timedelta(minutes=5),
    )
    store.tickets[ticket.id] = ticket
    return ticket.id


class _MonitoringForbidden:
    """Atera's answer to a key without the monitoring permission: 403 on alerts and agents."""

    def __init__(self, app: object) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] == "http" and ("/alerts" in path or "/agents/" in path):
            await send({"type": "http.response.start", "status": 403, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)  # type: ignore[operator]


async def test_a_key_without_monitoring_rights_still_gets_the_ticket_with_a_note() -> None:
    app = sandbox_app(tickets=300)
    app.add_middleware(_MonitoringForbidden)
    ticket = next(iter(sandbox_state(app).store.tickets.values()))
    async with rig(app) as r:
        result = await get_ticket(r.ctx, ticket.id, include_context=True)
    assert result.ticket.ticket_id == ticket.id
    assert result.context is not None
    assert (result.context.alert, result.context.devices) == (None, [])
    assert result.context.note is not None
    assert "alerts could not be read" in result.context.note
    assert "agents could not be read" in result.context.note
    assert "HTTP 403" in result.context.note
