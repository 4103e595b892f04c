"""The reading half of search_tickets: which Atera lists to walk, and how far.

GET /tickets is walked once per (customer, status) Atera can filter by, newest first, sharing a
page budget; GET /tickets/lastmodified (the only source of modification order) is read for the
latest window that fits the budget. `Scan` says what was read and whether that was everything.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

import anyio

from atera_mcp.domain.wire import Page, TicketDto
from atera_mcp.tools.concurrency import gather
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.search_filters import Sort

SCAN_BUDGET = 2000  # tickets read per search, at most (40 pages of 50)
PAGE_SIZE = 50
READ_CONCURRENCY = 4  # requests in flight at once for one search
# /tickets/lastmodified with no modified_after: from before any Atera account existed.
_FEED_START = datetime(2000, 1, 1, tzinfo=UTC)
_WINDOW_PROBES = 8


@dataclass
class Scan:
    """What was read: tickets in source order, Atera's total for the sources, and coverage."""

    tickets: list[TicketDto] = field(default_factory=list)
    total: int = 0
    complete: bool = True
    since: datetime | None = None  # the /tickets/lastmodified window actually read
    modified_rank: dict[int, int] = field(default_factory=dict)  # 1 = most recently modified


def _unique(tickets: list[TicketDto]) -> list[TicketDto]:
    # A ticket modified while pages are read can show up on two pages.
    return list({t.ticket_id: t for t in reversed(tickets)}.values())[::-1]


def _water_fill(wanted: list[int], budget: int) -> list[int]:
    """Share `budget` pages: small needs are met in full, the rest split evenly. Pure."""
    shares, left = [0] * len(wanted), budget
    for done, index in enumerate(sorted(range(len(wanted)), key=wanted.__getitem__)):
        shares[index] = min(wanted[index], left // (len(wanted) - done))
        left -= shares[index]
    return shares


def _newest_pages(first: Page[TicketDto], share: int, left: int) -> range:
    """The `share` pages after page 1 that hold the newest tickets. Atera documents no order
    for GET /tickets: when page 1 runs oldest to newest, the newest are on the last pages."""
    created = [t.ticket_created_date for t in first.items or [] if t.ticket_created_date]
    if share < left and len(created) > 1 and created[0] < created[-1]:
        return range(left + 1, left + 1 - share, -1)
    return range(2, share + 2)


async def _read_tickets(
    ctx: ToolContext, calls: list[tuple[int | None, str | None]], budget: int
) -> Scan:
    """GET /tickets once per (customer, status), first pages first, sharing the page budget."""
    limiter = anyio.CapacityLimiter(READ_CONCURRENCY)

    async def page(call: tuple[int | None, str | None], number: int) -> Page[TicketDto]:
        async with limiter:
            return await ctx.atera.list_tickets_page(
                page=number, items_in_page=PAGE_SIZE, customer_id=call[0], status=call[1]
            )

    firsts = await gather(*(partial(page, call, 1) for call in calls))
    pages_left = [max(0, math.ceil(f.total_item_count / PAGE_SIZE) - 1) for f in firsts]
    shares = _water_fill(pages_left, budget // PAGE_SIZE - len(calls))
    rest: list[Callable[[], Awaitable[Page[TicketDto]]]] = [
        partial(page, call, number)
        for call, first, share, left in zip(calls, firsts, shares, pages_left, strict=True)
        for number in _newest_pages(first, share, left)
    ]
    later = iter(await gather(*rest))
    items: list[TicketDto] = []
    for first, share in zip(firsts, shares, strict=True):
        items += first.items or []
        for _ in range(share):
            items += next(later).items or []
    return Scan(
        tickets=_unique(items),
        total=sum(f.total_item_count for f in firsts),
        complete=shares == pages_left,
    )


async def _read_modified(ctx: ToolContext, since: datetime, budget: int) -> Scan:
    """GET /tickets/lastmodified from `since`; past the budget, the latest window that fits."""
    probe = await ctx.atera.tickets_modified_since(since, max_items=PAGE_SIZE)
    full_total, start = probe.total, since
    if probe.total > budget:
        # Bisect the window's start towards now until what was modified since then fits.
        lo, hi, best = since, ctx.now(), None
        for _ in range(_WINDOW_PROBES):
            mid = lo + (hi - lo) / 2
            count = (await ctx.atera.tickets_modified_since(mid, max_items=1)).total
            if count > budget:
                lo = mid
            else:
                hi, best = mid, mid
                if count >= budget // 2:
                    break
        start = best or hi
    found = probe
    if not (start == since and probe.complete):
        found = await ctx.atera.tickets_modified_since(start, max_items=budget)
    tickets = _unique(found.items)
    # The feed runs from the oldest modification to the newest.
    rank = {t.ticket_id: len(tickets) - i for i, t in enumerate(tickets)}
    return Scan(
        tickets=tickets,
        total=max(full_total, found.total),
        complete=start == since and found.complete,
        since=start,
        modified_rank=rank,
    )


def scan_note(found: Scan) -> str | None:
    """What an incomplete scan covered, and how to narrow the search; None when complete."""
    if found.complete:
        return None
    read = len(found.tickets)
    if found.since is not None:
        when = found.since.strftime("%Y-%m-%d %H:%M UTC")
        return (
            f"Scanned the {read:,} most recently modified of {found.total:,} tickets "
            f"(modified since {when}); give a later modified_after to search a window fully."
        )
    return (
        f"Scanned the newest {read:,} of {found.total:,} tickets; "
        "narrow by customer, status or modified_after."
    )


async def scan(
    ctx: ToolContext,
    customer_ids: list[int] | None,
    statuses: list[str],
    since: datetime | None,
    sort: Sort,
) -> Scan:
    """Read the tickets the search needs through Atera's own filters, within the budget."""
    if since is not None or sort == "recently_modified":
        # Only the lastmodified feed knows modification times; it has no other filter.
        return await _read_modified(ctx, since or _FEED_START, SCAN_BUDGET)
    status_calls: list[str | None] = [*statuses] or [None]
    customer_calls: list[int | None] = [*customer_ids] if customer_ids else [None]
    calls = [(c, s) for c in customer_calls for s in status_calls]
    if len(calls) > SCAN_BUDGET // PAGE_SIZE:
        # Too many customers matched to read each on its own: filter them locally instead.
        calls = [(None, s) for s in status_calls]
    return await _read_tickets(ctx, calls, SCAN_BUDGET)
