"""`TicketIndex`: the index as tools and the server see it (async; store work in a thread)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TypeVar

import anyio

from atera_mcp.domain.wire import TicketCommentDto, TicketDto
from atera_mcp.index.store import IndexStore, Observation, SyncState

T = TypeVar("T")


class TicketIndex:
    """One account's index: its store, its sync engine and its background work."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self._limiter = anyio.CapacityLimiter(1)

    async def run(self, work: Callable[[IndexStore], T]) -> T:
        """Run blocking store work (a query, an upsert) in a worker thread, one at a time."""
        return await anyio.to_thread.run_sync(partial(work, self.store), limiter=self._limiter)

    async def ensure_fresh(self) -> None:
        """Before answering a search: read the delta feed first when the last delta is older
        than the refresh interval (normally one request). Marks the index as in use."""
        return None

    async def record_ticket(self, dto: TicketDto, seen: Observation) -> None:
        """A ticket read live (get_ticket, a write's read-back) goes into the index at once."""
        raise NotImplementedError

    async def forget(self, ticket_id: int) -> None:
        """Atera answered 404 for this ticket: drop it."""
        raise NotImplementedError

    async def record_comments(self, ticket_id: int, comments: Sequence[TicketCommentDto]) -> None:
        """A ticket's whole thread read live (get_ticket, list_comments, add_comment)."""
        raise NotImplementedError

    async def state(self) -> SyncState:
        return await self.run(IndexStore.load_state)
