"""Server-side rules for what is added to tickets (comments, time, relations) and contacts."""

from __future__ import annotations

import bisect

from atera_mcp.domain.wire import (
    AddCommentToTicketModel,
    AddTicketRelationModel,
    CreateContactRequest,
    CreateWorkHoursModel,
)
from atera_mcp.sandbox.problems import bad_request
from atera_mcp.sandbox.records import RATES, Comment, Contact, Ticket, WorkEntry, apply_comment
from atera_mcp.sandbox.store import SandboxStore
from atera_mcp.sandbox.ticket_rules import EMAIL, required, technician

RELATION_KINDS = ("Parent", "Child")


def add_comment(store: SandboxStore, ticket: Ticket, body: AddCommentToTicketModel) -> int:
    """POST /tickets/{id}/comments; answers the new comment's action id."""
    text = required(body.comment_text, "CommentText")
    # The wire model already refused a body with no author or with both.
    by_tech, by_user = body.technician_comment_details, body.enduser_comment_details
    at = body.comment_timestamp_utc or store.now()
    if by_tech is not None:
        tech = store.technician_by_id(by_tech.technician_id)
        if tech is None and by_tech.technician_email:
            tech = store.technician_by_email(by_tech.technician_email)
        if tech is None:
            raise bad_request(
                f"TechnicianId {by_tech.technician_id} is not a technician of this account.",
                "TechnicianCommentDetails.TechnicianId",
            )
        comment = Comment(at, text, None, tech.id, by_tech.is_internal)
    else:
        assert by_user is not None
        if by_user.enduser_id not in store.contacts:
            raise bad_request(
                f"EnduserId {by_user.enduser_id} does not match any contact.",
                "EnduserCommentDetails.EnduserId",
            )
        # An end user's comment is always public.
        comment = Comment(at, text, by_user.enduser_id, None, False)
    apply_comment(ticket, comment)
    store.touch(ticket)
    return store.new_comment_id()


def add_work_hours(store: SandboxStore, ticket: Ticket, body: CreateWorkHoursModel) -> WorkEntry:
    """POST /tickets/{id}/workhours. Entries can never be edited, so check everything first."""
    if body.start_work_hour >= body.end_work_hour:
        raise bad_request("StartWorkHour must be before EndWorkHour.", "EndWorkHour")
    tech = technician(store, body.technician_contact_id, body.technician_email)
    if tech is None:
        raise bad_request(
            "TechnicianContactID or TechnicianEmail is required.", "TechnicianContactID"
        )
    if body.rate_id is not None and body.rate_id not in RATES:
        raise bad_request(f"RateID {body.rate_id} does not match any rate.", "RateID")
    entry = WorkEntry(
        id=store.new_work_id(),
        ticket_id=ticket.id,
        start=body.start_work_hour,
        end=body.end_work_hour,
        technician_id=tech.id,
        billable=body.billiable,
        on_site=body.on_customer_site,
        description=body.description,
        rate_id=body.rate_id,
    )
    bisect.insort_right(ticket.work, entry, key=lambda e: e.start)
    store.touch(ticket)
    return entry


def add_relation(store: SandboxStore, ticket: Ticket, body: AddTicketRelationModel) -> None:
    """POST /tickets/{id}/relations. RelationType is the role of ticket {id} itself."""
    if body.relation_type not in RELATION_KINDS:
        raise bad_request("RelationType must be Parent or Child.", "RelationType")
    if body.related_ticket_id == ticket.id:
        raise bad_request("A ticket cannot be related to itself.", "RelatedTicketId")
    related = store.tickets.get(body.related_ticket_id)
    if related is None:
        raise bad_request(
            f"RelatedTicketId {body.related_ticket_id} does not match any ticket.",
            "RelatedTicketId",
        )
    parent, child = (ticket, related) if body.relation_type == "Parent" else (related, ticket)
    # One level only: a child has one parent and no children of its own.
    if child.parent_id is not None:
        problem = f"Ticket {child.id} already has a parent ticket ({child.parent_id})."
    elif child.child_ids:
        problem = f"Ticket {child.id} has child tickets and cannot become a child."
    elif parent.parent_id is not None:
        problem = f"Ticket {parent.id} is a child ticket and cannot have children."
    else:
        child.parent_id = parent.id
        parent.child_ids.append(child.id)
        store.touch(parent)
        store.touch(child)
        return
    raise bad_request(problem, "RelatedTicketId")


def remove_relation(store: SandboxStore, ticket: Ticket, relation_type: str) -> None:
    """DELETE /tickets/{id}/relations/{relationType}: Child detaches {id} from its parent,
    Parent detaches all of {id}'s children."""
    kind = next((k for k in RELATION_KINDS if k.lower() == relation_type.lower()), None)
    if kind is None:
        raise bad_request(
            f"The value '{relation_type}' is not valid for relationType: use Parent or Child.",
            "relationType",
        )
    if kind == "Child" and ticket.parent_id is not None:
        parent = store.tickets[ticket.parent_id]
        parent.child_ids.remove(ticket.id)
        ticket.parent_id = None
        store.touch(parent)
    elif kind == "Parent" and ticket.child_ids:
        for child_id in ticket.child_ids:
            store.tickets[child_id].parent_id = None
            store.touch(store.tickets[child_id])
        ticket.child_ids.clear()
    else:
        raise bad_request(f"Ticket {ticket.id} has no {kind} relation.", "relationType")
    store.touch(ticket)


def create_contact(store: SandboxStore, body: CreateContactRequest) -> Contact:
    """POST /contacts: Email required; CustomerID or CustomerName must name a customer."""
    email = required(body.email, "Email").strip()
    if EMAIL.fullmatch(email) is None:
        raise bad_request(f"Email '{email}' is not a valid email address.", "Email")
    if body.customer_id is not None:
        customer = store.customers.get(body.customer_id)
        if customer is None:
            raise bad_request(
                f"CustomerID {body.customer_id} does not match any customer.", "CustomerID"
            )
    elif body.customer_name and body.customer_name.strip():
        customer = store.customer_by_name(body.customer_name)
        if customer is None:
            raise bad_request(
                f"CustomerName '{body.customer_name}' does not match any customer.",
                "CustomerName",
            )
    else:
        raise bad_request("CustomerID or CustomerName is required.", "CustomerID")
    now = store.now()
    contact = Contact(
        id=store.new_contact_id(),
        customer_id=customer.id,
        first_name=body.firstname,
        last_name=body.lastname,
        email=email,
        phone=body.phone,
        mobile_phone=body.mobile_phone,
        job_title=body.job_title,
        is_contact_person=bool(body.is_contact_person),
        created_on=now,
        last_modified=now,
    )
    store.contacts[contact.id] = contact
    return contact
