"""Upkeep of a built index: the comment backfill and the reconciling id sweep.

Both are background work at the sync's share of the budget. Atera's delta feed reports neither
comment threads in full nor deleted tickets, so:
- the backfill reads the whole thread of each unresolved ticket whose comments are missing or
  older than its last change, newest ticket first (`IndexStore.comment_backlog`);
- the sweep reads every page of `GET /tickets` at most once a day, indexes what it reads, and
  deletes an indexed ticket it did not see only when `GET /tickets/{id}` answers 404 (pages
  shift while they are read, so absence from a page proves nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from atera_mcp.client import AteraClient
from atera_mcp.domain.wire import Page, TicketCommentDto, TicketDto
from atera_mcp.errors import AteraRefusedError, NotFoundError, UpstreamError
from atera_mcp.index.backend import IndexBackend, Observation, SyncState
from atera_mcp.index.sync import PAGE_SIZE, Clock, StoreRunner, later, page_count, read_pages

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(days=1)
MAX_COMMENTS = 5000  # a thread longer than this is indexed as far as it was read
RETRY_THREAD_AFTER = timedelta(hours=1)  # a thread Atera failed to give is skipped this long


@dataclass
class Upkeep:
    """The backfill and the sweep, step by step; `TicketIndex` decides when each runs."""

    atera: AteraClient
    run: StoreRunner
    clock: Clock
    concurrency: int = 2  # low priority: half the first sync's
    heartbeat: Callable[[], Awaitable[None]] | None = None
    _failed_threads: dict[int, datetime] = field(default_factory=dict, init=False)

    # -- comments -----------------------------------------------------------------------------

    async def backfill_comments(self, batch: int = 20) -> int:
        """Index the comments of up to `batch` unresolved tickets (newest first); returns how
        many threads were read (0: nothing left to do, or only threads that keep failing)."""
        now = self.clock()
        for ticket_id, failed_at in list(self._failed_threads.items()):
            if now - failed_at >= RETRY_THREAD_AFTER:
                del self._failed_threads[ticket_id]
        wanted = batch + len(self._failed_threads)
        backlog = await self.run(lambda s: s.comment_backlog(wanted))
        todo = [t for t in backlog if t not in self._failed_threads][:batch]
        for ticket_id in todo:
            started = self.clock()  # the thread read is current up to here
            try:
                found = await self.atera.list_comments(ticket_id, max_items=MAX_COMMENTS)
            except NotFoundError:
                await self.run(partial(_delete, ticket_id=ticket_id))
                continue
            except (AteraRefusedError, UpstreamError) as exc:
                # One thread Atera keeps failing on must not hold up the others behind it.
                log.warning("Comments of ticket %d could not be read: %s", ticket_id, exc)
                self._failed_threads[ticket_id] = started
                continue
            comments = found.items
            thread = partial(_replace_comments, ticket_id=ticket_id, comments=comments, at=started)
            await self.run(thread)
            if self.heartbeat is not None:
                await self.heartbeat()
        return len(todo)

    def sweep_due(self, state: SyncState) -> bool:
        last = state.last_full_sweep_at
        return state.phase == "ready" and (last is None or self.clock() - last >= SWEEP_EVERY)

    async def reconcile(self) -> int:
        """Read every page, index what is read, and delete the indexed tickets that were not
        seen and that Atera answers 404 for. Returns how many were deleted."""
        started = self.clock()
        before = await self.run(lambda s: s.ticket_ids())
        seen: set[int] = set()

        async def fetch(number: int) -> Page[TicketDto]:
            return await self.atera.list_tickets_page(page=number, items_in_page=PAGE_SIZE)

        async def on_page(number: int, page: Page[TicketDto], at: datetime) -> None:
            items = page.items or []
            seen.update(t.ticket_id for t in items)
            await self.run(lambda s: s.upsert_tickets(items, Observation(at=at)))
            if self.heartbeat is not None:
                await self.heartbeat()

        first = await fetch(1)
        await on_page(1, first, self.clock())
        pages = range(2, page_count(first) + 1)
        await read_pages(fetch, pages, on_page, self.clock, self.concurrency)
        deleted = 0
        for ticket_id in sorted(before - seen):
            # Pages shift while they are read: absence proves nothing until Atera says 404.
            try:
                dto = await self.atera.get_ticket(ticket_id)
            except NotFoundError:
                deleted += await self.run(partial(_delete, ticket_id=ticket_id))
                continue
            except (AteraRefusedError, UpstreamError) as exc:
                # Kept for now: only a 404 removes a ticket; the next sweep asks again.
                log.warning("Ticket %d could not be confirmed: %s", ticket_id, exc)
                continue
            seen_now = Observation(at=self.clock())
            await self.run(partial(_upsert, tickets=[dto], seen=seen_now))
            if self.heartbeat is not None:
                await self.heartbeat()

        def finish(store: IndexBackend) -> None:
            current = store.load_state()
            current.last_full_sweep_at = later(current.last_full_sweep_at, started)
            store.save_state(current)

        await self.run(finish)
        return deleted


# Store work for `run`, bound with partial (a lambda in a loop would capture the loop variable).
def _replace_comments(
    store: IndexBackend, *, ticket_id: int, comments: list[TicketCommentDto], at: datetime
) -> None:
    store.replace_comments(ticket_id, comments, at)


def _delete(store: IndexBackend, *, ticket_id: int) -> bool:
    return store.delete_ticket(ticket_id)


def _upsert(store: IndexBackend, *, tickets: list[TicketDto], seen: Observation) -> int:
    return store.upsert_tickets(tickets, seen)
