"""Tickets: Atera's server-side rules on create and update, status dates, delete, delta feeds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from atera_mcp.sandbox import sandbox_state
from tests.sandbox.helpers import (
    ACME_ID,
    JOHN_SMITH_ID,
    TECH_EMAIL,
    TECH_ID,
    new_ticket,
    ticket,
    utc,
)

pytestmark = pytest.mark.anyio
BODY = {"TicketTitle": "VPN down", "Description": "Cannot connect.", "EndUserID": JOHN_SMITH_ID}


async def rejected(api: httpx.AsyncClient, body: dict[str, Any]) -> str:
    response = await api.post("/tickets", json=body)
    assert response.status_code == 400, response.text
    detail: str = response.json()["detail"]
    return detail


async def test_create_answers_201_with_the_new_id_as_a_string(api: httpx.AsyncClient) -> None:
    response = await api.post("/tickets", json=BODY)
    assert response.status_code == 201
    action_id = response.json()["ActionID"]
    assert isinstance(action_id, str)
    assert (await ticket(api, int(action_id)))["TicketTitle"] == "VPN down"


async def test_a_new_ticket_gets_atera_defaults_and_sla_due_dates(api: httpx.AsyncClient) -> None:
    created = await ticket(api, await new_ticket(api))
    assert created["TicketStatus"] == "Open"
    assert created["TicketPriority"] == "Medium"
    assert created["TicketType"] == "Problem"
    assert created["TicketImpact"] == "NoImpact"
    assert created["TicketSource"] == "API"
    assert created["FirstComment"] == "Paper stuck in tray 2."
    assert created["TicketResolvedDate"] is None
    opened = utc(created["TicketCreatedDate"])
    assert utc(created["FirstResponseDueDate"]) - opened == timedelta(hours=8)
    assert utc(created["ClosedTicketDueDate"]) - opened == timedelta(hours=32)
    assert created["TicketCreatedDate"].endswith("Z")


async def test_the_body_values_win_over_the_defaults(api: httpx.AsyncClient) -> None:
    fields = {"TicketPriority": "Critical", "TicketType": "Incident", "TicketImpact": "SiteDown"}
    created = await ticket(api, await new_ticket(api, **fields))
    assert created["TicketPriority"] == "Critical"
    assert created["TicketType"] == "Incident"
    assert created["TicketImpact"] == "SiteDown"
    opened = utc(created["TicketCreatedDate"])
    assert utc(created["FirstResponseDueDate"]) - opened == timedelta(hours=1)


async def test_a_customer_without_a_contract_gets_no_due_dates_even_after_a_priority_change(
    app: Starlette, api: httpx.AsyncClient
) -> None:
    store = sandbox_state(app).store
    contact = next(
        c for c in store.contacts.values() if store.customers[c.customer_id].contract_id is None
    )
    ticket_id = await new_ticket(api, EndUserID=contact.id)
    created = await ticket(api, ticket_id)
    assert created["FirstResponseDueDate"] is None
    assert created["ClosedTicketDueDate"] is None
    await api.put(f"/tickets/{ticket_id}", json={"TicketPriority": "Critical"})
    updated = await ticket(api, ticket_id)
    assert updated["FirstResponseDueDate"] is None
    assert updated["ClosedTicketDueDate"] is None


@pytest.mark.parametrize(
    ("priority", "hours"), [("Critical", 1), ("High", 4), ("Medium", 8), ("Low", 24)]
)
async def test_due_dates_follow_the_skill_documents_sla_table(
    api: httpx.AsyncClient, priority: str, hours: int
) -> None:
    created = await ticket(api, await new_ticket(api, TicketPriority=priority))
    opened = utc(created["TicketCreatedDate"])
    assert utc(created["FirstResponseDueDate"]) - opened == timedelta(hours=hours)
    assert utc(created["ClosedTicketDueDate"]) - opened == timedelta(hours=4 * hours)


@pytest.mark.parametrize("spelled", ["pending", "RESOLVED", "cLoSeD", "open"])
async def test_built_in_status_names_take_their_canonical_case(
    api: httpx.AsyncClient, spelled: str
) -> None:
    created = await ticket(api, await new_ticket(api, TicketStatus=spelled))
    assert created["TicketStatus"] == spelled.capitalize()


async def test_the_ticket_customer_is_the_end_users_customer(api: httpx.AsyncClient) -> None:
    created = await ticket(api, await new_ticket(api))
    assert created["CustomerID"] == ACME_ID
    assert created["CustomerName"] == "Acme Corporation"
    assert created["EndUserEmail"] == "john.smith@acme.com"


@pytest.mark.parametrize("field", ["TicketTitle", "Description"])
async def test_title_and_description_are_required(api: httpx.AsyncClient, field: str) -> None:
    assert await rejected(api, {**BODY, field: "  "}) == f"{field} is required"
    missing = {k: v for k, v in BODY.items() if k != field}
    assert await rejected(api, missing) == f"{field} is required"


async def test_an_unknown_end_user_id_is_400(api: httpx.AsyncClient) -> None:
    assert "EndUserID 5" in await rejected(api, {**BODY, "EndUserID": 5})


async def test_an_end_user_is_required(api: httpx.AsyncClient) -> None:
    detail = await rejected(api, {"TicketTitle": "t", "Description": "d"})
    assert "EndUserID" in detail


async def test_an_existing_contact_is_reused_by_email(api: httpx.AsyncClient) -> None:
    before = (await api.get("/contacts")).json()["totalItemCount"]
    person = {
        "EndUserFirstName": "J",
        "EndUserLastName": "S",
        "EndUserEmail": "JOHN.SMITH@acme.com",
    }
    ticket_id = await new_ticket(api, EndUserID=None, **person)
    assert (await ticket(api, ticket_id))["EndUserID"] == JOHN_SMITH_ID
    assert (await api.get("/contacts")).json()["totalItemCount"] == before


async def test_a_new_end_user_is_created_under_the_customer_owning_the_email_domain(
    api: httpx.AsyncClient,
) -> None:
    person = {"EndUserFirstName": "Ada", "EndUserLastName": "Byron", "EndUserEmail": "ada@acme.com"}
    created = await ticket(api, await new_ticket(api, EndUserID=None, **person))
    assert created["CustomerID"] == ACME_ID
    found = (await api.get("/contacts", params={"Email": "ada@acme.com"})).json()["items"]
    assert [(c["EndUserID"], c["Firstname"], c["CustomerID"]) for c in found] == [
        (created["EndUserID"], "Ada", ACME_ID)
    ]


async def test_an_email_whose_domain_no_customer_owns_is_400(api: httpx.AsyncClient) -> None:
    person = {"EndUserFirstName": "Ada", "EndUserLastName": "B", "EndUserEmail": "ada@nowhere.io"}
    detail = await rejected(api, {"TicketTitle": "t", "Description": "d", **person})
    assert "Could not determine the customer" in detail
    assert "nowhere.io" in detail


async def test_a_partial_new_end_user_is_400_naming_the_missing_field(
    api: httpx.AsyncClient,
) -> None:
    body = {"TicketTitle": "t", "Description": "d", "EndUserEmail": "x@acme.com"}
    assert "EndUserFirstName" in await rejected(api, body)


async def test_a_technician_is_assigned_by_id_or_by_email(api: httpx.AsyncClient) -> None:
    by_id = await ticket(api, await new_ticket(api, TechnicianContactID=TECH_ID))
    by_email = await ticket(api, await new_ticket(api, TechnicianEmail=TECH_EMAIL.upper()))
    assert by_id["TechnicianContactID"] == by_email["TechnicianContactID"] == TECH_ID
    assert by_id["TechnicianFullName"] == "Maya Patel"
    assert by_email["TechnicianEmail"] == TECH_EMAIL


async def test_an_unknown_technician_is_400(api: httpx.AsyncClient) -> None:
    assert "TechnicianContactID 999" in await rejected(api, {**BODY, "TechnicianContactID": 999})
    assert "TechnicianEmail" in await rejected(api, {**BODY, "TechnicianEmail": "x@acme.com"})


async def test_autopilot_is_400_because_it_is_not_enabled(api: httpx.AsyncClient) -> None:
    detail = await rejected(api, {**BODY, "TechnicianContactID": -1})
    assert "Autopilot is not enabled" in detail


async def test_a_failed_create_writes_nothing(api: httpx.AsyncClient) -> None:
    person = {"EndUserFirstName": "Ada", "EndUserLastName": "B", "EndUserEmail": "ada@acme.com"}
    await rejected(
        api, {"TicketTitle": "t", "Description": "d", "TechnicianContactID": 9, **person}
    )
    assert (await api.get("/contacts", params={"Email": "ada@acme.com"})).json()["items"] == []


async def test_any_status_string_is_accepted_including_custom_ones(api: httpx.AsyncClient) -> None:
    ticket_id = await new_ticket(api, TicketStatus="Waiting on vendor")
    assert (await ticket(api, ticket_id))["TicketStatus"] == "Waiting on vendor"
    listed = await api.get("/tickets", params={"ticketStatus": "waiting on vendor"})
    assert ticket_id in [t["TicketID"] for t in listed.json()["items"]]


async def test_update_changes_only_what_is_sent_and_answers_the_action_id(
    api: httpx.AsyncClient,
) -> None:
    ticket_id = await new_ticket(api, TicketPriority="Low")
    response = await api.put(f"/tickets/{ticket_id}", json={"TicketTitle": "Printer fixed?"})
    assert response.status_code == 200
    assert response.json() == {"ActionID": str(ticket_id)}
    updated = await ticket(api, ticket_id)
    assert updated["TicketTitle"] == "Printer fixed?"
    assert updated["TicketPriority"] == "Low"


async def test_update_also_works_by_post(api: httpx.AsyncClient) -> None:
    ticket_id = await new_ticket(api)
    response = await api.post(f"/tickets/{ticket_id}", json={"TechnicianEmail": TECH_EMAIL})
    assert response.status_code == 200
    assert (await ticket(api, ticket_id))["TechnicianContactID"] == TECH_ID


async def test_a_priority_change_re_targets_the_sla(api: httpx.AsyncClient) -> None:
    ticket_id = await new_ticket(api, TicketPriority="Low")
    await api.put(f"/tickets/{ticket_id}", json={"TicketPriority": "High"})
    updated = await ticket(api, ticket_id)
    opened = utc(updated["TicketCreatedDate"])
    assert utc(updated["FirstResponseDueDate"]) - opened == timedelta(hours=4)


async def test_update_rejects_an_invalid_enum_and_changes_nothing(api: httpx.AsyncClient) -> None:
    ticket_id = await new_ticket(api)
    body = {"TicketTitle": "New title", "TicketType": "Outage"}
    response = await api.put(f"/tickets/{ticket_id}", json=body)
    assert response.status_code == 400
    assert "TicketType" in response.json()["detail"]
    assert (await ticket(api, ticket_id))["TicketTitle"] == "Printer jammed"


async def test_resolving_stamps_the_resolved_date_closing_keeps_it_reopening_clears_it(
    api: httpx.AsyncClient,
) -> None:
    ticket_id = await new_ticket(api)
    await api.put(f"/tickets/{ticket_id}", json={"TicketStatus": "Resolved"})
    resolved = (await ticket(api, ticket_id))["TicketResolvedDate"]
    assert resolved is not None
    await api.put(f"/tickets/{ticket_id}", json={"TicketStatus": "Closed"})
    assert (await ticket(api, ticket_id))["TicketResolvedDate"] == resolved
    await api.put(f"/tickets/{ticket_id}", json={"TicketStatus": "Open"})
    assert (await ticket(api, ticket_id))["TicketResolvedDate"] is None


async def test_transitions_are_not_enforced_by_the_api(api: httpx.AsyncClient) -> None:
    ticket_id = await new_ticket(api)
    response = await api.put(f"/tickets/{ticket_id}", json={"TicketStatus": "closed"})
    assert response.status_code == 200
    assert (await ticket(api, ticket_id))["TicketStatus"] == "Closed"


async def test_delete_answers_204_and_the_ticket_is_gone(api: httpx.AsyncClient) -> None:
    ticket_id = await new_ticket(api)
    response = await api.delete(f"/tickets/{ticket_id}")
    assert response.status_code == 204
    assert response.content == b""
    assert (await api.get(f"/tickets/{ticket_id}")).status_code == 404
    assert (await api.delete(f"/tickets/{ticket_id}")).status_code == 404


async def test_list_filters_by_customer_and_status(api: httpx.AsyncClient) -> None:
    params: dict[str, str | int] = {"customerId": 2, "ticketStatus": "Closed", "itemsInPage": 50}
    body = (await api.get("/tickets", params=params)).json()
    assert body["totalItemCount"] > 0
    assert {(t["CustomerID"], t["TicketStatus"]) for t in body["items"]} == {(2, "Closed")}


async def test_the_list_is_newest_first(api: httpx.AsyncClient) -> None:
    ids = [t["TicketID"] for t in (await api.get("/tickets")).json()["items"]]
    assert ids == sorted(ids, reverse=True)


async def test_last_modified_feed_is_ordered_by_modification_and_includes_writes(
    api: httpx.AsyncClient,
) -> None:
    first = await new_ticket(api)
    second = await new_ticket(api)
    await api.put(f"/tickets/{first}", json={"TicketStatus": "Pending"})
    body = (await api.get("/tickets/lastmodified", params={"date": "2026-06-15T00:00:00Z"})).json()
    ids = [t["TicketID"] for t in body["items"]]
    assert ids[-2:] == [second, first]  # the latest write comes last


async def test_last_modified_excludes_tickets_untouched_since_the_date(
    api: httpx.AsyncClient,
) -> None:
    ticket_id = await new_ticket(api)
    body = (await api.get("/tickets/lastmodified", params={"date": "2026-06-15T14:29:00Z"})).json()
    assert [t["TicketID"] for t in body["items"]][-1] == ticket_id
    everything = (await api.get("/tickets/lastmodified", params={"date": "2025-01-01"})).json()
    assert everything["totalItemCount"] == 301
    assert body["totalItemCount"] < 10


async def test_the_hidden_modified_stamp_never_appears_on_a_ticket(api: httpx.AsyncClient) -> None:
    ticket_id = await new_ticket(api)
    for body in (
        await ticket(api, ticket_id),
        (await api.get("/tickets/lastmodified")).json()["items"][-1],
    ):
        assert not [key for key in body if "modified" in key.lower()]


async def test_a_bad_last_modified_date_is_400(api: httpx.AsyncClient) -> None:
    response = await api.get("/tickets/lastmodified", params={"date": "yesterday"})
    assert response.status_code == 400
    assert "date" in response.json()["detail"]


async def test_status_modified_lists_only_resolved_and_closed_tickets(
    api: httpx.AsyncClient,
) -> None:
    body = (await api.get("/tickets/statusmodified", params={"itemsInPage": 50})).json()
    assert {t["TicketStatus"] for t in body["items"]} <= {"Resolved", "Closed"}
    assert all(t["TicketResolvedDate"] for t in body["items"])


async def test_no_comments_lists_tickets_with_nothing_beyond_their_description(
    api: httpx.AsyncClient,
) -> None:
    quiet = await new_ticket(api)
    answered = await new_ticket(api)
    reply = {"CommentText": "On it.", "TechnicianCommentDetails": {"TechnicianId": TECH_ID}}
    await api.post(f"/tickets/{answered}/comments", json=reply)
    ids = [t["TicketID"] for t in (await api.get("/tickets/noComments")).json()["items"]]
    assert quiet in ids
    assert answered not in ids
