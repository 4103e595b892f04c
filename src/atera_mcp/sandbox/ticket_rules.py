"""The server-side rules Atera applies when tickets are created, updated and deleted.

Atera checks what it must (required fields, who the end user and technician are) and nothing
more: any status string is accepted and no transition is refused. Policy such as "resolve
before closing" belongs to the MCP server, not to the API it talks to.
"""

from __future__ import annotations

import re
from datetime import datetime

from atera_mcp.domain.wire import CreateTicketModel, UpdateTicketModel
from atera_mcp.sandbox.problems import bad_request
from atera_mcp.sandbox.records import (
    Comment,
    Contact,
    SandboxTechnician,
    Ticket,
    apply_comment,
)
from atera_mcp.sandbox.sla import (
    BUILT_IN_STATUSES,
    RESOLVED_STATUSES,
    first_response_due,
    has_sla,
    resolution_due,
)
from atera_mcp.sandbox.store import SandboxStore

EMAIL = re.compile(r"[^@\s]+@([^@\s]+\.[^@\s]+)")


def create_ticket(store: SandboxStore, body: CreateTicketModel) -> Ticket:
    """POST /tickets. Every check runs before the first side effect (a new contact)."""
    title = required(body.ticket_title, "TicketTitle")
    description = required(body.description, "Description")
    tech = technician(store, body.technician_contact_id, body.technician_email)
    status = canonical_status(body.ticket_status) if body.ticket_status is not None else "Open"
    user = _end_user(store, body)
    now = store.now()
    priority = body.ticket_priority or "Medium"
    ticket = Ticket(
        id=store.new_ticket_id(),
        title=title,
        description=description,
        priority=priority,
        impact=body.ticket_impact or "NoImpact",
        status=status,
        type=body.ticket_type or "Problem",
        source="API",
        end_user_id=user.id,
        customer_id=user.customer_id,
        technician_id=tech.id if tech else None,
        created=now,
        first_response_due=now,
        closed_due=now,
        modified=now,
    )
    _set_due_dates(store, ticket)
    apply_comment(ticket, Comment(now, description, user.id, None, False))
    set_status(ticket, status, now)
    store.tickets[ticket.id] = ticket
    store.touch(ticket)
    return ticket


def update_ticket(store: SandboxStore, ticket: Ticket, body: UpdateTicketModel) -> None:
    """PUT/POST /tickets/{id}: only the fields sent change; validated before any is applied."""
    title = required(body.ticket_title, "TicketTitle") if body.ticket_title is not None else None
    status = canonical_status(body.ticket_status) if body.ticket_status is not None else None
    tech = technician(store, body.technician_contact_id, body.technician_email)
    now = store.now()
    if title is not None:
        ticket.title = title
    if body.ticket_type is not None:
        ticket.type = body.ticket_type
    if body.ticket_impact is not None:
        ticket.impact = body.ticket_impact
    if body.ticket_priority is not None and body.ticket_priority != ticket.priority:
        ticket.priority = body.ticket_priority
        _set_due_dates(store, ticket)
    if tech is not None:
        ticket.technician_id = tech.id
    if status is not None:
        set_status(ticket, status, now)
    store.touch(ticket)


def delete_ticket(store: SandboxStore, ticket: Ticket) -> None:
    """DELETE /tickets/{id}: the ticket goes, and so do its relations."""
    if ticket.parent_id is not None and (parent := store.tickets.get(ticket.parent_id)):
        parent.child_ids.remove(ticket.id)
        store.touch(parent)
    for child_id in ticket.child_ids:
        child = store.tickets[child_id]
        child.parent_id = None
        store.touch(child)
    del store.tickets[ticket.id]


def set_status(ticket: Ticket, status: str, now: datetime) -> None:
    """Apply a status; TicketResolvedDate follows it (kept through Closed, cleared on reopen)."""
    ticket.status = status
    if status in RESOLVED_STATUSES:
        ticket.resolved = ticket.resolved or now
    else:
        ticket.resolved = None


def canonical_status(value: str) -> str:
    """Any status is accepted (custom ones too); built-in names take their canonical case."""
    text = value.strip()
    if not text:
        raise bad_request("TicketStatus cannot be empty.", "TicketStatus")
    return next((s for s in BUILT_IN_STATUSES if s.lower() == text.lower()), text)


def required(value: str | None, field: str) -> str:
    if value is None or not value.strip():
        raise bad_request(f"{field} is required", field)
    return value


def technician(
    store: SandboxStore, contact_id: int | None, email: str | None
) -> SandboxTechnician | None:
    """The technician named by id and/or email; both must agree and be of this account."""
    if contact_id == -1:
        raise bad_request(
            "Autopilot is not enabled for this account (TechnicianContactID -1).",
            "TechnicianContactID",
        )
    by_id = by_email = None
    if contact_id is not None:
        by_id = store.technician_by_id(contact_id)
        if by_id is None:
            raise bad_request(
                f"TechnicianContactID {contact_id} is not a technician of this account.",
                "TechnicianContactID",
            )
    if email is not None and email.strip():
        by_email = store.technician_by_email(email)
        if by_email is None:
            raise bad_request(
                f"TechnicianEmail '{email}' is not a technician of this account.",
                "TechnicianEmail",
            )
    if by_id is not None and by_email is not None and by_id != by_email:
        raise bad_request(
            "TechnicianContactID and TechnicianEmail name different technicians.",
            "TechnicianEmail",
        )
    return by_id or by_email


def _end_user(store: SandboxStore, body: CreateTicketModel) -> Contact:
    if body.end_user_id is not None:
        found = store.contacts.get(body.end_user_id)
        if found is None:
            raise bad_request(
                f"EndUserID {body.end_user_id} does not match any contact.", "EndUserID"
            )
        return found
    given = {
        "EndUserFirstName": body.end_user_first_name,
        "EndUserLastName": body.end_user_last_name,
        "EndUserEmail": body.end_user_email,
    }
    missing = [name for name, value in given.items() if not (value and value.strip())]
    if len(missing) == len(given):
        raise bad_request(
            "An end user is required: pass EndUserID, or EndUserFirstName, EndUserLastName "
            "and EndUserEmail.",
            "EndUserID",
        )
    if missing:
        raise bad_request(f"{missing[0]} is required to create a new end user.", missing[0])
    email = (body.end_user_email or "").strip()
    match = EMAIL.fullmatch(email)
    if match is None:
        raise bad_request(f"EndUserEmail '{email}' is not a valid email address.", "EndUserEmail")
    existing = store.contact_by_email(email)
    if existing is not None:
        return existing
    customer = store.customer_by_domain(match.group(1))
    if customer is None:
        raise bad_request(
            f"Could not determine the customer for EndUserEmail '{email}': no customer has "
            f"the domain '{match.group(1)}'. Create the contact first (POST /contacts) and "
            "pass its EndUserID.",
            "EndUserEmail",
        )
    now = store.now()
    contact = Contact(
        id=store.new_contact_id(),
        customer_id=customer.id,
        first_name=(body.end_user_first_name or "").strip(),
        last_name=(body.end_user_last_name or "").strip(),
        email=email,
        phone=body.end_user_phone,
        mobile_phone=None,
        job_title=None,
        is_contact_person=False,
        created_on=now,
        last_modified=now,
    )
    store.contacts[contact.id] = contact
    return contact


def _set_due_dates(store: SandboxStore, ticket: Ticket) -> None:
    # SLA targets run from creation; a priority change re-targets them.
    if not has_sla(store.customers.get(ticket.customer_id)):
        ticket.first_response_due = ticket.closed_due = None
        return
    ticket.first_response_due = first_response_due(ticket.created, ticket.priority)
    ticket.closed_due = resolution_due(ticket.created, ticket.priority)
