"""The one concurrency helper: order kept, bounded, first failure unwrapped, the rest cancelled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import pytest

from atera_mcp.client.concurrency import gather
from atera_mcp.errors import NotFoundError

pytestmark = pytest.mark.anyio


async def test_results_come_back_in_call_order_whatever_order_they_finish_in() -> None:
    first_may_finish = anyio.Event()

    async def slow() -> int:
        await first_may_finish.wait()
        return 1

    async def fast() -> int:
        first_may_finish.set()
        return 2

    with anyio.fail_after(5):
        assert await gather(slow, fast) == [1, 2]


async def test_no_more_than_limit_calls_run_at_once() -> None:
    running = peak = 0

    def call(i: int) -> Callable[[], Awaitable[int]]:
        async def run() -> int:
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            await anyio.lowlevel.checkpoint()
            running -= 1
            return i

        return run

    assert await gather(*(call(i) for i in range(10)), limit=3) == list(range(10))
    assert peak == 3


async def test_the_first_project_error_is_raised_unwrapped_and_the_others_are_cancelled() -> None:
    cancelled = anyio.Event()

    async def waits_forever() -> int:
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.set()
        return 0

    async def fails() -> int:
        await anyio.lowlevel.checkpoint()
        raise NotFoundError("Ticket 9 was not found.", status=404)

    with anyio.fail_after(5), pytest.raises(NotFoundError, match="Ticket 9"):
        await gather(waits_forever, fails)
    assert cancelled.is_set()


async def test_calls_not_yet_started_never_start_after_a_failure() -> None:
    started: list[int] = []

    def call(i: int) -> Callable[[], Awaitable[int]]:
        async def run() -> int:
            started.append(i)
            if i == 0:
                raise NotFoundError("gone")
            await anyio.lowlevel.checkpoint()
            return i

        return run

    with pytest.raises(NotFoundError):
        await gather(*(call(i) for i in range(5)), limit=1)
    assert started == [0]
