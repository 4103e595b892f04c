"""get_ticket: one ticket in full, with its comments, time totals and context when asked."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from atera_mcp.domain.machine import TicketContext
from atera_mcp.domain.views import TicketDetail, ToolResult, ticket_detail
from atera_mcp.tools.comments import CommentView, comment_views
from atera_mcp.tools.common import load_ticket, record_thread
from atera_mcp.tools.concurrency import gather
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.machine import ticket_context
from atera_mcp.tools.params import TicketId
from atera_mcp.tools.time import TimeTotals, time_totals


class GetTicketResult(ToolResult):
    ticket: TicketDetail
    allowed_statuses: list[str] = Field(
        default_factory=list, description="Statuses the ticket may move to now"
    )
    comments: list[CommentView] | None = Field(None, description="Newest first, when asked")
    time: TimeTotals | None = Field(None, description="Work-hour totals, when asked")
    context: TicketContext | None = None

    def summary(self) -> str:
        t = self.ticket
        parts = [t.line(), f"End user: {t.end_user.name if t.end_user else 'none'}"]
        if self.comments is not None:
            parts.append(f"{len(self.comments)} comments")
        parts += [x.line() for x in (self.time, self.context) if x is not None]
        return "\n".join(parts)


async def get_ticket(
    ctx: ToolContext,
    ticket_id: TicketId,
    include_comments: Annotated[bool, Field(description="Add comments")] = False,
    include_time: Annotated[bool, Field(description="Add work-hour totals")] = False,
    include_context: Annotated[
        bool, Field(description="Add alert, user's devices, related open tickets")
    ] = False,
) -> GetTicketResult:
    """One ticket in full (description, SLA dates, last replies)."""
    result: dict[str, object] = {}

    async def comments() -> None:
        found = await ctx.atera.list_comments(ticket_id, max_items=200)
        await record_thread(ctx, ticket_id, found)
        result["comments"] = comment_views(found.items, include_internal=True)[:20]

    async def time() -> None:
        result["time"] = time_totals(await ctx.atera.work_hours_summary(ticket_id))

    async def context() -> None:
        result["context"] = await ticket_context(ctx, dto)

    dto = await load_ticket(ctx, ticket_id)
    asked = ((comments, include_comments), (time, include_time), (context, include_context))
    await gather(*(f for f, wanted in asked if wanted))
    detail = ticket_detail(dto, ctx.rules, ctx.now())
    return GetTicketResult.model_validate(
        {"ticket": detail, "allowed_statuses": ctx.rules.allowed_from(detail.status), **result}
    )
