"""get_billable's billing period answered from the index's work ledger (index/ledger_sync.py):
complete and exact for any period up to a year, with no request to Atera for the days already
read. With the index off, or its store failing, get_billable reads `GET /workhours` as before
(None here)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from zoneinfo import ZoneInfo

from atera_mcp.index.ledger_sync import Entries
from atera_mcp.tools.context import ToolContext


async def period_from_index(
    ctx: ToolContext, zone: ZoneInfo, start: date, end: date
) -> Entries | None:
    index = ctx.index
    if index is None:
        return None
    index.mark_used()
    try:
        return await index.ledger.entries(zone, start, end)
    except index.store.failures:
        return None


async def names_from_index(ctx: ToolContext, ids: Iterable[int]) -> dict[int, str] | None:
    """Customer names from the index's directory; None when it has not read customers yet."""
    index = ctx.index
    if index is None:
        return None
    try:
        if await index.people.as_of("customers") is None:
            return None
        found = await index.people.load_customers(sorted(set(ids)))
    except index.store.failures:
        return None
    return {c.customer_id: c.customer_name or "" for c in found if c.customer_id is not None}
