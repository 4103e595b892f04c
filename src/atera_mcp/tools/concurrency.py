"""Concurrency for the tools: the client's one `gather` (cancel the rest, re-raise the first
error unwrapped), re-exported so tool modules need not reach into the client room; and
`KeyedLocks`, which makes a write's duplicate check, send and settling one step."""

from __future__ import annotations

from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio

from atera_mcp.client.concurrency import gather

if TYPE_CHECKING:
    from atera_mcp.shared.redis_locks import RedisLocks

__all__ = ["KeyedLocks", "gather"]


@dataclass
class _Held:
    lock: anyio.Lock = field(default_factory=anyio.Lock)
    users: int = 0  # holding or waiting


class KeyedLocks:
    """One lock per key, kept only while someone holds or waits for it (idle keys are dropped,
    so a long-running server does not collect one per ticket ever written to).

    A duplicate check followed by a send is only a check if nothing else sends in between:
    two identical calls at once would both pass it. Holding the write's key across check, send
    and settling makes the second wait and then see the first's write.

    With `shared` (replicas on one Redis, see redis_locks.py) the key is also held across
    replicas once the local lock is had: callers in this process queue here, and only the one
    at the head waits (a bounded time) for another replica to finish."""

    def __init__(self, shared: RedisLocks | None = None) -> None:
        self._held: dict[Hashable, _Held] = {}
        self.shared = shared

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        held = self._held.setdefault(key, _Held())
        held.users += 1
        try:
            async with held.lock:
                if self.shared is None:
                    yield
                else:
                    async with self.shared.hold(key):
                        yield
        finally:
            held.users -= 1
            if held.users == 0:
                del self._held[key]

    def __len__(self) -> int:
        """How many keys are held or waited for now."""
        return len(self._held)
