"""The steps behind the ticket write tools: finding or creating the end user, what an update
changes, and how relations are read (the checks over the whole account: ticket_guards.py).
Kept apart from `tickets.py` so that module stays the tools and their results."""

from __future__ import annotations

import contextlib
from contextlib import AbstractAsyncContextManager
from typing import TypeVar

from atera_mcp.domain.directory import Technician
from atera_mcp.domain.wire import ContactDto, CreateContactRequest, TicketDto, UpdateTicketModel
from atera_mcp.errors import NotFoundError, RuleError
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.settle import Settled, settle

V = TypeVar("V", bound=str | int)


def folded(title: str | None) -> str:
    """A title as duplicates are compared: case and runs of whitespace ignored."""
    return " ".join((title or "").split()).casefold()


def same_title(a: str | None, b: str) -> bool:
    """Titles equal ignoring case and runs of whitespace."""
    return folded(a) == folded(b)


async def contact_by_email(ctx: ToolContext, email: str) -> ContactDto | None:
    """The contact with exactly this email (Atera's filter only says "contains")."""
    found = await ctx.atera.find_contacts(email=email, max_items=50)
    exact = [c for c in found.items if (c.email or "").casefold() == email.casefold()]
    return exact[0] if exact else None


def contact_lock(
    ctx: ToolContext, end_user_id: int | None, email: str | None
) -> AbstractAsyncContextManager[None]:
    """The write lock of the end user a ticket is made for by email (Redis-held across
    replicas when configured): held from looking the contact up, through creating it, to the
    ticket's duplicate check and send. Nothing to hold for an end user given by id."""
    if end_user_id is not None or not email:
        return contextlib.nullcontext()
    return ctx.write_locks.hold(("contact", email.strip().casefold()))


async def resolve_end_user(
    ctx: ToolContext,
    end_user_id: int | None,
    email: str | None,
    first_name: str | None,
    last_name: str | None,
    customer_id: int | None,
) -> tuple[ContactDto, Settled[int] | None]:
    """The contact the ticket is for, creating it under `customer_id` when it is new (the
    second value then says how that write went)."""
    if end_user_id is not None:
        try:
            return await ctx.atera.get_contact(end_user_id), None
        except NotFoundError:
            raise RuleError(
                f"Contact {end_user_id} was not found. Use find_contacts to look the person up."
            ) from None
    if not email:
        raise RuleError("Give the end user as end_user_id or end_user_email.")
    existing = await contact_by_email(ctx, email)
    if existing is not None:
        return existing, None
    if not (first_name and last_name and customer_id):
        raise RuleError(
            f"No contact has the email {email}. To create one, also pass end_user_first_name, "
            "end_user_last_name and customer_id (see find_customers)."
        )
    try:
        customer = await ctx.atera.get_customer(customer_id)
    except NotFoundError:
        raise RuleError(
            f"Customer {customer_id} was not found. Use find_customers to get its id."
        ) from None
    body = CreateContactRequest(
        email=email, customer_id=customer_id, firstname=first_name, lastname=last_name
    )

    async def find() -> int | None:
        # Nobody had this email a moment ago (checked above): whoever has it now is ours.
        found = await contact_by_email(ctx, email)
        return found.end_user_id if found is not None else None

    created = await settle(lambda: ctx.atera.create_contact(body), find, what="the contact")
    contact = ContactDto(
        end_user_id=created.value,
        customer_id=customer_id,
        customer_name=customer.customer_name,
        firstname=first_name,
        lastname=last_name,
        email=email,
    )
    if ctx.index is not None:
        await ctx.index.record_person(contact)
    return contact, created


def applied(body: UpdateTicketModel, ticket: TicketDto) -> bool:
    """Whether every field the update sends already holds the value sent."""
    sent = body.model_dump(by_alias=False, exclude_none=True)
    return all(getattr(ticket, name) == value for name, value in sent.items())


def changed(before: str | int | None, after: V | None) -> V | None:
    """`after` when it differs from `before`; None (nothing to send) when it is the same."""
    if after is None or str(after) == ("" if before is None else str(before)):
        return None
    return after


def as_applied(body: UpdateTicketModel, tech: Technician | None) -> dict[str, object]:
    """The ticket fields an accepted update changed, for showing it when it cannot be read."""
    fields: dict[str, object] = body.model_dump(by_alias=False, exclude_none=True)
    if body.technician_contact_id is not None and tech is not None:
        fields["technician_full_name"] = tech.name
        fields["technician_email"] = tech.email
    return fields


def is_child_of(child: TicketDto, parent_id: int) -> bool:
    """Whether `child` (read with relations) is linked under `parent_id`.

    Checked on the child: it has one parent, while a parent lists only one of its children."""
    return child.relation_type == "Child" and child.related_ticket_id == parent_id
