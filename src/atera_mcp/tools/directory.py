"""Directory tools: find_customers, find_contacts, list_technicians.

Atera filters customers by nothing and contacts only by Email/Phone (contains), and has no
technician endpoint at all; so names are matched here over a bounded walk, and technicians come
from configuration plus what reads reveal.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field

from atera_mcp.domain.text import clean_text, count
from atera_mcp.domain.views import Ref, ToolResult, View
from atera_mcp.domain.wire import ContactDto, CustomerDto
from atera_mcp.errors import NotFoundError, RuleError
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.directory_index import (
    contacts_from_index,
    customer_known,
    customers_from_index,
    rank,
)
from atera_mcp.tools.params import SHORT_TEXT_CAP, CustomerId, Limit

CUSTOMER_SCAN = 1000  # customers read per find_customers, at most
CONTACT_SCAN = 2000  # contacts read per find_contacts, at most
TECHNICIAN_WARMUP = 50  # newest tickets read when no technician has been seen yet
_WORD = re.compile(r"\w+")


class CustomerView(View):
    id: int | None = Field(description="Atera CustomerID")
    name: str
    domain: str | None = None
    phone: str | None = None


class FindCustomersResult(ToolResult):
    customers: list[CustomerView]
    total: int = Field(description="Matches among the customers read")
    complete: bool = Field(description="False when not every customer could be read")

    def summary(self) -> str:
        shown = ", ".join(f"{c.name} ({c.id})" for c in self.customers)
        return f"{count(self.total, 'customer')} match" + (f": {shown}" if shown else "")


class ContactView(View):
    id: int | None = Field(description="Atera EndUserID")
    name: str
    email: str | None = None
    phone: str | None = None
    customer: Ref
    job_title: str | None = None


class FindContactsResult(ToolResult):
    contacts: list[ContactView]
    total: int = Field(description="Matches among the contacts read")
    complete: bool = Field(description="False when not every contact could be read")

    def summary(self) -> str:
        shown = "; ".join(f"{c.name} <{c.email}> ({c.customer.name})" for c in self.contacts)
        return f"{count(self.total, 'contact')} match" + (f": {shown}" if shown else "")


class TechnicianView(View):
    id: int = Field(description="Atera TechnicianContactID")
    name: str
    email: str | None = None
    source: Literal["configured", "observed"]
    acting: bool = Field(False, description="The technician this server acts as by default")


class ListTechniciansResult(ToolResult):
    technicians: list[TechnicianView]
    note: str

    def summary(self) -> str:
        shown = ", ".join(
            f"{t.name} ({t.id}{', acting' if t.acting else ''})" for t in self.technicians
        )
        return f"{len(self.technicians)} technicians: {shown or 'none known yet'}. {self.note}"


def _customer_view(c: CustomerDto) -> CustomerView:
    return CustomerView(
        id=c.customer_id,
        name=clean_text(c.customer_name, 200),
        domain=c.domain,
        phone=c.phone,
    )


async def find_customers(
    ctx: ToolContext,
    query: Annotated[
        str,
        Field(
            max_length=SHORT_TEXT_CAP,
            description="Part of Atera CustomerName or Domain; '' lists all",
        ),
    ],
    limit: Limit = 20,
) -> FindCustomersResult:
    """Customers whose name or domain contains the query (any case), with their CustomerID."""
    indexed = await customers_from_index(ctx, query, _limit(limit))
    if indexed is not None:
        return FindCustomersResult(
            customers=[_customer_view(c) for c in indexed.items],
            total=indexed.total,
            complete=True,
        )
    found = await ctx.atera.list_customers(max_items=CUSTOMER_SCAN)
    folded = query.strip().casefold()
    hits = [
        c
        for c in found.items
        if folded in (c.customer_name or "").casefold() or folded in (c.domain or "").casefold()
    ]
    hits.sort(
        key=lambda c: (
            rank((c.customer_name or "").casefold(), folded),
            (c.customer_name or "").casefold(),
            c.customer_id or 0,
        )
    )
    return FindCustomersResult(
        customers=[_customer_view(c) for c in hits[: _limit(limit)]],
        total=len(hits),
        complete=found.complete,
    )


def _limit(limit: int) -> int:
    if not 1 <= limit <= 50:
        raise RuleError(f"limit must be between 1 and 50, not {limit}.")
    return limit


def _full_name(c: ContactDto) -> str:
    return clean_text(" ".join(p for p in (c.firstname, c.lastname) if p), 120)


def _name_matches(c: ContactDto, terms: list[str]) -> bool:
    full = " ".join(p for p in (c.firstname, c.lastname) if p).casefold()
    squashed = "".join(_WORD.findall(full))  # "obrien" finds O'Brien
    return all(term in full or term in squashed for term in terms)


def _contact_view(c: ContactDto) -> ContactView:
    return ContactView(
        id=c.end_user_id,
        name=_full_name(c) or (c.email or ""),
        email=c.email,
        phone=c.phone or c.mobile_phone,
        customer=Ref(id=c.customer_id, name=clean_text(c.customer_name, 200)),
        job_title=c.job_title,
    )


async def find_contacts(
    ctx: ToolContext,
    email: Annotated[str | None, Field(max_length=254, description="Part of Atera Email")] = None,
    name: Annotated[
        str | None, Field(max_length=SHORT_TEXT_CAP, description="Part of Atera Firstname/Lastname")
    ] = None,
    customer_id: CustomerId = None,
    limit: Limit = 20,
) -> FindContactsResult:
    """End users by email, name or customer (at least one; they combine), with their EndUserID."""
    _limit(limit)
    email = (email or "").strip() or None
    terms = _WORD.findall((name or "").casefold())
    if email is None and not terms and customer_id is None:
        raise RuleError("Give at least one of email, name or customer_id to find contacts.")
    indexed = await contacts_from_index(
        ctx, name=name, email=email, customer_id=customer_id, limit=limit
    )
    if indexed is not None:
        if not indexed.items and customer_id is not None:
            await _require_customer(ctx, customer_id)
        return FindContactsResult(
            contacts=[_contact_view(c) for c in indexed.items],
            total=indexed.total,
            complete=True,
        )
    # Atera filters contacts by Email only; names and customers are matched over a walk.
    found = await ctx.atera.find_contacts(email=email, max_items=CONTACT_SCAN)
    hits = [
        c
        for c in found.items
        if (customer_id is None or c.customer_id == customer_id) and _name_matches(c, terms)
    ]
    if not hits and customer_id is not None and found.complete:
        await _require_customer(ctx, customer_id)
    hits.sort(key=lambda c: (_full_name(c).casefold(), c.end_user_id or 0))
    return FindContactsResult(
        contacts=[_contact_view(c) for c in hits[:limit]],
        total=len(hits),
        complete=found.complete,
    )


async def _require_customer(ctx: ToolContext, customer_id: int) -> None:
    if await customer_known(ctx, customer_id):
        return
    try:
        await ctx.atera.get_customer(customer_id)
    except NotFoundError:
        raise RuleError(
            f"Customer {customer_id} was not found. Use find_customers to get its id."
        ) from None


async def list_technicians(ctx: ToolContext) -> ListTechniciansResult:
    """Technicians known here: configured and seen on tickets (Atera has no technician list)."""
    if not any(not t.configured for t in ctx.directory.all()):
        # Nothing observed yet: one page of the newest tickets reveals the active technicians.
        page = await ctx.atera.list_tickets_page(items_in_page=TECHNICIAN_WARMUP)
        for ticket in page.items or []:
            ctx.observe(ticket)
    acting_id, acting_email = ctx.settings.technician_id, ctx.settings.technician_email
    technicians = [
        TechnicianView(
            id=t.id,
            name=clean_text(t.name, 120),
            email=t.email,
            source="configured" if t.configured else "observed",
            acting=t.id == acting_id
            or bool(acting_email and t.email and t.email.casefold() == acting_email.casefold()),
        )
        for t in ctx.directory.all()
    ]
    return ListTechniciansResult(
        technicians=technicians,
        note=(
            "Atera has no technician list: 'configured' come from ATERA_TECHNICIANS, "
            "'observed' from tickets read so far; more appear as tickets are read."
        ),
    )
