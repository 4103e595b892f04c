"""The rate budget shared by replicas through a real Redis: each `RedisBudget` below stands for
one replica (its own connection pool), all on one account's keys, as replicas behind a load
balancer would be. Time is virtual (`VirtualTime`): the budgets read its clock instead of
Redis's, so minutes of traffic run in a moment while every step still runs Redis's script.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from atera_mcp.errors import SharedStateUnavailable
from atera_mcp.shared.redis_budget import RedisBudget
from atera_mcp.shared.redis_link import SharedRedis
from tests.client.test_rate_budget import Atera, client
from tests.client.virtual_time import VirtualTime
from tests.ports import free_port
from tests.shared_redis import fresh_account

MakeBudget = Callable[..., RedisBudget]


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
