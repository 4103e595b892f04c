"""The rate budget shared by replicas through a real Redis: each `RedisBudget` below stands for
one replica (its own connection pool), all on one account's keys, as replicas behind a load
balancer would be. Time is virtual (`VirtualTime`): the budgets read its clock instead of
Redis's, so minutes of traffic run in a moment while every step still runs Redis's script.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import pytest

from atera_mcp.client import AteraClient
from atera_mcp.errors import RateLimitedError, SharedStateUnavailable
from atera_mcp.sandbox.requestlog import busiest_window
from atera_mcp.shared.redis_budget import RedisBudget
from atera_mcp.shared.redis_link import SharedRedis
from tests.client.test_rate_budget import Atera, client, reads
from tests.client.virtual_time import VirtualTime
from tests.ports import free_port
from tests.shared_redis import fresh_account

MakeBudget = Callable[..., RedisBudget]


@asynccontextmanager
async def clients(atera: Atera, budgets: list[RedisBudget]) -> AsyncIterator[list[AteraClient]]:
    """One client per budget (per replica), all talking to the same `atera`."""
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(client(atera, each)) for each in budgets]


@pytest.fixture
async def replicas(redis_url: str) -> AsyncIterator[tuple[VirtualTime, MakeBudget]]:
    """A virtual clock and a factory of replicas' budgets sharing one fresh account in Redis;
    the account's keys are deleted afterwards."""
    time = VirtualTime()
    async with fresh_account(redis_url) as connect:

        def make(
            rpm: int, sync_rpm: int | None = None, *, burst: int | None = None, margin: float = 1.0
        ) -> RedisBudget:
            return RedisBudget(
                connect(), rpm, sync_rpm, burst=burst, margin=margin, clock=time.clock
            )

        yield time, make


@pytest.mark.anyio
async def test_three_replicas_never_send_more_than_rpm_in_any_window_together(
    replicas: tuple[VirtualTime, MakeBudget],
) -> None:
    time, make = replicas
    atera = Atera(time)
    budgets = [make(60, 20) for _ in range(3)]  # the default margin: a minute counted as 61 s
    async with clients(atera, budgets) as (a, b, c):
        jobs = [reads(each, 15) for each in (a, b, c)] * 2
        jobs += [reads(each, 10, background=True) for each in (a, b, c)]
        await time.run(*jobs)
    assert len(atera.log) == 3 * 2 * 15 + 3 * 10
    # Even the counted minute of 61 s holds (less a microsecond: slots fall exactly 61 s apart,
    # and the window's own subtraction rounds).
    assert busiest_window(atera.times(), 61.0 - 1e-6) <= 60
    assert busiest_window(atera.times("background"), 61.0 - 1e-6) <= 20
    # Shared, not split: three replicas together get about the pace of one budget.
    assert max(atera.times()) < 3 * 61.0


@pytest.mark.anyio
async def test_background_on_every_replica_is_capped_together(
    replicas: tuple[VirtualTime, MakeBudget],
) -> None:
    time, make = replicas
    atera = Atera(time)
    budgets = [make(60, 6, burst=1, margin=0) for _ in range(3)]
    async with clients(atera, budgets) as (a, b, c):
        jobs = [reads(each, 4, background=True) for each in (a, b, c)]
        await time.run(*jobs, reads(a, 6), reads(c, 6))
    background = atera.times("background")
    assert len(background) == 12
    assert busiest_window(background) == 6
    assert background[6] >= background[0] + 60.0
    # Interactive work is not held behind the background cap: paced at a slot a second.
    assert max(atera.times("interactive")) < 15.0
    assert busiest_window(atera.times()) <= 60


@pytest.mark.anyio
async def test_interactive_waiting_on_one_replica_makes_background_on_another_yield(
    replicas: tuple[VirtualTime, MakeBudget],
) -> None:
    time, make = replicas
    atera = Atera(time)
    assistant, sync = make(60, 60, burst=1, margin=0), make(60, 60, burst=1, margin=0)
    async with client(atera, assistant) as here, client(atera, sync) as there:
        await time.run(*[reads(there, 10, background=True)] * 5, reads(here, 5))
    first_six = [s.request_class for s in atera.log[:6]]
    # The very first slot goes to whoever asked first; then interactive takes every slot.
    assert first_six.count("interactive") == 5
    assert busiest_window(atera.times()) <= 60


@pytest.mark.anyio
async def test_a_429_on_one_replica_pauses_every_replica_until_retry_after(
    replicas: tuple[VirtualTime, MakeBudget],
) -> None:
    time, make = replicas
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
async def test_a_pause_set_on_one_replica_makes_a_call_on_another_fail_at_once(
    replicas: tuple[VirtualTime, MakeBudget],
) -> None:
    time, make = replicas
    atera = Atera(time)
    here, there = make(600), make(600)
    await here.pause_for(250.0)
    time.now += 10.0
    assert await there.pause_left() == pytest.approx(240.0)
    async with client(atera, there) as other:  # its calls may retry for 120 s at most
        with pytest.raises(RateLimitedError, match="wait 240 seconds"):
            await other.get_ticket(7)
    assert atera.log == []
    await there.pause_for(1.0)  # a shorter pause never shortens a running one
    assert await here.pause_left() == pytest.approx(240.0)


@pytest.mark.anyio
async def test_one_replica_on_redis_sends_when_the_process_budget_would(
    replicas: tuple[VirtualTime, MakeBudget],
) -> None:
    from atera_mcp.client import RateBudget

    async def traffic(time: VirtualTime, one: AteraClient) -> None:
        # One class at a time: which of two callers asking at the same instant goes first is
        # up to the event loop, and with both classes that changes the times.
        await time.run(*[reads(one, 10)] * 3)
        time.now += 120.0
        await time.run(*[reads(one, 5, background=True)] * 2)

    time, make = replicas
    on_redis = Atera(time)
    async with client(on_redis, make(60, 6, burst=3)) as one:
        await traffic(time, one)
    local_time = VirtualTime()
    in_process = Atera(local_time)
    async with client(in_process, RateBudget(60, 6, burst=3, clock=local_time.clock)) as one:
        await traffic(local_time, one)
    assert on_redis.times() == pytest.approx(in_process.times())


@pytest.mark.anyio
async def test_on_redis_time_a_pause_from_one_replica_reads_the_same_on_another(
    redis_url: str,
) -> None:
    async with fresh_account(redis_url) as connect:
        here, there = (RedisBudget(connect(), 700) for _ in range(2))  # no test clock: Redis's
        assert await there.acquire(_no_sleep, "background") == 0.0
        assert await here.acquire(_no_sleep) == 0.0  # spends the burst background left
        await here.pause_for(30.0)
        assert 25.0 < await there.pause_left() <= 30.0


async def _no_sleep(seconds: float) -> None:
    pytest.fail(f"asked to wait {seconds} s with the budget untouched")


@pytest.mark.anyio
async def test_without_redis_a_call_fails_at_once_and_nothing_is_sent() -> None:
    time = VirtualTime()
    atera = Atera(time)
    link = SharedRedis.from_url(f"redis://:secret@127.0.0.1:{free_port()}/0", "f" * 32)
    budget = RedisBudget(link, 700, clock=time.clock)
    async with client(atera, budget) as one:
        with pytest.raises(SharedStateUnavailable) as caught:
            await one.get_ticket(7)
        with pytest.raises(SharedStateUnavailable):
            await one.delete_ticket(7)
        with pytest.raises(SharedStateUnavailable):
            await budget.redis.ping()
    await link.aclose()
    assert atera.log == []
    message = str(caught.value)
    assert "rate budget" in message
    assert "Redis" in message
    assert "nothing was sent" in message
    assert "secret" not in message
    assert "secret" not in repr(budget.redis)


@pytest.mark.anyio
async def test_ping_answers_when_redis_is_up(replicas: tuple[VirtualTime, MakeBudget]) -> None:
    _, make = replicas
    await make(700).redis.ping()


def test_a_shared_budget_needs_sane_rates(redis_url: str) -> None:
    link = SharedRedis.from_url(redis_url, "0" * 32)
    with pytest.raises(ValueError, match="rpm"):
        RedisBudget(link, 0)
    with pytest.raises(ValueError, match="sync_rpm"):
        RedisBudget(link, 700, 701)
