"""get_ticket's `context`: the alert that opened the ticket, the end user's machines, and the
open tickets around it (the user's others; the customer's on the same words, "an outage?").

Monitoring data comes from `MonitoringCache` (warm: no request); the tickets come from the
index (no request). Read-only: no alert is changed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from atera_mcp.domain.machine import (
    TicketContext,
    belongs_to,
    device,
    ticket_alert,
    user_keys,
)
from atera_mcp.domain.views import TicketHit
from atera_mcp.domain.wire import TicketDto
from atera_mcp.domain.wire_monitoring import AgentDto, AlertDto
from atera_mcp.errors import AteraError
from atera_mcp.index.backend import IndexBackend
from atera_mcp.index.fts import tokens
from atera_mcp.index.query import Hit, TicketQuery, search
from atera_mcp.tools.concurrency import gather
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.monitoring import Snapshot
from atera_mcp.tools.search_index import done_statuses, ticket_hit

OWN_LIMIT = 10
RELATED_LIMIT = 5
MAX_CANDIDATES = 2_000  # a customer's open tickets compared by title, newest first
# Words too common in ticket titles to say two tickets are about the same thing.
_COMMON = frozenset(
    {
        *("the", "and", "for", "not", "with", "from", "this", "that", "can", "cannot", "cant"),
        *("does", "doesn", "isn", "won", "our", "your", "all", "any", "new", "please", "help"),
        *("issue", "issues", "problem", "problems", "error", "working", "work", "request"),
        *("need", "needs", "again", "still", "since", "when", "after", "before", "today"),
    }
)


def title_words(title: str | None) -> frozenset[str]:
    """A title's distinctive words, as the index's tokenizer splits them."""
    return frozenset(w for w in tokens(title or "") if len(w) >= 3 and w not in _COMMON)


def same_words(
    hits: list[Hit], words: frozenset[str], ticket_id: int, now: datetime
) -> list[TicketHit]:
    """The hits whose titles share words with `words`: most shared first, then newest."""
    scored = [(len(words & title_words(h.row["title"])), h) for h in hits]
    kept = [(n, h) for n, h in scored if n and h.row["id"] != ticket_id]
    kept.sort(key=lambda pair: (-pair[0], -(pair[1].row["created"] or 0), -pair[1].row["id"]))
    return [ticket_hit(h, now) for _, h in kept[:RELATED_LIMIT]]


async def ticket_context(ctx: ToolContext, ticket: TicketDto) -> TicketContext:
    """The context of `ticket` (just read from Atera)."""
    now, cache = ctx.now(), ctx.monitoring
    open_alerts: Snapshot[AlertDto] = Snapshot([], now)
    found: Snapshot[AgentDto] = Snapshot([], now)
    alert: AlertDto | None = None
    unread: list[str] = []  # what Atera would not give: the ticket is still worth answering

    async def read_alerts() -> None:
        nonlocal open_alerts, alert
        try:
            open_alerts = await cache.open_alerts(ctx.atera, now)
            alert = await cache.ticket_alert(ctx.atera, ticket.ticket_id, open_alerts)
        except AteraError as exc:
            unread.append(f"The alerts could not be read ({exc})")

    async def read_agents() -> None:
        nonlocal found
        if ticket.customer_id is None:
            return
        try:
            found = await cache.agents(ctx.atera, ticket.customer_id, now)
        except AteraError as exc:
            unread.append(f"The customer's agents could not be read ({exc})")

    await gather(read_alerts, read_agents)
    keys = user_keys(ticket.end_user_email, ticket.end_user_first_name, ticket.end_user_last_name)
    mine, related, index_note = await _open_tickets(ctx, ticket, now)
    notes = [index_note, *sorted(unread)]
    if not open_alerts.complete:
        notes.append(f"Only {len(open_alerts.items):,} of {open_alerts.total:,} open alerts read.")
    if not found.complete:
        notes.append(f"Only {len(found.items):,} of the customer's {found.total:,} agents read.")
    return TicketContext(
        alert=ticket_alert(alert) if alert is not None else None,
        devices=[device(a, open_alerts.items) for a in found.items if belongs_to(a, keys)],
        end_user_open_tickets=mine,
        related_open_tickets=related,
        as_of=min(open_alerts.read_at, found.read_at),
        note=" ".join(n for n in notes if n) or None,
    )


async def _open_tickets(
    ctx: ToolContext, ticket: TicketDto, now: datetime
) -> tuple[list[TicketHit], list[TicketHit], str | None]:
    """(the end user's other open tickets, the customer's related open ones, a note)."""
    index = ctx.index
    if index is None:
        return [], [], "The ticket index is off (ATERA_INDEX=off): no related tickets."
    base = TicketQuery(open_only=True, now=now.timestamp(), done_statuses=done_statuses(ctx))
    email = (ticket.end_user_email or "").strip().casefold() or None
    words = title_words(ticket.ticket_title)
    ticket_id = ticket.ticket_id

    def read(store: IndexBackend) -> tuple[list[TicketHit], list[TicketHit]]:
        mine: list[TicketHit] = []
        related: list[TicketHit] = []
        if email is not None:
            own = replace(base, end_user_email=email)
            mine = [ticket_hit(h, now) for h in search(store, own, limit=OWN_LIMIT + 1).hits]
        if words and ticket.customer_id is not None:
            # A customer has few open tickets: comparing their titles here is exact and far
            # cheaper than ranking the whole account's text matches.
            theirs = replace(base, customer_ids=(ticket.customer_id,))
            found = search(store, theirs, limit=MAX_CANDIDATES).hits
            related = same_words(found, words, ticket_id, now)
        return mine, related

    try:
        mine, related = await index.run(read)
    except index.store.failures:
        return [], [], "The ticket index cannot be read right now: no related tickets."
    state = await index.state()
    note = None if state.phase == "ready" else "The ticket index is still being built."
    others = [h for h in mine if h.ticket_id != ticket.ticket_id][:OWN_LIMIT]
    return others, related, note
