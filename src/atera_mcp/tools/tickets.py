"""Ticket tools: get_ticket, create_ticket, update_ticket, link_tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from atera_mcp.domain.directory import Technician
from atera_mcp.domain.views import TicketDetail, View, ticket_detail
from atera_mcp.domain.wire import (
    ContactDto,
    CreateTicketModel,
    TicketDto,
    UpdateTicketModel,
)
from atera_mcp.errors import AteraError, RuleError, WriteInProgress
from atera_mcp.tools.common import load_ticket
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.params import (
    SHORT_TEXT_CAP,
    AteraId,
    CustomerId,
    EmailAddress,
    ImpactParam,
    PriorityParam,
    StatusName,
    TechnicianEmail,
    TechnicianId,
    TicketId,
    TypeParam,
)
from atera_mcp.tools.settle import Settled, WriteResult, settle
from atera_mcp.tools.ticket_guards import send_ticket
from atera_mcp.tools.ticket_steps import (
    applied,
    as_applied,
    changed,
    contact_lock,
    is_child_of,
    resolve_end_user,
)


class CreateTicketResult(WriteResult):
    ticket: TicketDetail
    contact_created: bool = Field(description="True when a new contact was created first")

    def summary(self) -> str:
        made = " (new contact created)" if self.contact_created else ""
        return self.with_note(f"Created ticket {self.ticket.line()}{made}")

    def audit_ids(self) -> dict[str, object]:
        end_user = self.ticket.end_user
        return {
            "ticket_id": self.ticket.ticket_id,
            "end_user_id": end_user.id if end_user else None,
            "contact_created": self.contact_created,
        }


class FieldChange(View):
    field: str
    before: str | None
    after: str | None


class UpdateTicketResult(WriteResult):
    ticket: TicketDetail
    changes: list[FieldChange] = Field(description="Previous and new values of what changed")

    def summary(self) -> str:
        if not self.changes:
            return f"No change needed: {self.ticket.line()}"
        done = "; ".join(f"{c.field}: {c.before} -> {c.after}" for c in self.changes)
        return self.with_note(f"Updated #{self.ticket.ticket_id}: {done}")

    def audit_ids(self) -> dict[str, object]:
        return {"ticket_id": self.ticket.ticket_id, "fields": [c.field for c in self.changes]}


class LinkTicketsResult(WriteResult):
    ticket_id: int
    related_ticket_id: int
    relation: Literal["parent", "child"]

    def summary(self) -> str:
        return self.with_note(
            f"Ticket #{self.ticket_id} is now the {self.relation} of #{self.related_ticket_id}"
        )

    def audit_ids(self) -> dict[str, object]:
        return {
            "ticket_id": self.ticket_id,
            "related_ticket_id": self.related_ticket_id,
            "relation": self.relation,
        }


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
    end_user_email: Annotated[EmailAddress | None, Field(description="Atera EndUserEmail")] = None,
    end_user_first_name: Annotated[
        str | None,
        Field(max_length=SHORT_TEXT_CAP, description="Atera Firstname, for a new contact"),
    ] = None,
    end_user_last_name: Annotated[
        str | None,
        Field(max_length=SHORT_TEXT_CAP, description="Atera Lastname, for a new contact"),
    ] = None,
    customer_id: Annotated[
        CustomerId, Field(description="Atera CustomerID, for a new contact")
    ] = None,
    technician_id: TechnicianId = None,
    technician_email: TechnicianEmail = None,
    allow_duplicate: bool = False,
) -> CreateTicketResult:
    """Open a ticket for an end user (find_contacts first). Priority: Critical=outage, High=many
    users, Medium=one user, Low=minor. Refuses an unknown contact or technician, or a repeat of an
    open ticket from the last 24 h (allow_duplicate)."""
    if end_user_id is not None and end_user_email:
        raise RuleError("Give either end_user_id or end_user_email, not both.")
    technician = (
        ctx.technician(technician_id, technician_email, role="technician")
        if technician_id is not None or technician_email
        else None
    )
    # One email makes one contact: concurrent calls (here or on other replicas) for a new
    # person wait here, and the later ones find the contact and the first one's ticket.
    async with contact_lock(ctx, end_user_id, end_user_email):
        contact, contact_write = await resolve_end_user(
            ctx, end_user_id, end_user_email, end_user_first_name, end_user_last_name, customer_id
        )
        body = CreateTicketModel(
            ticket_title=title.strip(),
            description=description,
            ticket_priority=priority,
            ticket_type=type,
            ticket_impact=impact,
            end_user_id=contact.end_user_id,
            technician_contact_id=technician.id if technician is not None else None,
        )
        try:
            # A contact created just now has no tickets: nothing to check, and no read may fail
            # between writing the contact and writing the ticket.
            sent = await send_ticket(
                ctx, body, contact, check=not allow_duplicate, new_contact=contact_write is not None
            )
        except (AteraError, WriteInProgress) as exc:
            if contact_write is None:
                raise
            # The contact is written and stays, whether the ticket's send failed or its lock
            # (shared through Redis with other replicas) could not be had: say so, so a retry
            # knows it will be reused.
            raise exc.after(
                f"Contact {contact.end_user_id} ({contact.email}) was created, but the ticket "
                "was not."
            ) from None
    created, sent_at = sent.settled, sent.at
    result = await _created(ctx, created.value, body, contact, technician, contact_write, sent_at)
    result.noting(sent.partial)
    if contact_write is not None:
        result.settled_by(contact_write, part="contact")
    return result.settled_by(created)


async def _created(
    ctx: ToolContext,
    ticket_id: int,
    body: CreateTicketModel,
    contact: ContactDto,
    technician: Technician | None,
    contact_write: Settled[int] | None,
    sent_at: datetime,
) -> CreateTicketResult:
    """The new ticket as read back, or as sent when reading it back fails."""
    made = contact_write is not None
    try:
        dto = await load_ticket(ctx, ticket_id, written_at=sent_at)
    except AteraError as exc:
        sent = TicketDto(
            ticket_id=ticket_id,
            ticket_title=body.ticket_title,
            first_comment=body.description,
            ticket_priority=body.ticket_priority,
            ticket_type=body.ticket_type,
            ticket_impact=body.ticket_impact,
            ticket_status="Open",
            end_user_id=contact.end_user_id,
            end_user_email=contact.email,
            end_user_first_name=contact.firstname,
            end_user_last_name=contact.lastname,
            customer_id=contact.customer_id,
            customer_name=contact.customer_name,
            technician_contact_id=technician.id if technician else None,
            technician_full_name=technician.name if technician else None,
            technician_email=technician.email if technician else None,
        )
        detail = ticket_detail(sent, ctx.rules, ctx.now())
        return CreateTicketResult(ticket=detail, contact_created=made).not_read_back(
            exc, f"ticket {ticket_id}"
        )
    detail = ticket_detail(dto, ctx.rules, ctx.now())
    return CreateTicketResult(ticket=detail, contact_created=made)


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
    """Change a ticket's fields. Status moves: Open->Pending/Resolved, Pending->any,
    Resolved->Open/Closed, Closed is final."""
    dto = await load_ticket(ctx, ticket_id)
    current = dto.ticket_status or "Open"
    transition = ctx.rules.check(ticket_id, current, status) if status is not None else None
    others = (priority, type, impact, title, technician_id, technician_email)
    if ctx.rules.base_of(current) == "Closed" and any(v is not None for v in others):
        raise RuleError(
            f"Ticket {ticket_id} is Closed, which is final; it cannot be changed. "
            "Create a new ticket and link it instead."
        )
    tech = (
        ctx.technician(technician_id, technician_email, role="technician")
        if technician_id is not None or technician_email
        else None
    )
    body = UpdateTicketModel(
        ticket_status=changed(
            current, transition.target if transition and transition.changes else None
        ),
        ticket_priority=changed(dto.ticket_priority, priority),
        ticket_type=changed(dto.ticket_type, type),
        ticket_impact=changed(dto.ticket_impact, impact),
        ticket_title=changed(dto.ticket_title, title.strip() if title else None),
        technician_contact_id=changed(dto.technician_contact_id, tech.id if tech else None),
    )
    changes = [
        FieldChange(field=name, before=before, after=after)
        for name, before, after in (
            ("status", current, body.ticket_status),
            ("priority", dto.ticket_priority, body.ticket_priority),
            ("type", dto.ticket_type, body.ticket_type),
            ("impact", dto.ticket_impact, body.ticket_impact),
            ("title", dto.ticket_title, body.ticket_title),
            ("technician", dto.technician_full_name, tech.name if tech else None),
        )
        if after is not None and (name != "technician" or body.technician_contact_id)
    ]
    if not changes:
        detail = ticket_detail(dto, ctx.rules, ctx.now())
        return UpdateTicketResult(ticket=detail, changes=[]).nothing_sent()
    # A PUT is idempotent: the client replays it after a lost answer or a gateway error. When
    # those run out, or Atera answers a 500 (perhaps after committing), it is settled: applied
    # already, or sent once more.
    sent_at = ctx.now()

    async def send() -> bool:
        await ctx.atera.update_ticket(ticket_id, body)
        return True

    async def find() -> bool | None:
        return True if applied(body, await ctx.atera.get_ticket(ticket_id)) else None

    settled = await settle(send, find, what="the update")
    try:
        dto = await load_ticket(ctx, ticket_id, written_at=sent_at)
    except AteraError as exc:
        sent = dto.model_copy(update=as_applied(body, tech))
        result = UpdateTicketResult(
            ticket=ticket_detail(sent, ctx.rules, ctx.now()), changes=changes
        )
        return result.not_read_back(exc, f"ticket {ticket_id}").settled_by(settled)
    result = UpdateTicketResult(ticket=ticket_detail(dto, ctx.rules, ctx.now()), changes=changes)
    return result.settled_by(settled)


async def link_tickets(
    ctx: ToolContext,
    ticket_id: TicketId,
    related_ticket_id: Annotated[AteraId, Field(description="Atera RelatedTicketId")],
    relation: Annotated[
        Literal["parent", "child"],
        Field(description="Atera RelationType: what ticket_id becomes"),
    ],
) -> LinkTicketsResult:
    """Relate two tickets, e.g. each user's report as a child of the outage ticket."""
    if ticket_id == related_ticket_id:
        raise RuleError("A ticket cannot be linked to itself; give two different ticket ids.")
    first = await load_ticket(ctx, ticket_id, include_relations=True)
    second = await load_ticket(ctx, related_ticket_id, include_relations=True)
    parent, child = (first, second) if relation == "parent" else (second, first)
    result = LinkTicketsResult(
        ticket_id=ticket_id, related_ticket_id=related_ticket_id, relation=relation
    )
    if is_child_of(child, parent.ticket_id):
        return result.nothing_sent("They were already linked this way; nothing was sent.")

    async def send() -> bool:
        await ctx.atera.add_relation(
            ticket_id, related_ticket_id, "Parent" if relation == "parent" else "Child"
        )
        return True

    async def find() -> bool | None:
        now = await ctx.atera.get_ticket(child.ticket_id, include_relations=True)
        return True if is_child_of(now, parent.ticket_id) else None

    return result.settled_by(await settle(send, find, what="the link"))
