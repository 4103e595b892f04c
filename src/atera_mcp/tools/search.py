"""search_tickets: Atera's own filters first, then exact local filtering over bounded reads.

Atera's GET /tickets filters only by customer and one status; text, priority, technician,
dates and SLA are checked here over what was read. A search reads at most SCAN_BUDGET tickets,
so it never walks a 50,000-ticket account; when the budget stops a scan the result says so
(`complete: false` and a note). What is returned is exact for what was scanned.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Annotated

import anyio
from pydantic import Field

from atera_mcp.domain.text import strip_html
from atera_mcp.domain.views import TicketSummary, ToolResult, ticket_summary
from atera_mcp.domain.wire import TicketDto
from atera_mcp.errors import RuleError
from atera_mcp.tools.concurrency import gather
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.params import Cursor, Limit, TechnicianId
from atera_mcp.tools.search_filters import (
    Sort,
    build_filter,
    decode_cursor,
    encode_cursor,
    fingerprint,
    sort_key,
    terms_of,
    text_score,
    utc,
)
from atera_mcp.tools.search_scan import READ_CONCURRENCY, scan, scan_note

COMMENT_SEARCH_LIMIT = 50  # comments are read for at most this many candidate tickets
COMMENTS_PER_TICKET = 100
CUSTOMER_SCAN = 1000


class SearchTicketsResult(ToolResult):
    tickets: list[TicketSummary]
    total: int = Field(description="Matches among the scanned tickets")
    next_cursor: str | None = Field(None, description="Pass as cursor for the next page")
    complete: bool = Field(description="False when unscanned tickets may also match")
    scanned: int = Field(description="Tickets read from Atera")
    note: str | None = None

    def summary(self) -> str:
        more = "; more with next_cursor" if self.next_cursor else ""
        lines = [f"{len(self.tickets)} of {self.total} matching tickets{more}"]
        lines += [t.line() for t in self.tickets]
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)


async def _customer_ids(ctx: ToolContext, name: str) -> list[int]:
    """Ids of every customer whose CustomerName contains `name`, ignoring case."""
    found = await ctx.atera.list_customers(max_items=CUSTOMER_SCAN)
    folded = name.strip().casefold()
    ids = sorted(
        c.customer_id
        for c in found.items
        if c.customer_id is not None and folded in (c.customer_name or "").casefold()
    )
    if ids:
        return ids
    names = [c.customer_name for c in found.items if c.customer_name]
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
    hint = f"Close names: {', '.join(close)}." if close else "Use find_customers to look it up."
    raise RuleError(f"No customer name contains '{name}'. {hint}")


async def _comment_texts(ctx: ToolContext, tickets: list[TicketDto]) -> dict[int, str]:
    """All comment text of each ticket (bounded per ticket), read a few tickets at a time."""
    limiter = anyio.CapacityLimiter(READ_CONCURRENCY)

    async def read(ticket_id: int) -> str:
        async with limiter:
            found = await ctx.atera.list_comments(ticket_id, max_items=COMMENTS_PER_TICKET)
        for c in found.items:
            name = " ".join(p for p in (c.first_name, c.last_name) if p)
            if c.technician_contact_id:
                ctx.directory.observe(c.technician_contact_id, name, c.email)
        return "\n".join(c.comment or strip_html(c.comment_html) for c in found.items)

    texts = await gather(*(partial(read, t.ticket_id) for t in tickets))
    return {t.ticket_id: text for t, text in zip(tickets, texts, strict=True)}


def _fail_if_invalid(limit: int, sort: Sort, query: str | None, both_customers: bool) -> None:
    if not 1 <= limit <= 50:
        raise RuleError(f"limit must be between 1 and 50, not {limit}.")
    if sort == "relevance" and not terms_of(query):
        raise RuleError("sort=relevance needs a query; give one or sort by newest.")
    if both_customers:
        raise RuleError("Give customer_id or customer_name, not both.")


async def search_tickets(
    ctx: ToolContext,
    query: Annotated[
        str | None,
        Field(max_length=300, description="Words in TicketTitle, FirstComment or comments"),
    ] = None,
    status: Annotated[
        list[str] | None, Field(max_length=10, description="Atera TicketStatus, any of")
    ] = None,
    priority: Annotated[
        list[str] | None,
        Field(
            max_length=4, description="Atera TicketPriority, any of: Critical, High, Medium, Low"
        ),
    ] = None,
    type: Annotated[
        str | None, Field(description="Atera TicketType: Incident, Problem, Request, Change")
    ] = None,
    customer_id: Annotated[int | None, Field(ge=1, description="Atera CustomerID")] = None,
    customer_name: Annotated[
        str | None, Field(min_length=1, max_length=200, description="Part of Atera CustomerName")
    ] = None,
    technician_id: TechnicianId = None,
    technician_email: Annotated[
        str | None, Field(max_length=254, description="Atera TechnicianEmail")
    ] = None,
    end_user_email: Annotated[
        str | None, Field(max_length=254, description="Atera EndUserEmail")
    ] = None,
    created_after: Annotated[
        datetime | None, Field(description="Atera TicketCreatedDate on/after (ISO 8601, UTC)")
    ] = None,
    created_before: Annotated[
        datetime | None, Field(description="Atera TicketCreatedDate before (ISO 8601, UTC)")
    ] = None,
    modified_after: Annotated[
        datetime | None, Field(description="Modified on/after (Atera tickets/lastmodified date)")
    ] = None,
    overdue: Annotated[
        bool | None,
        Field(description="Unresolved and past Atera FirstResponseDueDate/ClosedTicketDueDate"),
    ] = None,
    sort: Annotated[
        Sort, Field(description="By TicketCreatedDate, TicketPriority, modification or query")
    ] = "newest",
    limit: Limit = 20,
    cursor: Cursor | None = None,
) -> SearchTicketsResult:
    """Find tickets by words and by any field; filters combine with AND, list values with OR.

    Use it before get_ticket or create_ticket. Reads a bounded number of tickets: when
    complete is false, narrow by customer, status or modified_after."""
    _fail_if_invalid(limit, sort, query, customer_id is not None and bool(customer_name))
    terms = terms_of(query)
    flt = build_filter(
        ctx.rules,
        status=status,
        priority=priority,
        type=type,
        technician_id=technician_id,
        technician_email=technician_email,
        end_user_email=end_user_email,
        created_after=created_after,
        created_before=created_before,
        overdue=overdue,
    )
    since = utc(modified_after)
    owner = fingerprint(
        {
            "terms": terms,
            "filter": flt.identity(),
            "customer": [customer_id, (customer_name or "").strip().casefold()],
            "since": since,
            "sort": sort,
        }
    )
    offset = decode_cursor(cursor, owner) if cursor else 0
    customer_ids = [customer_id] if customer_id is not None else None
    if customer_name:
        customer_ids = await _customer_ids(ctx, customer_name)
    if customer_ids is not None:
        flt = replace(flt, customer_ids=frozenset(customer_ids))
    statuses = list(dict.fromkeys(ctx.rules.canonical(s) for s in status or ()))
    found = await scan(ctx, customer_ids, statuses, since, sort)
    now = ctx.now()
    matched = [
        t for t in map(ctx.observe, found.tickets) if flt.matches(t, ctx.rules, now, ctx.directory)
    ]
    scores: dict[int, int] = {}
    skipped = 0
    if terms:
        for t in matched:
            scores[t.ticket_id] = text_score(terms, t.ticket_title or "", t.first_comment or "")
        misses = [t for t in matched if not scores[t.ticket_id]]
        if len(misses) <= COMMENT_SEARCH_LIMIT:
            texts = await _comment_texts(ctx, misses)
            for t in misses:
                scores[t.ticket_id] = text_score(
                    terms, t.ticket_title or "", t.first_comment or "", texts[t.ticket_id]
                )
        else:
            skipped = len(misses)
        matched = [t for t in matched if scores[t.ticket_id]]
    ordered = sorted(matched, key=sort_key(sort, scores, found.modified_rank))
    end = offset + limit
    notes = [scan_note(found)]
    if skipped:
        notes.append(
            f"Comments were not searched: {skipped:,} tickets did not match on title or "
            "description; narrow the search to have their comments searched too."
        )
    return SearchTicketsResult(
        tickets=[ticket_summary(t, ctx.rules, now) for t in ordered[offset:end]],
        total=len(ordered),
        next_cursor=encode_cursor(end, owner) if end < len(ordered) else None,
        complete=found.complete and not skipped,
        scanned=len(found.tickets),
        note=" ".join(n for n in notes if n) or None,
    )
