"""Run a few independent reads at once without wrapping their errors in an ExceptionGroup.

anyio task groups always raise ExceptionGroup; the server's error boundary expects the
project's own exceptions, so the first failure is re-raised as it was.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

import anyio

T = TypeVar("T")


async def gather(*calls: Callable[[], Awaitable[T]]) -> list[T]:
    """Await every call concurrently; return results in order or raise the first error."""
    results: list[T | None] = [None] * len(calls)
    errors: list[Exception] = []

    async def run(index: int, call: Callable[[], Awaitable[T]]) -> None:
        try:
            results[index] = await call()
        except Exception as exc:  # re-raised below, unwrapped
            errors.append(exc)

    async with anyio.create_task_group() as tg:
        for index, call in enumerate(calls):
            tg.start_soon(run, index, call)
    if errors:
        raise errors[0]
    return cast(list[T], results)
