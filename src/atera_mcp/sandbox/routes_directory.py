"""Who the desk serves: the account, customers and contacts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atera_mcp.domain.wire import CreateContactRequest
from atera_mcp.sandbox import dto
from atera_mcp.sandbox.activity_rules import create_contact
from atera_mcp.sandbox.body import json_body, parse
from atera_mcp.sandbox.problems import bad_request
from atera_mcp.sandbox.query import Query, path_id
from atera_mcp.sandbox.replies import AteraJSONResponse, paged, result
from atera_mcp.sandbox.state import request_state


class _Dated(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def last_modified(self) -> datetime: ...


D = TypeVar("D", bound=_Dated)


def _directory_view(
    query: Query, request: Request, records: Sequence[D], newest_first: bool
) -> list[D]:
    """`FromLastModifiedDate` (account-local) and `SortBy` (Creation | LastModified)."""
    store = request_state(request).store
    since = query.local_datetime("FromLastModifiedDate", store.zone)
    kept = [r for r in records if since is None or r.last_modified >= since]
    sort_by = (query.text("SortBy") or "Creation").strip().lower()
    if sort_by in ("lastmodified", "1"):
        return sorted(kept, key=lambda r: (r.last_modified, r.id), reverse=True)
    if sort_by not in ("creation", "0"):
        raise bad_request(f"The value '{sort_by}' is not valid for SortBy.", "SortBy")
    return sorted(kept, key=lambda r: r.id, reverse=newest_first)


async def account(request: Request) -> Response:
    return AteraJSONResponse(dto.account(request_state(request).config.time_zone_name))


async def list_customers(request: Request) -> Response:
    query = Query(request)
    customers = list(request_state(request).store.customers.values())
    items = _directory_view(query, request, customers, newest_first=False)
    return paged(request, query, items, dto.customer)


async def get_customer(request: Request) -> Response:
    customer_id = path_id(request, "customerId")
    return AteraJSONResponse(dto.customer(request_state(request).store.customer(customer_id)))


async def list_contacts(request: Request) -> Response:
    """GET /contacts: `Email` and `Phone` are case-insensitive contain-filters."""
    query, store = Query(request), request_state(request).store
    email = (query.text("Email") or "").strip().lower()
    phone = (query.text("Phone") or "").strip().lower()
    contacts = [
        c
        for c in store.contacts.values()
        if (not email or email in c.email.lower())
        and (
            not phone or phone in (c.phone or "").lower() or phone in (c.mobile_phone or "").lower()
        )
    ]
    # Atera: "Default sort is by creation date (EndUserId descending)".
    items = _directory_view(query, request, contacts, newest_first=True)
    return paged(request, query, items, lambda c: dto.contact(store, c))


async def get_contact(request: Request) -> Response:
    contact_id = path_id(request, "contactId")
    store = request_state(request).store
    return AteraJSONResponse(dto.contact(store, store.contact(contact_id)))


async def post_contact(request: Request) -> Response:
    body = parse(CreateContactRequest, await json_body(request))
    contact = create_contact(request_state(request).store, body)
    return result(contact.id, status_code=201)


ROUTES = [
    Route("/account", account, methods=["GET"]),
    Route("/customers", list_customers, methods=["GET"]),
    Route("/customers/{customerId}", get_customer, methods=["GET"]),
    Route("/contacts", list_contacts, methods=["GET"]),
    Route("/contacts", post_contact, methods=["POST"]),
    Route("/contacts/{contactId}", get_contact, methods=["GET"]),
]
