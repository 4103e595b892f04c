"""What every budget shared across processes keeps, on each store it can be shared through:
a file (`FileBudget`, one machine's processes) and Redis (`RedisBudget`, replicas). Each budget
made below stands for one sharer (a process or a replica), all on one account; time is
virtual (`VirtualTime`), so minutes of traffic run in a moment while every step still goes
through the store. What only one store does is tested beside it (test_file_budget.py,
test_redis_budget.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from atera_mcp.client import AteraClient, Budget, RateBudget
from atera_mcp.errors import RateLimitedError
from atera_mcp.sandbox.requestlog import busiest_window
from atera_mcp.shared.file_budget import FileBudget
from atera_mcp.shared.redis_budget import RedisBudget
from tests.client.test_rate_budget import Atera, client, reads
from tests.client.virtual_time import VirtualTime
from tests.shared_redis import fresh_account

MakeBudget = Callable[..., Budget]


@asynccontextmanager
async def clients(atera: Atera, budgets: list[Budget]) -> AsyncIterator[list[AteraClient]]:
    """One client per budget (per sharer), all talking to the same `atera`."""
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(client(atera, each)) for each in budgets]


@pytest.fixture(params=["file", "redis"])
async def shared(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[VirtualTime, MakeBudget]]:
    """A virtual clock and a factory of sharers' budgets on one store: one file, or one fresh
    account in Redis (its keys deleted afterwards)."""
    time = VirtualTime()
    if request.param == "file":
        made: list[FileBudget] = []

        def on_file(
            rpm: int, sync_rpm: int | None = None, *, burst: int | None = None, margin: float = 1.0
        ) -> FileBudget:
            path = tmp_path / "cache" / "account.budget.sqlite3"
            made.append(
                FileBudget(path, rpm, sync_rpm, burst=burst, margin=margin, clock=time.clock)
            )
            return made[-1]

        yield time, on_file
        for budget in made:
            budget.close()
        return
    async with fresh_account(request.getfixturevalue("redis_url")) as connect:

        def on_redis(
            rpm: int, sync_rpm: int | None = None, *, burst: int | None = None, margin: float = 1.0
        ) -> RedisBudget:
            return RedisBudget(
                connect(), rpm, sync_rpm, burst=burst, margin=margin, clock=time.clock
            )

        yield time, on_redis


@pytest.mark.anyio
async def test_three_sharers_never_send_more_than_rpm_in_any_window_together(
    shared: tuple[VirtualTime, MakeBudget],
) -> None:
    time, make = shared
    atera = Atera(time)
    budgets = [make(60, 20) for _ in range(3)]
    async with clients(atera, budgets) as (a, b, c):
        jobs = [reads(each, 15) for each in (a, b, c)] * 2
        jobs += [reads(each, 10, background=True) for each in (a, b, c)]
        await time.run(*jobs)
    assert len(atera.log) == 3 * 2 * 15 + 3 * 10
    assert busiest_window(atera.times(), 61.0 - 1e-6) <= 60
    assert busiest_window(atera.times("background"), 61.0 - 1e-6) <= 20
    # Shared, not split: three sharers together get about the pace of one budget.
    assert max(atera.times()) < 3 * 61.0


@pytest.mark.anyio
async def test_background_of_every_sharer_is_capped_together(
    shared: tuple[VirtualTime, MakeBudget],
) -> None:
    time, make = shared
    atera = Atera(time)
    budgets = [make(60, 6, burst=1, margin=0) for _ in range(3)]
    async with clients(atera, budgets) as (a, b, c):
        jobs = [reads(each, 4, background=True) for each in (a, b, c)]
        await time.run(*jobs, reads(a, 6), reads(c, 6))
    background = atera.times("background")
    assert len(background) == 12
    assert busiest_window(background) == 6
    assert background[6] >= background[0] + 60.0
    assert max(atera.times("interactive")) < 15.0
    assert busiest_window(atera.times()) <= 60


@pytest.mark.anyio
async def test_interactive_waiting_in_one_sharer_makes_background_in_another_yield(
    shared: tuple[VirtualTime, MakeBudget],
) -> None:
    time, make = shared
    atera = Atera(time)
    assistant, sync = make(60, 60, burst=1, margin=0), make(60, 60, burst=1, margin=0)
    async with client(atera, assistant) as here, client(atera, sync) as there:
        await time.run(*[reads(there, 10, background=True)] * 5, reads(here, 5))
    first_six = [s.request_class for s in atera.log[:6]]
    assert first_six.count("interactive") == 5
    assert busiest_window(atera.times()) <= 60


@pytest.mark.anyio
async def test_a_429_seen_by_one_sharer_pauses_every_sharer_until_retry_after(
    shared: tuple[VirtualTime, MakeBudget],
) -> None:
    time, make = shared
    atera = Atera(time, throttle={12: "5"})
    budgets = [make(600, 300, margin=0) for _ in range(3)]
    async with clients(atera, budgets) as (a, b, c):
        jobs = [reads(each, 5) for each in (a, b, c)] * 2
        jobs += [reads(each, 5, background=True) for each in (a, b, c)]
        await time.run(*jobs)
    throttled = next(i for i, sent in enumerate(atera.log) if sent.status == 429)
    after = atera.log[throttled + 1 :]
    assert {s.request_class for s in after} == {"interactive", "background"}
    assert min(s.at for s in after) >= atera.log[throttled].at + 5.0
    assert len(atera.log) == 6 * 5 + 3 * 5 + 1


@pytest.mark.anyio
async def test_a_long_pause_set_by_one_sharer_makes_a_call_in_another_fail_at_once(
    shared: tuple[VirtualTime, MakeBudget],
) -> None:
    time, make = shared
    atera = Atera(time)
    here, there = make(600), make(600)
    await here.pause_for(250.0)
    time.now += 10.0
    assert await there.pause_left() == pytest.approx(240.0)
    async with client(atera, there) as other:
        with pytest.raises(RateLimitedError, match="wait 240 seconds"):
            await other.get_ticket(7)
    assert atera.log == []
    await there.pause_for(1.0)  # a shorter pause never shortens a running one
    assert await here.pause_left() == pytest.approx(240.0)


@pytest.mark.anyio
async def test_one_sharer_alone_sends_when_the_in_process_budget_would(
    shared: tuple[VirtualTime, MakeBudget],
) -> None:
    async def traffic(time: VirtualTime, one: AteraClient) -> None:
        await time.run(*[reads(one, 10)] * 3)
        time.now += 120.0
        await time.run(*[reads(one, 5, background=True)] * 2)

    time, make = shared
    on_store = Atera(time)
    async with client(on_store, make(60, 6, burst=3)) as one:
        await traffic(time, one)
    local_time = VirtualTime()
    in_process = Atera(local_time)
    async with client(in_process, RateBudget(60, 6, burst=3, clock=local_time.clock)) as one:
        await traffic(local_time, one)
    assert on_store.times() == pytest.approx(in_process.times())
