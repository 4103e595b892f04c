"""Ticket endpoints: lists, the delta feeds, and create/read/update/delete."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atera_mcp.domain.wire import CreateTicketModel, UpdateTicketModel
from atera_mcp.sandbox import dto
from atera_mcp.sandbox.body import json_body, parse
from atera_mcp.sandbox.query import Query, path_id
from atera_mcp.sandbox.records import Ticket
from atera_mcp.sandbox.replies import AteraJSONResponse, paged, result
from atera_mcp.sandbox.sla import RESOLVED_STATUSES
from atera_mcp.sandbox.state import request_state
from atera_mcp.sandbox.ticket_rules import create_ticket, delete_ticket, update_ticket


def _filtered(request: Request, query: Query, *, no_comments: bool) -> list[Ticket]:
    # Atera documents no order for this list; the sandbox serves either, as configured, so
    # clients are tested against both (ids grow with creation, and the store keeps that order).
    state = request_state(request)
    customer_id = query.integer("customerId")
    status = query.text("ticketStatus")
    wanted = status.strip().lower() if status else None
    tickets = state.store.tickets.values()

    def build() -> list[Ticket]:
        return [
            t
            for t in (reversed(tickets) if state.config.order == "newest" else tickets)
            if (customer_id is None or t.customer_id == customer_id)
            and (wanted is None or t.status.lower() == wanted)
            and (not no_comments or len(t.comments) <= 1)
        ]

    key = (state.config.order, customer_id, wanted, no_comments)
    return state.store.listing(key, build)


def _ticket_list(request: Request, *, no_comments: bool) -> Response:
    query, store = Query(request), request_state(request).store
    relations = query.flag("includeRelations")
    items = _filtered(request, query, no_comments=no_comments)
    return paged(request, query, items, lambda t: dto.ticket(store, t, relations=relations))


async def list_tickets(request: Request) -> Response:
    return _ticket_list(request, no_comments=False)


async def tickets_without_comments(request: Request) -> Response:
    """GET /tickets/noComments: nothing beyond the description yet."""
    return _ticket_list(request, no_comments=True)


async def last_modified(request: Request) -> Response:
    """GET /tickets/lastmodified: the delta feed, oldest change first."""
    query, store = Query(request), request_state(request).store
    today = store.now().replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=UTC)
    since = query.utc_datetime("date") or today
    comments = query.flag("includeComments", default=False)
    relations = query.flag("includeRelations")
    items = sorted(
        (t for t in store.tickets.values() if t.modified >= since),
        key=lambda t: (t.modified, t.modified_seq, t.id),
    )

    def render(t: Ticket) -> dict[str, object]:
        return dto.ticket(store, t, relations=relations, last_comments=comments)

    return paged(request, query, items, render)


async def status_modified(request: Request) -> Response:
    """GET /tickets/statusmodified: resolved and closed tickets, latest resolution first."""
    query, store = Query(request), request_state(request).store
    comments = query.flag("includeComments", default=True)
    relations = query.flag("includeRelations")
    epoch = datetime.min.replace(tzinfo=UTC)
    items = sorted(
        (t for t in store.tickets.values() if t.status in RESOLVED_STATUSES),
        key=lambda t: (t.resolved or epoch, t.id),
        reverse=True,
    )

    def render(t: Ticket) -> dict[str, object]:
        return dto.ticket(
            store, t, relations=relations, first_comment=comments, last_comments=comments
        )

    return paged(request, query, items, render)


async def get_ticket(request: Request) -> Response:
    ticket_id = path_id(request, "ticketId")
    relations = Query(request).flag("includeRelations")
    store = request_state(request).store
    return AteraJSONResponse(dto.ticket(store, store.ticket(ticket_id), relations=relations))


async def post_ticket(request: Request) -> Response:
    body = parse(CreateTicketModel, await json_body(request))
    ticket = create_ticket(request_state(request).store, body)
    return result(ticket.id, status_code=201)


async def put_ticket(request: Request) -> Response:
    ticket_id = path_id(request, "ticketId")
    body = parse(UpdateTicketModel, await json_body(request))
    store = request_state(request).store
    update_ticket(store, store.ticket(ticket_id), body)
    return result(ticket_id)


async def remove_ticket(request: Request) -> Response:
    ticket_id = path_id(request, "ticketId")
    store = request_state(request).store
    delete_ticket(store, store.ticket(ticket_id))
    return Response(status_code=204)


ROUTES = [
    Route("/tickets", list_tickets, methods=["GET"]),
    Route("/tickets", post_ticket, methods=["POST"]),
    Route("/tickets/nocomments", tickets_without_comments, methods=["GET"]),
    Route("/tickets/lastmodified", last_modified, methods=["GET"]),
    Route("/tickets/statusmodified", status_modified, methods=["GET"]),
]
# After the fixed paths above, and after /tickets/billableduration (routes_work).
ITEM_ROUTES = [
    Route("/tickets/{ticketId}", get_ticket, methods=["GET"]),
    Route("/tickets/{ticketId}", put_ticket, methods=["PUT", "POST"]),
    Route("/tickets/{ticketId}", remove_ticket, methods=["DELETE"]),
]
