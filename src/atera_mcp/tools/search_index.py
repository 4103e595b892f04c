"""search_tickets answered from the local index: exact, ordered, and normally without a request.

Before answering, the index catches up with Atera's delta feed if its last delta is older than
the refresh interval. `modified_after` is exact too: where the index cannot place a ticket's
last change before or after the asked time (before its first watermark, or inside one delta's
window), it asks Atera's feed once and remembers the answer.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from typing import Any

from atera_mcp.domain.policy import BASE_STATUSES, BaseStatus
from atera_mcp.domain.sla import sla_state
from atera_mcp.domain.text import clean_text
from atera_mcp.domain.views import TITLE_LIMIT, Ref, TicketHit
from atera_mcp.errors import RuleError, SharedStateUnavailable
from atera_mcp.index.fts import MAX_TERMS
from atera_mcp.index.query import Hit, TicketQuery, customer_names, search
from atera_mcp.index.service import LeaseLost, TicketIndex
from atera_mcp.index.store import SyncState
from atera_mcp.index.sync import percent_synced
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.progress import report
from atera_mcp.tools.search_filters import decode_cursor, encode_cursor
from atera_mcp.tools.search_model import SearchRequest, SearchTicketsResult

# Tickets one search may read from Atera's change feed (100 requests) to settle modified_after.
MAX_FEED_TICKETS = 5_000


def _timestamp(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def ticket_hit(hit: Hit, now: datetime) -> TicketHit:
    """A search hit from an index row: cleaned text, compact people, the SLA as of `now`."""
    row: dict[str, Any] = hit.row
    due = _timestamp(hit.sla_due)
    return TicketHit(
        ticket_id=row["id"],
        title=clean_text(row["title"], TITLE_LIMIT),
        status=row["status"],
        priority=row["priority"],
        type=row["type"],
        impact=row["impact"],
        customer=Ref(id=row["customer_id"], name=clean_text(row["customer_name"], 200)),
        end_user=clean_text(row["end_user_name"], 120) or None,
        technician=clean_text(row["technician_name"], 120) or None,
        created_at=_timestamp(row["created"] or None),
        overdue=hit.overdue,
        sla_due=due,
        sla_state=sla_state(due, now),
        sla_estimated=hit.sla_estimated,
        waiting_on=hit.waiting_on,
    )


def statuses_of(ctx: ToolContext, *bases: BaseStatus) -> tuple[str, ...]:
    """The case-folded names of the statuses (built-in and custom) of these base statuses."""
    names = (*BASE_STATUSES, *ctx.rules.custom)
    return tuple(n.casefold() for n in names if ctx.rules.base_of(n) in bases)


def done_statuses(ctx: ToolContext) -> tuple[str, ...]:
    """The keys of the statuses whose base is Resolved or Closed, custom ones included."""
    return statuses_of(ctx, "Resolved", "Closed")


def _query(ctx: ToolContext, request: SearchRequest, now: datetime) -> TicketQuery:
    flt = request.filter
    email_ids: tuple[int, ...] = ()
    if flt.technician_email is not None:
        known = ctx.directory.by_email(flt.technician_email)
        email_ids = (known.id,) if known is not None else ()
    return TicketQuery(
        match=request.text,
        statuses=tuple(sorted(flt.statuses)),
        priorities=tuple(sorted(flt.priorities)),
        type=flt.type,
        customer_ids=(request.customer_id,) if request.customer_id is not None else None,
        customer_text=request.customer_name,
        technician_id=flt.technician_id,
        technician_email=flt.technician_email,
        technician_ids_for_email=email_ids,
        end_user_email=flt.end_user_email,
        created_after=flt.created_after.timestamp() if flt.created_after else None,
        created_before=flt.created_before.timestamp() if flt.created_before else None,
        modified_after=request.modified_after.timestamp() if request.modified_after else None,
        overdue=flt.overdue,
        sla=tuple(sorted(flt.sla)),
        sla_window=flt.sla_window_minutes * 60.0,
        waiting_on=flt.waiting_on,
        now=now.timestamp(),
        done_statuses=statuses_of(ctx, "Resolved", "Closed"),
        pending_statuses=statuses_of(ctx, "Pending"),
        sort=request.sort,
    )


async def _settle_modified(ctx: ToolContext, index: TicketIndex, since: datetime) -> str | None:
    """Ask Atera's feed about the tickets the index cannot place around `since`. None when
    every ticket is placed; else a note saying why the answer may miss some."""
    uncertain = await index.run(lambda store: store.uncertain_since(since))
    if not uncertain:
        return None
    when = f"{since.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    await report(0, None, f"Asking Atera's change feed which tickets changed since {when}")
    probe = await ctx.atera.tickets_modified_since_page(since, page=1, items_in_page=1)
    if probe.total_item_count > MAX_FEED_TICKETS:
        return (
            f"Atera lists {probe.total_item_count:,} tickets changed since {when}, more than one "
            f"search reads ({MAX_FEED_TICKETS:,}); only changes the index has seen itself are "
            "shown. Give a later modified_after for a complete answer."
        )
    try:
        feed = await index.engine.read_feed(since)
    except LeaseLost:  # another process took over the sync mid-read: it will record the rest
        feed = None
    if feed is None or not feed.complete:
        return (
            f"Atera's change feed kept changing while it was read; tickets changed since {when} "
            "may be missing. Ask again in a moment."
        )
    return None


def _within_read_statuses(state: SyncState, query: TicketQuery) -> bool:
    """Whether every ticket this search can match has a status the first sync read in full
    already (open first), so its answer is complete while the history is still read."""
    return bool(query.statuses) and set(query.statuses) <= state.statuses_read


def _progress_note(state: SyncState, complete: bool = False) -> str | None:
    if state.phase == "ready":
        return None
    share = min(99, int(percent_synced(state)))
    if state.statuses_read:
        read = ", ".join(sorted(state.statuses_read))
        if complete:
            return (
                f"The ticket index is still reading older tickets ({share}% so far), but every "
                f"ticket in {read} is indexed and kept current: this answer is complete."
            )
        return (
            f"The ticket index is still reading older tickets ({share}% so far): tickets in "
            f"{read} are all indexed, other statuses only in part. Filter by those statuses "
            "for a complete answer now, or ask again in a few minutes."
        )
    if state.pages_total:
        return (
            f"The ticket index is still being built ({share}% of tickets read so far); these "
            "results cover only what is indexed. Ask again in a few minutes for a full answer."
        )
    return (
        "The ticket index is being built, open tickets first; results will be complete once "
        "they are read (a few minutes)."
    )


async def _unknown_customer(index: TicketIndex, name: str) -> RuleError | None:
    names = await index.run(customer_names)
    if any(name in n.casefold() for n in names):
        return None
    close = difflib.get_close_matches(name, [n.casefold() for n in names], n=5, cutoff=0.5)
    shown = [n for n in names if n.casefold() in close]
    hint = f"Close names: {', '.join(shown)}." if shown else "Use find_customers to look it up."
    return RuleError(f"No customer name contains '{name}'. {hint}")


async def search_index(
    ctx: ToolContext, index: TicketIndex, request: SearchRequest
) -> SearchTicketsResult:
    """Answer `request` from the index (refreshed first if it is stale). An index that cannot
    be read now (its PostgreSQL down or restarting, its file locked past the busy timeout)
    is a clear, retryable tool error; its store reconnects on the next call."""
    failures: tuple[type[Exception], ...] = index.store.failures
    try:
        return await _search_index(ctx, index, request)
    except failures as exc:
        raise SharedStateUnavailable(
            "The ticket index cannot be read right now (its database is busy or unreachable); "
            "try the search again in a moment."
        ) from exc


async def _search_index(
    ctx: ToolContext, index: TicketIndex, request: SearchRequest
) -> SearchTicketsResult:
    after: tuple[float, ...] | None = None
    if request.cursor is not None:
        position = decode_cursor(request.cursor, request.owner)
        if not isinstance(position, list):
            raise RuleError("The cursor is not valid here. Omit it to start from the first page.")
        after = tuple(position)
    state = await index.ensure_fresh()
    unsettled = None
    if request.modified_after is not None:
        unsettled = await _settle_modified(ctx, index, request.modified_after)
    now = ctx.now()
    query = _query(ctx, request, now)
    complete = state.phase == "ready" or _within_read_statuses(state, query)
    if state.phase != "ready":
        await report(percent_synced(state), 100, _progress_note(state, complete))
    try:
        # One hit more than asked tells whether another page follows.
        page = await index.run(
            lambda store: search(store, query, limit=request.limit + 1, after=after)
        )
    except ValueError:
        raise RuleError("The cursor does not fit this search's order. Omit it.") from None
    if page.total == 0 and request.customer_name and state.phase == "ready":
        problem = await _unknown_customer(index, request.customer_name)
        if problem is not None:
            raise problem
    hits = page.hits[: request.limit]
    next_cursor = None
    if len(page.hits) > request.limit:
        next_cursor = encode_cursor(list(hits[-1].key), request.owner)
    notes = [_progress_note(state, complete), unsettled]
    if request.text is not None and request.text.dropped:
        notes.append(f"Only the first {MAX_TERMS} words or phrases of the query were used.")
    return SearchTicketsResult(
        tickets=[ticket_hit(h, now) for h in hits],
        total=page.total,
        next_cursor=next_cursor,
        complete=complete and unsettled is None,
        as_of=state.last_delta_at,
        note=" ".join(n for n in notes if n) or None,
    )
