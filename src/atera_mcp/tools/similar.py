"""similar_tickets: how we fixed this before.

The ranking comes from the index alone (index/similar.py): no request to Atera. The index does
not hold who wrote each comment or whether it was internal, nor the time logged, so for the few
tickets it returns (at most 10) it reads, at once, each one's comment thread (the resolution:
the last technician comment up to the time it was resolved) and its work-hour totals (time
logged): two requests a hit. Resolved time, time to resolve and the technician come from the
index. The threads read are not written to the index: that would be a write a hit (a
transaction each on PostgreSQL, one at a time on the index's worker) for threads of finished
tickets that search rarely needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Annotated

from pydantic import Field

from atera_mcp.client import Collected
from atera_mcp.domain.text import clean_text, strip_html
from atera_mcp.domain.views import (
    COMMENT_LIMIT,
    HitTime,
    TicketHit,
    Timestamp,
    ToolResult,
    View,
)
from atera_mcp.domain.wire import TicketCommentDto, TicketWorkHoursSummaryDto
from atera_mcp.errors import NotFoundError, RuleError, SharedStateUnavailable
from atera_mcp.index.query import Hit
from atera_mcp.index.service import TicketIndex
from atera_mcp.index.similar import (
    SimilarHit,
    SimilarQuery,
    significant_words,
    similar,
    source_text,
)
from atera_mcp.tools.common import load_ticket
from atera_mcp.tools.concurrency import gather
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.params import AteraId
from atera_mcp.tools.search_index import done_statuses, ticket_hit
from atera_mcp.tools.time import time_totals

MAX_THREAD = 200  # comments read per hit: a resolved ticket's thread is short
# Atera stamps the resolution and the reply that gave it apart by a moment.
RESOLUTION_GRACE = timedelta(minutes=2)


class Resolution(View):
    text: str
    internal: bool = Field(description="True: an internal note; false: seen by the customer")
    at: Timestamp


class SimilarTicket(TicketHit):
    # A search hit leaves when it was resolved to get_ticket; here it is the point.
    resolved_at: HitTime | None = Field(None, description="Atera TicketResolvedDate")
    resolved_by: str | None = Field(
        None, description="Who wrote the resolution reply, else the ticket's technician"
    )
    hours_to_resolve: float | None = Field(
        None, description="TicketResolvedDate minus TicketCreatedDate, from the index"
    )
    hours_logged: float | None = Field(
        None, description="Atera's work-hour totals, billable and non-billable"
    )
    resolution: Resolution | None = Field(
        None, description="The last technician comment up to the resolution, from its thread"
    )


class SimilarTicketsResult(ToolResult):
    tickets: list[SimilarTicket]
    as_of: Timestamp | None = Field(None, description="When the index last heard from Atera")
    note: str | None = None

    def summary(self) -> str:
        lines = [f"{len(self.tickets)} similar resolved tickets, most alike first"]
        for t in self.tickets:
            lines.append(t.line())
            if t.resolution is not None:
                kind = "internal" if t.resolution.internal else "public"
                lines.append(f"  fix ({kind}): {clean_text(t.resolution.text, 160)}")
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)


def resolution_of(
    comments: Sequence[TicketCommentDto], resolved_at: datetime | None
) -> TicketCommentDto | None:
    """The last technician comment up to the resolution (any, when that time is unknown)."""
    latest = resolved_at + RESOLUTION_GRACE if resolved_at is not None else None
    replies = [
        c
        for c in comments
        if c.technician_contact_id is not None and (latest is None or c.date <= latest)
    ]
    return max(replies, key=lambda c: c.date, default=None)


async def _text_of(ctx: ToolContext, index: TicketIndex, ticket_id: int) -> tuple[str, int | None]:
    found = await index.run(lambda store: source_text(store, ticket_id))
    if found is not None:
        return found
    dto = await load_ticket(ctx, ticket_id)  # not indexed yet: one read
    return f"{dto.ticket_title or ''}\n{dto.first_comment or ''}", dto.customer_id


async def _details(ctx: ToolContext, hit: SimilarHit) -> SimilarTicket | None:
    """The hit with its fix and time logged (two reads); None when Atera no longer has it."""
    view = ticket_hit(Hit(row=hit.row, overdue=False, key=()), ctx.now())
    resolved = hit.row["resolved"]
    resolved_at = datetime.fromtimestamp(resolved, UTC) if resolved is not None else None
    ticket_id = view.ticket_id
    thread: Collected[TicketCommentDto] | None = None
    time: TicketWorkHoursSummaryDto | None = None

    async def read_thread() -> None:
        nonlocal thread
        thread = await ctx.atera.list_comments(ticket_id, max_items=MAX_THREAD)

    async def read_time() -> None:
        nonlocal time
        time = await ctx.atera.work_hours_summary(ticket_id)

    try:
        await gather(read_thread, read_time)
    except NotFoundError:
        if ctx.index is not None:
            await ctx.index.forget(ticket_id)
        return None
    assert thread is not None
    assert time is not None
    fix = resolution_of(thread.items, resolved_at)
    totals = time_totals(time)
    resolved_by = view.technician
    if fix is not None and fix.technician_contact_id is not None:
        author = ctx.directory.by_id(fix.technician_contact_id)
        named = " ".join(p for p in (fix.first_name, fix.last_name) if p)
        resolved_by = author.name if author is not None else (named or resolved_by)
    took = None
    if resolved_at is not None and view.created_at is not None:
        took = round((resolved_at - view.created_at).total_seconds() / 3600, 1)
    return SimilarTicket(
        **dict(view),
        resolved_at=resolved_at,
        resolved_by=clean_text(resolved_by, 120) or None,
        hours_to_resolve=took,
        hours_logged=round(totals.billable_hours + totals.non_billable_hours, 2),
        resolution=None
        if fix is None
        else Resolution(
            text=clean_text(fix.comment or strip_html(fix.comment_html), COMMENT_LIMIT),
            internal=fix.is_internal,
            at=fix.date,
        ),
    )


async def similar_tickets(
    ctx: ToolContext,
    ticket_id: Annotated[AteraId | None, Field(description="Atera TicketID (or text)")] = None,
    text: Annotated[
        str | None, Field(max_length=10000, description="The problem (or ticket_id)")
    ] = None,
    limit: Annotated[int, Field(ge=1, le=10)] = 5,
) -> SimilarTicketsResult:
    """Resolved tickets most like a ticket or a text, each with its fix, who resolved it and
    the time it took: "have we seen this before?", "how did we fix it?"."""
    if (ticket_id is None) == (text is None or not text.strip()):
        raise RuleError("Give ticket_id or text (one of them).")
    index = ctx.index
    if index is None:
        raise RuleError("similar_tickets needs the ticket index, which is off (ATERA_INDEX=off).")
    try:
        state = await index.ensure_fresh()
        customer = None
        if ticket_id is not None:
            text, customer = await _text_of(ctx, index, ticket_id)
        words = significant_words(text or "")
        if not words:
            raise RuleError("The text has no words to match; describe the problem.")
        query = SimilarQuery(words, done_statuses(ctx), ticket_id, customer, limit)
        hits = await index.run(lambda store: similar(store, query))
    except index.store.failures as exc:
        raise SharedStateUnavailable(
            "The ticket index cannot be read right now; try again in a moment."
        ) from exc
    found = await gather(*(partial(_details, ctx, h) for h in hits), limit=5)
    note = None
    if state.phase != "ready":
        note = "The ticket index is still being built; older tickets may be missing."
    return SimilarTicketsResult(
        tickets=[t for t in found if t is not None],
        as_of=state.last_delta_at.astimezone(UTC) if state.last_delta_at else None,
        note=note,
    )
