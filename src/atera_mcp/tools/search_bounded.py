"""search_tickets with the index off (`ATERA_INDEX=off`): a bounded scan, labelled as such.

Atera's GET /tickets filters only by customer and one status; text, priority, technician,
dates and SLA are checked here over what was read. A search reads at most SCAN_BUDGET tickets,
so when the budget stops a scan the result says so (`complete: false` and a note). What is
returned is exact for what was scanned; only the index makes it exact for the account.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from datetime import datetime
from functools import partial

import anyio

from atera_mcp.domain.sla import sla_due, waiting_on
from atera_mcp.domain.text import thread_text
from atera_mcp.domain.views import is_overdue
from atera_mcp.domain.wire import TicketDto
from atera_mcp.errors import RuleError
from atera_mcp.index.query import Hit
from atera_mcp.index.rows import ticket_row
from atera_mcp.tools.concurrency import gather
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.search_filters import decode_cursor, encode_cursor, sort_key, text_score
from atera_mcp.tools.search_index import ticket_hit
from atera_mcp.tools.search_model import SearchRequest, SearchTicketsResult
from atera_mcp.tools.search_scan import READ_CONCURRENCY, scan, scan_note

COMMENT_SEARCH_LIMIT = 50  # comments are read for at most this many candidate tickets
COMMENTS_PER_TICKET = 100
CUSTOMER_SCAN = 1000
INDEX_OFF = "The ticket index is off (ATERA_INDEX=off): this search read tickets from Atera."


async def _customer_ids(ctx: ToolContext, name: str) -> list[int]:
    """Ids of every customer whose CustomerName contains `name`, ignoring case."""
    found = await ctx.atera.list_customers(max_items=CUSTOMER_SCAN)
    ids = sorted(
        c.customer_id
        for c in found.items
        if c.customer_id is not None and name in (c.customer_name or "").casefold()
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
        return thread_text(found.items)

    texts = await gather(*(partial(read, t.ticket_id) for t in tickets))
    return {t.ticket_id: text for t, text in zip(tickets, texts, strict=True)}


def _hit(t: TicketDto, ctx: ToolContext, now: datetime) -> Hit:
    base = ctx.rules.base_of(t.ticket_status or "Open")
    due = sla_due(t, base)
    return Hit(
        row=ticket_row(t),
        overdue=is_overdue(t, ctx.rules, now),
        key=(),
        sla_due=due.at.timestamp() if due.at is not None else None,
        sla_estimated=due.estimated,
        waiting_on=waiting_on(t, base),
    )


async def search_by_scan(ctx: ToolContext, request: SearchRequest) -> SearchTicketsResult:
    """Answer `request` from a bounded read of Atera (the index is off)."""
    offset = 0
    if request.cursor is not None:
        position = decode_cursor(request.cursor, request.owner)
        if not isinstance(position, int):
            raise RuleError("The cursor is not valid here. Omit it to start from the first page.")
        offset = position
    flt = request.filter
    customer_ids = [request.customer_id] if request.customer_id is not None else None
    if request.customer_name:
        customer_ids = await _customer_ids(ctx, request.customer_name)
    if customer_ids is not None:
        flt = replace(flt, customer_ids=frozenset(customer_ids))
    statuses = list(dict.fromkeys(ctx.rules.canonical(s) for s in flt.statuses))
    found = await scan(ctx, customer_ids, statuses, request.modified_after, request.sort)
    now = ctx.now()
    matched = [
        t for t in map(ctx.observe, found.tickets) if flt.matches(t, ctx.rules, now, ctx.directory)
    ]
    terms = tuple(w.casefold() for w in request.text.words) if request.text else ()
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
    ordered = sorted(matched, key=sort_key(request.sort, scores, found.modified_rank, ctx.rules))
    end = offset + request.limit
    notes = [INDEX_OFF, scan_note(found)]
    if skipped:
        notes.append(
            f"Comments were not searched: {skipped:,} tickets did not match on title or "
            "description; narrow the search to have their comments searched too."
        )
    hits = [ticket_hit(_hit(t, ctx, now), now) for t in ordered[offset:end]]
    return SearchTicketsResult(
        tickets=hits,
        total=len(ordered),
        next_cursor=encode_cursor(end, request.owner) if end < len(ordered) else None,
        complete=found.complete and not skipped,
        note=" ".join(n for n in notes if n),
    )
