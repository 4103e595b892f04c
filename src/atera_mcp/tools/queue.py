"""The desk's queue (`atera://queue`): breached, at risk, waiting on us, unassigned.

Read from the index alone, with the same filters as search_tickets (`sla`, `waiting_on`) at the
context's time, each list soonest SLA first. `content_key` is what the queue watch compares
after each index refresh: everything but `as_of`, so a ticket crossing its due time changes it.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime

from pydantic import Field

from atera_mcp.domain.text import clean_text
from atera_mcp.domain.views import TITLE_LIMIT, Timestamp, View
from atera_mcp.errors import RuleError
from atera_mcp.index.query import Hit, TicketQuery, search
from atera_mcp.index.service import TicketIndex
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.search_index import statuses_of

QUEUE_LIMIT = 50  # tickets shown per list; `total` counts them all


class QueueTicket(View):
    ticket_id: int
    title: str
    customer: str
    priority: str | None = None
    sla_due: Timestamp | None = None


class QueueList(View):
    total: int
    tickets: list[QueueTicket]


class Queue(View):
    breached: QueueList
    at_risk: QueueList = Field(description="Due within the next 60 minutes")
    waiting_on_us: QueueList
    unassigned: QueueList
    as_of: Timestamp | None = Field(None, description="When the index last heard from Atera")

    def content_key(self) -> str:
        """A digest of the lists (not `as_of`): equal when nothing a watcher sees changed."""
        text = self.model_dump_json(exclude={"as_of"})
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _ticket(hit: Hit) -> QueueTicket:
    row = hit.row
    due = datetime.fromtimestamp(hit.sla_due, UTC) if hit.sla_due is not None else None
    return QueueTicket(
        ticket_id=row["id"],
        title=clean_text(row["title"], TITLE_LIMIT),
        customer=clean_text(row["customer_name"], 200),
        priority=row["priority"],
        sla_due=due,
    )


async def read_queue(ctx: ToolContext, *, refresh: bool = True) -> Queue:
    """The queue now, from the index (caught up with Atera's feed first when `refresh`)."""
    index = ctx.index
    if index is None:
        raise RuleError(
            "The queue is read from the ticket index, which is off (ATERA_INDEX=off); "
            "use search_tickets with sla or waiting_on instead."
        )
    state = await index.ensure_fresh() if refresh else await index.state()
    base = TicketQuery(
        now=ctx.now().timestamp(),
        done_statuses=statuses_of(ctx, "Resolved", "Closed"),
        pending_statuses=statuses_of(ctx, "Pending"),
        sort="sla_due",
    )
    return Queue(
        breached=await _list(index, replace(base, sla=("breached",))),
        at_risk=await _list(index, replace(base, sla=("at_risk",))),
        waiting_on_us=await _list(index, replace(base, waiting_on="us")),
        unassigned=await _list(index, replace(base, unassigned=True)),
        as_of=state.last_delta_at,
    )


async def _list(index: TicketIndex, query: TicketQuery) -> QueueList:
    page = await index.run(lambda store: search(store, query, limit=QUEUE_LIMIT))
    return QueueList(total=page.total, tickets=[_ticket(h) for h in page.hits])
