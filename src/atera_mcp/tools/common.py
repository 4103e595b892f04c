"""Small reads several tool modules share (kept here so tool modules never import each other
in a cycle: tickets.py uses the comment and time views)."""

from __future__ import annotations

from atera_mcp.domain.wire import TicketDto
from atera_mcp.errors import NotFoundError
from atera_mcp.tools.context import ToolContext


async def load_ticket(ctx: ToolContext, ticket_id: int) -> TicketDto:
    """The ticket as Atera has it now; a missing ticket is a plain 'not found'."""
    try:
        return ctx.observe(await ctx.atera.get_ticket(ticket_id))
    except NotFoundError:
        raise NotFoundError(f"Ticket {ticket_id} was not found.", status=404) from None
