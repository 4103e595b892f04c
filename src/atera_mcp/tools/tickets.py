"""Ticket tools: get_ticket, create_ticket, update_ticket, link_tickets."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field

from atera_mcp.domain.views import TicketDetail, ToolResult, View, ticket_detail
from atera_mcp.domain.wire import (
    ContactDto,
    CreateContactRequest,
    CreateTicketModel,
    TicketDto,
    UpdateTicketModel,
)
from atera_mcp.errors import NotFoundError, RuleError
from atera_mcp.tools.comments import CommentView, comment_views
from atera_mcp.tools.common import load_ticket, record_thread
from atera_mcp.tools.concurrency import gather
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.params import (
    AteraId,
    CustomerId,
    ImpactParam,
    PriorityParam,
    StatusName,
    TechnicianEmail,
    TechnicianId,
    TicketId,
    TypeParam,
)
from atera_mcp.tools.time import TimeTotals, time_totals

DUPLICATE_WINDOW = timedelta(hours=24)
OPEN_SCAN_LIMIT = 500


class GetTicketResult(ToolResult):
    ticket: TicketDetail
    comments: list[CommentView] | None = Field(None, description="Newest first, when asked")
    time: TimeTotals | None = Field(None, description="Work-hour totals, when asked")

    def summary(self) -> str:
        t = self.ticket
        parts = [t.line(), f"End user: {t.end_user.name if t.end_user else 'none'}"]
        if self.comments is not None:
            parts.append(f"{len(self.comments)} comments")
        if self.time is not None:
            parts.append(self.time.line())
        return "\n".join(parts)


class CreateTicketResult(ToolResult):
    ticket: TicketDetail
    contact_created: bool = Field(description="True when a new contact was created first")

    def summary(self) -> str:
        made = " (new contact created)" if self.contact_created else ""
        return f"Created ticket {self.ticket.line()}{made}"


class FieldChange(View):
    field: str
    before: str | None
    after: str | None


class UpdateTicketResult(ToolResult):
    ticket: TicketDetail
    changes: list[FieldChange] = Field(description="Previous and new values of what changed")

    def summary(self) -> str:
        if not self.changes:
            return f"No change needed: {self.ticket.line()}"
        done = "; ".join(f"{c.field}: {c.before} -> {c.after}" for c in self.changes)
        return f"Updated #{self.ticket.ticket_id}: {done}"


class LinkTicketsResult(ToolResult):
    ticket_id: int
    related_ticket_id: int
    relation: Literal["parent", "child"]

    def summary(self) -> str:
        return f"Ticket #{self.ticket_id} is now the {self.relation} of #{self.related_ticket_id}"


async def get_ticket(
    ctx: ToolContext,
    ticket_id: TicketId,
    include_comments: Annotated[bool, Field(description="Add the comments, newest first")] = False,
    include_time: Annotated[bool, Field(description="Add the work-hour totals")] = False,
) -> GetTicketResult:
    """One ticket in full (description, SLA dates, last replies), optionally with its comments
    and time totals. Use search_tickets when you have no id."""
    result: dict[str, object] = {}

    async def comments() -> None:
        found = await ctx.atera.list_comments(ticket_id, max_items=200)
        await record_thread(ctx, ticket_id, found)
        result["comments"] = comment_views(found.items, include_internal=True)[:20]

    async def time() -> None:
        result["time"] = time_totals(await ctx.atera.work_hours_summary(ticket_id))

    dto = await load_ticket(ctx, ticket_id)
    await gather(*(f for f, asked in ((comments, include_comments), (time, include_time)) if asked))
    return GetTicketResult.model_validate(
        {"ticket": ticket_detail(dto, ctx.rules, ctx.now()), **result}
    )


def _same_title(a: str | None, b: str) -> bool:
    return " ".join((a or "").split()).casefold() == " ".join(b.split()).casefold()


async def _resolve_end_user(
    ctx: ToolContext,
    end_user_id: int | None,
    email: str | None,
    first_name: str | None,
    last_name: str | None,
    customer_id: int | None,
) -> tuple[ContactDto, bool]:
    """The contact the ticket is for, creating it under `customer_id` when it is new."""
    if end_user_id is not None:
        try:
            return await ctx.atera.get_contact(end_user_id), False
        except NotFoundError:
            raise RuleError(
                f"Contact {end_user_id} was not found. Use find_contacts to look the person up."
            ) from None
    if not email:
        raise RuleError("Give the end user as end_user_id or end_user_email.")
    found = await ctx.atera.find_contacts(email=email, max_items=50)
    exact = [c for c in found.items if (c.email or "").casefold() == email.casefold()]
    if exact:
        return exact[0], False
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
    new_id = await ctx.atera.create_contact(
        CreateContactRequest(
            email=email, customer_id=customer_id, firstname=first_name, lastname=last_name
        )
    )
    contact = ContactDto(
        end_user_id=new_id,
        customer_id=customer_id,
        customer_name=customer.customer_name,
        firstname=first_name,
        lastname=last_name,
        email=email,
    )
    return contact, True


async def _find_duplicate(ctx: ToolContext, contact: ContactDto, title: str) -> TicketDto | None:
    """An unresolved ticket with this title for this end user, created in the last 24 hours."""
    since = ctx.now() - DUPLICATE_WINDOW
    for status in ("Open", "Pending"):
        found = await ctx.atera.list_tickets(
            customer_id=contact.customer_id, status=status, max_items=OPEN_SCAN_LIMIT
        )
        for t in found.items:
            if (
                t.end_user_id == contact.end_user_id
                and _same_title(t.ticket_title, title)
                and t.ticket_created_date is not None
                and t.ticket_created_date >= since
            ):
                return t
    return None


async def create_ticket(
    ctx: ToolContext,
    title: Annotated[str, Field(min_length=3, max_length=200, description="Atera TicketTitle")],
    description: Annotated[
        str, Field(min_length=1, max_length=20000, description="Atera Description")
    ],
    priority: PriorityParam = "Medium",
    type: TypeParam = "Problem",
    impact: ImpactParam | None = None,
    end_user_id: Annotated[AteraId | None, Field(description="Atera EndUserID")] = None,
    end_user_email: Annotated[
        str | None,
        Field(
            pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
            max_length=254,
            description="Atera EndUserEmail, when the id is not known",
        ),
    ] = None,
    end_user_first_name: Annotated[
        str | None, Field(max_length=100, description="Atera Firstname, for a new contact")
    ] = None,
    end_user_last_name: Annotated[
        str | None, Field(max_length=100, description="Atera Lastname, for a new contact")
    ] = None,
    customer_id: Annotated[
        CustomerId, Field(description="Atera CustomerID, for a new contact")
    ] = None,
    technician_id: TechnicianId = None,
    technician_email: TechnicianEmail = None,
    allow_duplicate: Annotated[
        bool, Field(description="Create even if the same open ticket exists from <24 h ago")
    ] = False,
) -> CreateTicketResult:
    """Open a ticket for an end user; find the contact first (find_contacts). Priority:
    Critical=outage, High=many users, Medium=one user, Low=minor. Refuses an unknown contact or
    technician and a duplicate of an open ticket from the last 24 h."""
    if end_user_id is not None and end_user_email:
        raise RuleError("Give either end_user_id or end_user_email, not both.")
    technician = (
        ctx.technician(technician_id, technician_email, role="technician")
        if technician_id is not None or technician_email
        else None
    )
    contact, created = await _resolve_end_user(
        ctx, end_user_id, end_user_email, end_user_first_name, end_user_last_name, customer_id
    )
    if not allow_duplicate:
        duplicate = await _find_duplicate(ctx, contact, title)
        if duplicate is not None:
            raise RuleError(
                f"Ticket {duplicate.ticket_id} '{duplicate.ticket_title}' for this end user is "
                f"still {duplicate.ticket_status} and was opened in the last 24 hours. Update "
                "it instead, or pass allow_duplicate=true to open another."
            )
    fields: dict[str, object] = {
        "TicketTitle": title.strip(),
        "Description": description,
        "TicketPriority": priority,
        "TicketType": type,
        "EndUserID": contact.end_user_id,
    }
    if impact is not None:
        fields["TicketImpact"] = impact
    if technician is not None:
        fields["TechnicianContactID"] = technician.id
    sent = ctx.now()
    new_id = await ctx.atera.create_ticket(CreateTicketModel.model_validate(fields))
    dto = await load_ticket(ctx, new_id, written_at=sent)
    return CreateTicketResult(
        ticket=ticket_detail(dto, ctx.rules, ctx.now()), contact_created=created
    )


async def update_ticket(
    ctx: ToolContext,
    ticket_id: TicketId,
    status: Annotated[
        StatusName | None,
        Field(description="Atera TicketStatus: Open, Pending, Resolved, Closed"),
    ] = None,
    priority: PriorityParam | None = None,
    type: TypeParam | None = None,
    impact: ImpactParam | None = None,
    title: Annotated[
        str | None, Field(min_length=3, max_length=200, description="Atera TicketTitle")
    ] = None,
    technician_id: TechnicianId = None,
    technician_email: TechnicianEmail = None,
) -> UpdateTicketResult:
    """Change status, priority, type, impact, title or technician; only changes are sent.
    Status moves: Open->Pending/Resolved, Pending->any, Resolved->Open/Closed, Closed is final."""
    dto = await load_ticket(ctx, ticket_id)
    current = dto.ticket_status or "Open"
    transition = ctx.rules.check(ticket_id, current, status) if status is not None else None
    others = (priority, type, impact, title, technician_id, technician_email)
    if ctx.rules.base_of(current) == "Closed" and any(v is not None for v in others):
        raise RuleError(
            f"Ticket {ticket_id} is Closed, which is final; it cannot be changed. "
            "Create a new ticket and link it instead."
        )
    wire: dict[str, object] = {}
    changes: list[FieldChange] = []

    def change(name: str, alias: str, before: str | None, after: str | int | None) -> None:
        if after is None or str(after) == (before or ""):
            return
        wire[alias] = after
        changes.append(FieldChange(field=name, before=before, after=str(after)))

    if transition is not None and transition.changes:
        change("status", "TicketStatus", current, transition.target)
    change("priority", "TicketPriority", dto.ticket_priority, priority)
    change("type", "TicketType", dto.ticket_type, type)
    change("impact", "TicketImpact", dto.ticket_impact, impact)
    change("title", "TicketTitle", dto.ticket_title, title.strip() if title else None)
    if technician_id is not None or technician_email:
        tech = ctx.technician(technician_id, technician_email, role="technician")
        if tech.id != dto.technician_contact_id:
            wire["TechnicianContactID"] = tech.id
            changes.append(
                FieldChange(field="technician", before=dto.technician_full_name, after=tech.name)
            )
    if wire:
        sent = ctx.now()
        await ctx.atera.update_ticket(ticket_id, UpdateTicketModel.model_validate(wire))
        dto = await load_ticket(ctx, ticket_id, written_at=sent)
    return UpdateTicketResult(ticket=ticket_detail(dto, ctx.rules, ctx.now()), changes=changes)


async def link_tickets(
    ctx: ToolContext,
    ticket_id: TicketId,
    related_ticket_id: Annotated[AteraId, Field(description="Atera RelatedTicketId")],
    relation: Annotated[
        Literal["parent", "child"],
        Field(description="What ticket_id becomes: parent or child of related_ticket_id"),
    ],
) -> LinkTicketsResult:
    """Relate two tickets, e.g. make each user's report a child of the outage ticket.

    Both tickets must exist. Sets Atera's RelationType on ticket_id."""
    if ticket_id == related_ticket_id:
        raise RuleError("A ticket cannot be linked to itself; give two different ticket ids.")
    await load_ticket(ctx, ticket_id)
    await load_ticket(ctx, related_ticket_id)
    await ctx.atera.add_relation(
        ticket_id, related_ticket_id, "Parent" if relation == "parent" else "Child"
    )
    return LinkTicketsResult(
        ticket_id=ticket_id, related_ticket_id=related_ticket_id, relation=relation
    )
