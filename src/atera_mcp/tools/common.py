"""Small reads several tool modules share (kept here so tool modules never import each other
in a cycle: tickets.py uses the comment and time views)."""

from __future__ import annotations

from datetime import datetime

from atera_mcp.client import Collected
from atera_mcp.domain.wire import TicketCommentDto, TicketDto
from atera_mcp.errors import NotFoundError
from atera_mcp.index.store import Observation
from atera_mcp.tools.context import ToolContext


async def load_ticket(
    ctx: ToolContext,
    ticket_id: int,
    *,
    written_at: datetime | None = None,
    include_relations: bool = False,
) -> TicketDto:
    """The ticket as Atera has it now; a missing ticket is a plain 'not found'.

    Every live read goes into the index at once; a write's read-back passes `written_at` (when
    the write was sent: the ticket changed after it). A 404 drops the ticket from the index."""
    try:
        read = await ctx.atera.get_ticket(ticket_id, include_relations=include_relations)
        dto = ctx.observe(read)
    except NotFoundError:
        if ctx.index is not None:
            await ctx.index.forget(ticket_id)
        raise NotFoundError(f"Ticket {ticket_id} was not found.", status=404) from None
    if ctx.index is not None:
        await ctx.index.record_ticket(dto, Observation(at=ctx.index.now(), since=written_at))
    return dto


async def record_thread(
    ctx: ToolContext, ticket_id: int, found: Collected[TicketCommentDto]
) -> None:
    """A ticket's comments read live go into the index, when the whole thread was read."""
    if ctx.index is not None and found.complete:
        await ctx.index.record_comments(ticket_id, found.items)
