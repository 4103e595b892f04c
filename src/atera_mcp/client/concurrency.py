"""Run independent requests at once: results in order, the first failure raised as it was.

anyio task groups raise an ExceptionGroup; the server's error boundary expects the project's own
exceptions, so the first failure is kept, the other calls are cancelled (their answers would be
thrown away), and that failure is re-raised unwrapped. One helper for the client (paging) and
the tools (`tools.concurrency` re-exports it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar, cast

import anyio

T = TypeVar("T")


async def gather(*calls: Callable[[], Awaitable[T]], limit: int | None = None) -> list[T]:
    """Await every call, at most `limit` at once (all when None); results in call order.

    On the first failure the calls still running are cancelled, the rest never start, and that
    first exception is raised as it was.
    """
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1")
    results: list[T | None] = [None] * len(calls)
    failures: list[Exception] = []
    queue: Iterator[int] = iter(range(len(calls)))

    async def worker(scope: anyio.CancelScope) -> None:
        for index in queue:
            try:
                results[index] = await calls[index]()
            except Exception as exc:  # re-raised below, unwrapped
                failures.append(exc)
                scope.cancel()
                return

    workers = len(calls) if limit is None else min(limit, len(calls))
    async with anyio.create_task_group() as group:
        for _ in range(workers):
            group.start_soon(worker, group.cancel_scope)
    if failures:
        raise failures[0]
    return cast(list[T], results)
