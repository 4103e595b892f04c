"""search_tickets: exact search over the local ticket index, or a labelled bounded scan.

With the index on (the default) every filter, sort and total is answered from the account's
mirror (`search_index.py`): exact whatever the account's size and whatever order Atera lists
tickets in. With `ATERA_INDEX=off` the search reads a bounded number of tickets from Atera
(`search_scan.py`) and says it is incomplete. Both share the validated request built here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from pydantic import BeforeValidator, Field

from atera_mcp.domain.policy import fold_case
from atera_mcp.domain.sla import WaitingOn
from atera_mcp.errors import RuleError
from atera_mcp.index.fts import text_query
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.params import (
    SHORT_TEXT_CAP,
    TIME_RULE,
    Cursor,
    CustomerId,
    Limit,
    LocalTime,
    PriorityName,
    StatusName,
    TechnicianId,
    TypeParam,
)
from atera_mcp.tools.search_bounded import search_by_scan
from atera_mcp.tools.search_filters import (
    SLA_FILTERS,
    WAITING,
    SlaFilter,
    Sort,
    build_filter,
    fingerprint,
)
from atera_mcp.tools.search_index import search_index
from atera_mcp.tools.search_model import SearchRequest, SearchTicketsResult

__all__ = ["SearchTicketsResult", "search_tickets"]

MAX_WINDOW = 7 * 24 * 60  # sla_window_minutes, at most a week
SlaName = Annotated[SlaFilter, BeforeValidator(fold_case(SLA_FILTERS))]
WaitingName = Annotated[WaitingOn, BeforeValidator(fold_case(WAITING))]


async def _utc(ctx: ToolContext, value: datetime | None) -> datetime | None:
    return await ctx.to_utc(value) if value is not None else None


async def _request(
    ctx: ToolContext,
    *,
    query: str | None,
    status: list[str] | None,
    priority: Sequence[str] | None,
    type: str | None,
    customer_id: int | None,
    customer_name: str | None,
    technician_id: int | None,
    technician_email: str | None,
    end_user_email: str | None,
    created_after: datetime | None,
    created_before: datetime | None,
    modified_after: datetime | None,
    overdue: bool | None,
    sla: Sequence[str] | None,
    sla_window_minutes: int,
    waiting_on: str | None,
    sort: Sort,
    limit: int,
    cursor: str | None,
) -> SearchRequest:
    if not 1 <= limit <= 50:
        raise RuleError(f"limit must be between 1 and 50, not {limit}.")
    if customer_id is not None and customer_name:
        raise RuleError("Give customer_id or customer_name, not both.")
    text = text_query(query)
    if query is not None and query.strip() and text is None:
        raise RuleError(
            "The query has no letters or digits to search for; give words such as 'outlook'."
        )
    if not 1 <= sla_window_minutes <= MAX_WINDOW:
        raise RuleError(
            f"sla_window_minutes must be between 1 and {MAX_WINDOW} (a week), "
            f"not {sla_window_minutes}."
        )
    if sort == "relevance" and text is None:
        raise RuleError("sort=relevance needs a query; give one or sort by newest.")
    flt = build_filter(
        ctx.rules,
        status=status,
        priority=priority,
        type=type,
        technician_id=technician_id,
        technician_email=technician_email,
        end_user_email=end_user_email,
        created_after=await _utc(ctx, created_after),
        created_before=await _utc(ctx, created_before),
        overdue=overdue,
        sla=sla,
        sla_window_minutes=sla_window_minutes,
        waiting_on=waiting_on,
    )
    since = await _utc(ctx, modified_after)
    name = (customer_name or "").strip().casefold() or None
    owner = fingerprint(
        {
            "text": text.expression if text else None,
            "filter": flt.identity(),
            "customer": [customer_id, name],
            "since": since,
            "sort": sort,
        }
    )
    return SearchRequest(flt, text, customer_id, name, since, sort, limit, cursor, owner)


async def search_tickets(
    ctx: ToolContext,
    query: Annotated[
        str | None,
        Field(max_length=10000, description="Words in TicketTitle, FirstComment or comments"),
    ] = None,
    status: Annotated[
        list[StatusName] | None, Field(max_length=10, description="Atera TicketStatus, any of")
    ] = None,
    priority: Annotated[
        list[PriorityName] | None,
        Field(max_length=4, description="Atera TicketPriority, any of"),
    ] = None,
    type: TypeParam | None = None,
    customer_id: CustomerId = None,
    customer_name: Annotated[
        str | None,
        Field(min_length=1, max_length=SHORT_TEXT_CAP, description="Part of Atera CustomerName"),
    ] = None,
    technician_id: TechnicianId = None,
    technician_email: Annotated[
        str | None, Field(max_length=254, description="Atera TechnicianEmail")
    ] = None,
    end_user_email: Annotated[
        str | None, Field(max_length=254, description="Atera EndUserEmail")
    ] = None,
    created_after: Annotated[
        LocalTime | None, Field(description=f"Atera TicketCreatedDate on/after; {TIME_RULE}")
    ] = None,
    created_before: Annotated[
        LocalTime | None, Field(description=f"Atera TicketCreatedDate before; {TIME_RULE}")
    ] = None,
    modified_after: Annotated[
        LocalTime | None, Field(description=f"Atera lastmodified on/after; {TIME_RULE}")
    ] = None,
    overdue: Annotated[
        bool | None,
        Field(description="Unresolved, past Atera FirstResponseDueDate/ClosedTicketDueDate"),
    ] = None,
    sla: Annotated[
        list[SlaName] | None,
        Field(description="breached: SLA due passed; at_risk: due within sla_window_minutes"),
    ] = None,
    sla_window_minutes: int = 60,
    waiting_on: Annotated[
        WaitingName | None, Field(description="us: no reply yet or customer wrote last")
    ] = None,
    sort: Sort = "newest",  # the values name themselves; relevance ranks by the query
    limit: Limit = 20,
    cursor: Cursor | None = None,
) -> SearchTicketsResult:
    """Find tickets by words and fields: filters AND, list values OR; every query word must
    occur (quotes or hyphens: a phrase; the last word may be a prefix). Exact totals. Search
    before get_ticket or create_ticket."""
    request = await _request(
        ctx,
        query=query,
        status=status,
        priority=priority,
        type=type,
        customer_id=customer_id,
        customer_name=customer_name,
        technician_id=technician_id,
        technician_email=technician_email,
        end_user_email=end_user_email,
        created_after=created_after,
        created_before=created_before,
        modified_after=modified_after,
        overdue=overdue,
        sla=sla,
        sla_window_minutes=sla_window_minutes,
        waiting_on=waiting_on,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    if ctx.index is None:
        return await search_by_scan(ctx, request)
    return await search_index(ctx, ctx.index, request)
