"""create_ticket's checks over the whole account: is the same ticket already open, and did a
create whose answer was lost land?

Both read the index when it is on: first brought up to this moment through Atera's change
feed (`TicketIndex.catch_up`, normally one request), then asked for the end user's tickets,
so they are exact on an account of any size. Without a complete index (off, its first sync
not done, unreadable) they read Atera's lists, which stop at `SCAN_LIMIT` tickets: a read that
stopped short is never taken for a complete one. The duplicate check then says it was
partial; settling says it cannot tell, rather than send the ticket again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from atera_mcp.domain.wire import ContactDto, CreateTicketModel, TicketDto
from atera_mcp.errors import AteraError, RuleError
from atera_mcp.index.query import end_user_tickets
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.settle import CLOCK_MARGIN, CannotTell, Settled, settle
from atera_mcp.tools.ticket_steps import folded, same_title

log = logging.getLogger(__name__)

DUPLICATE_WINDOW = timedelta(hours=24)
SCAN_LIMIT = 500  # tickets one list read covers without the index


@dataclass(frozen=True)
class Look:
    """What a check found, and why it may have missed something (None: it saw everything)."""

    tickets: list[TicketDto]
    partial: str | None = None


async def _indexed(
    ctx: ToolContext, end_user_id: int | None, since: datetime
) -> list[TicketDto] | None:
    """The end user's tickets created since `since`, newest first, from an index brought up
    to now; None when the index cannot answer for the whole account."""
    index = ctx.index
    if index is None or end_user_id is None:
        return None
    from atera_mcp.index.service import LeaseLost  # imported only with the index on

    failures: tuple[type[Exception], ...] = (AteraError, LeaseLost, *index.store.failures)
    try:
        if not await index.catch_up():
            return None
        rows = await index.run(lambda s: end_user_tickets(s, end_user_id, since.timestamp()))
    except failures as exc:
        log.warning("The index could not answer create_ticket's check; reading Atera: %s", exc)
        return None
    return [
        TicketDto(
            ticket_id=row[0],
            ticket_title=row[1],
            ticket_status=row[2],
            end_user_id=end_user_id,
            ticket_created_date=datetime.fromtimestamp(row[3], UTC),
        )
        for row in rows
    ]


def _same(t: TicketDto, contact: ContactDto, title: str, since: datetime) -> bool:
    return (
        t.end_user_id == contact.end_user_id
        and same_title(t.ticket_title, title)
        and t.ticket_created_date is not None
        and t.ticket_created_date >= since
    )


async def find_duplicate(ctx: ToolContext, contact: ContactDto, title: str) -> Look:
    """Unresolved tickets with this title for this end user created in the last 24 hours."""
    since = ctx.now() - DUPLICATE_WINDOW
    indexed = await _indexed(ctx, contact.end_user_id, since)
    if indexed is not None:
        unresolved = [
            t
            for t in indexed
            if _same(t, contact, title, since)
            and ctx.rules.base_of(t.ticket_status or "") in ("Open", "Pending")
        ]
        return Look(unresolved)
    found: list[TicketDto] = []
    missed: list[str] = []
    for status in ("Open", "Pending"):
        listed = await ctx.atera.list_tickets(
            customer_id=contact.customer_id, status=status, max_items=SCAN_LIMIT
        )
        found += [t for t in listed.items if _same(t, contact, title, since)]
        if not listed.complete:
            missed.append(f"{len(listed.items)} of the customer's {listed.total} {status}")
    partial = None
    if missed and not found:
        partial = (
            f"The duplicate check read only {' and '.join(missed)} tickets (without the ticket "
            "index, Atera's lists are read up to 500), so an open duplicate may have been missed."
        )
    return Look(found, partial)


async def recent_copies(ctx: ToolContext, since: datetime, contact: ContactDto, title: str) -> Look:
    """Tickets with this title for this end user created since `since`, newest first (without
    the index: from the lastmodified feed, where a new ticket shows once created)."""
    indexed = await _indexed(ctx, contact.end_user_id, since)
    if indexed is not None:
        return Look([t for t in indexed if _same(t, contact, title, since)])
    feed = await ctx.atera.tickets_modified_since(since, max_items=SCAN_LIMIT)
    copies = [t for t in feed.items if _same(t, contact, title, since)]
    copies.sort(key=lambda t: t.ticket_created_date or since, reverse=True)
    partial = None
    if not feed.complete:
        partial = (
            f"{feed.total} tickets changed since the ticket was sent, more than the "
            f"{SCAN_LIMIT} read without the ticket index"
        )
    return Look(copies, partial)


def new_copy(look: Look, known: set[int]) -> int | None:
    """The id of the copy not `known` before the send; CannotTell when the look was partial."""
    new = [t for t in look.tickets if t.ticket_id not in known]
    if new:
        return new[0].ticket_id
    if look.partial is not None:
        raise CannotTell(look.partial)
    return None


@dataclass(frozen=True)
class Sent:
    """How a ticket's send went, when it was sent, and what the duplicate check could not see."""

    settled: Settled[int]
    at: datetime
    partial: str | None


async def send_ticket(
    ctx: ToolContext,
    body: CreateTicketModel,
    contact: ContactDto,
    *,
    check: bool,
    new_contact: bool,
) -> Sent:
    """The duplicate check (when `check`), the send and settling, as one step under the
    ticket's write lock: a second identical call made at the same time waits, then finds this
    ticket (nor can settling take it for its own). A `new_contact` has no tickets to look at."""
    title = body.ticket_title or ""
    async with ctx.write_locks.hold(("ticket", contact.end_user_id, folded(title))):
        partial = None
        if check and not new_contact:
            duplicates = await find_duplicate(ctx, contact, title)
            if duplicates.tickets:
                duplicate = duplicates.tickets[0]
                raise RuleError(
                    f"Ticket {duplicate.ticket_id} '{duplicate.ticket_title}' for this end user "
                    f"is still {duplicate.ticket_status} and was opened in the last 24 hours. "
                    "Update it instead, or pass allow_duplicate=true to open another."
                )
            partial = duplicates.partial
        sent_at = ctx.now()
        since = sent_at - CLOCK_MARGIN
        # A same-titled ticket for this person may be minutes old (allowed as a duplicate, or
        # already resolved or closed): note those first, so the check after an unclear answer
        # cannot take one of them for the new one.
        known = (
            set()
            if new_contact
            else {t.ticket_id for t in (await recent_copies(ctx, since, contact, title)).tickets}
        )

        async def find() -> int | None:
            return new_copy(await recent_copies(ctx, since, contact, title), known)

        created = await settle(lambda: ctx.atera.create_ticket(body), find, what="the ticket")
    return Sent(created, sent_at, partial)
