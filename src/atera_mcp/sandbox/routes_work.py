"""What happens on a ticket: comments, work hours and their totals, parent/child relations."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atera_mcp.domain.wire import (
    AddCommentToTicketModel,
    AddTicketRelationModel,
    CreateWorkHoursModel,
    TicketWorkHoursSummaryDto,
)
from atera_mcp.sandbox import dto
from atera_mcp.sandbox.activity_rules import (
    add_comment,
    add_relation,
    add_work_hours,
    remove_relation,
)
from atera_mcp.sandbox.body import canonical, json_body, parse, validate
from atera_mcp.sandbox.problems import bad_request
from atera_mcp.sandbox.query import Query, path_id
from atera_mcp.sandbox.records import WorkEntry
from atera_mcp.sandbox.replies import AteraJSONResponse, paged, result
from atera_mcp.sandbox.state import request_state

MAX_BULK_TICKETS = 50


async def list_comments(request: Request) -> Response:
    ticket_id = path_id(request, "ticketId")
    store = request_state(request).store
    comments = store.ticket(ticket_id).comments
    return paged(request, Query(request), comments, lambda c: dto.comment(store, c))


async def post_comment(request: Request) -> Response:
    ticket_id = path_id(request, "ticketId")
    data = canonical(AddCommentToTicketModel, await json_body(request))
    details = data.get("TechnicianCommentDetails") if isinstance(data, dict) else None
    if isinstance(details, dict):
        # ASP.NET gives an omitted non-nullable value its default instead of a 400.
        details.setdefault("TechnicianId", 0)
        details.setdefault("IsInternal", False)
    body = validate(AddCommentToTicketModel, data)
    store = request_state(request).store
    return result(add_comment(store, store.ticket(ticket_id), body))


async def post_work_hours(request: Request) -> Response:
    ticket_id = path_id(request, "ticketId")
    data = canonical(CreateWorkHoursModel, await json_body(request))
    if isinstance(data, dict):
        data.setdefault("Billiable", False)  # a C# bool defaults to false when omitted
    body = validate(CreateWorkHoursModel, data)
    store = request_state(request).store
    entry = add_work_hours(store, store.ticket(ticket_id), body)
    return result(entry.id, status_code=201)


async def list_work_records(request: Request) -> Response:
    ticket_id = path_id(request, "ticketId")
    store = request_state(request).store
    entries = store.ticket(ticket_id).work
    return paged(request, Query(request), entries, lambda e: dto.work_entry(store, e))


async def work_summary(request: Request) -> Response:
    ticket_id = path_id(request, "ticketId")
    store = request_state(request).store
    ticket = store.ticket(ticket_id)
    summary = TicketWorkHoursSummaryDto.model_validate(
        {
            "TicketID": ticket.id,
            "Billable": dto.durations(store, ticket, billable=True),
            "NonBillable": dto.durations(store, ticket, billable=False),
        }
    )
    return AteraJSONResponse(summary.model_dump(mode="json", by_alias=True))


async def billable_duration(request: Request) -> Response:
    ticket_id = path_id(request, "ticketId")
    store = request_state(request).store
    return AteraJSONResponse(dto.durations(store, store.ticket(ticket_id), billable=True))


async def non_billable_duration(request: Request) -> Response:
    ticket_id = path_id(request, "ticketId")
    store = request_state(request).store
    return AteraJSONResponse(dto.durations(store, store.ticket(ticket_id), billable=False))


async def bulk_billable_duration(request: Request) -> Response:
    """POST /tickets/billableduration: a JSON array of up to 50 ticket ids."""
    ids = await json_body(request)
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise bad_request("The request body must be a JSON array of ticket ids.", "$")
    if len(ids) > MAX_BULK_TICKETS:
        raise bad_request(
            f"At most {MAX_BULK_TICKETS} ticket ids per request ({len(ids)} given).", "$"
        )
    store = request_state(request).store
    found = [store.tickets[i] for i in ids if i in store.tickets]
    return AteraJSONResponse([dto.durations(store, t, billable=True) for t in found])


async def all_work_hours(request: Request) -> Response:
    """GET /workhours: every entry in a period (account-local dates), across tickets."""
    query, store = Query(request), request_state(request).store
    start = query.local_datetime("startWorkhour", store.zone)
    # Read literally, as ASP.NET parses it: a bare date is that day's midnight, so
    # endWorkhour=2026-01-31 leaves out work done on the 31st. Clients must ask for the day after.
    end = query.local_datetime("endWorkhour", store.zone)
    rates = query.flag("includeRates")
    entries = sorted(
        (
            e
            for e in store.work_entries()
            if (start is None or e.start >= start) and (end is None or e.end <= end)
        ),
        key=lambda e: (e.start, e.id),
    )

    def render(entry: WorkEntry) -> dict[str, Any]:
        ticket = store.tickets[entry.ticket_id]
        return dto.work_entry(store, entry, billing=ticket, rates=rates)

    return paged(request, query, entries, render)


async def post_relation(request: Request) -> Response:
    ticket_id = path_id(request, "ticketId")
    body = parse(AddTicketRelationModel, await json_body(request))
    store = request_state(request).store
    add_relation(store, store.ticket(ticket_id), body)
    return result(ticket_id, status_code=201)


async def delete_relation(request: Request) -> Response:
    ticket_id = path_id(request, "ticketId")
    store = request_state(request).store
    remove_relation(store, store.ticket(ticket_id), str(request.path_params["relationType"]))
    return Response(status_code=204)


ROUTES = [
    Route("/tickets/billableduration", bulk_billable_duration, methods=["POST"]),
    Route("/tickets/{ticketId}/comments", list_comments, methods=["GET"]),
    Route("/tickets/{ticketId}/comments", post_comment, methods=["POST"]),
    Route("/tickets/{ticketId}/workhours", work_summary, methods=["GET"]),
    Route("/tickets/{ticketId}/workhours", post_work_hours, methods=["POST"]),
    Route("/tickets/{ticketId}/workhoursrecords", list_work_records, methods=["GET"]),
    Route("/tickets/{ticketId}/billableduration", billable_duration, methods=["GET"]),
    Route("/tickets/{ticketId}/nonbillableduration", non_billable_duration, methods=["GET"]),
    Route("/tickets/{ticketId}/relations", post_relation, methods=["POST"]),
    Route("/tickets/{ticketId}/relations/{relationType}", delete_relation, methods=["DELETE"]),
    Route("/workhours", all_work_hours, methods=["GET"]),
]
