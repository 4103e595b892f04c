"""The token bucket: its pure arithmetic, and a budget shared across clients."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from atera_mcp.client import AteraClient, RateBudget
from atera_mcp.client.ratelimit import Bucket, default_burst, reserve
from tests.client.conftest import KEY

MakeClient = Callable[..., AteraClient]


def test_a_full_bucket_lets_a_burst_through_without_waiting() -> None:
    bucket = Bucket(tokens=3.0, at=0.0)
    waits = []
    for _ in range(3):
        bucket, wait = reserve(bucket, 0.0, rate=1.0, burst=3)
        waits.append(wait)
    assert waits == [0.0, 0.0, 0.0]


def test_an_empty_bucket_queues_callers_one_interval_apart() -> None:
    bucket = Bucket(tokens=0.0, at=0.0)
    waits = []
    for _ in range(3):
        bucket, wait = reserve(bucket, 0.0, rate=2.0, burst=1)
        waits.append(wait)
    assert waits == [0.5, 1.0, 1.5]


def test_the_bucket_refills_at_the_rate_but_never_beyond_the_burst() -> None:
    bucket, wait = reserve(Bucket(tokens=0.0, at=0.0), 1.5, rate=1.0, burst=5)
    assert (bucket.tokens, wait) == (0.5, 0.0)
    bucket, wait = reserve(Bucket(tokens=0.0, at=0.0), 100.0, rate=1.0, burst=5)
    assert (bucket.tokens, wait) == (4.0, 0.0)


def test_the_default_burst_is_a_tenth_of_a_minute() -> None:
    assert default_burst(700) == 70
    assert default_burst(5) == 1


class FakeTime:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"CompanyName": "Acme"})


@pytest.mark.anyio
async def test_a_shared_budget_throttles_two_clients_together() -> None:
    time = FakeTime()
    budget = RateBudget(60, burst=1, clock=time.clock)
    transport = httpx.MockTransport(ok)
    first = AteraClient(api_key=KEY, transport=transport, sleep=time.sleep, rate_budget=budget)
    second = AteraClient(api_key=KEY, transport=transport, sleep=time.sleep, rate_budget=budget)
    async with first, second:
        await first.get_account()
        await second.get_account()
        await first.get_account()
    assert time.waits == [1.0, 1.0]


@pytest.mark.anyio
async def test_every_retry_attempt_spends_from_the_budget() -> None:
    time = FakeTime()
    budget = RateBudget(60, burst=1, clock=time.clock)
    answers = iter([httpx.Response(429, headers={"Retry-After": "0"}), ok_response()])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers)

    client = AteraClient(
        api_key=KEY, transport=httpx.MockTransport(handler), sleep=time.sleep, rate_budget=budget
    )
    async with client:
        await client.get_account()
    # The first attempt is free; after Retry-After 0 the second one waits for a fresh token.
    assert time.waits == [0.0, 1.0]


def ok_response() -> httpx.Response:
    return httpx.Response(200, json={"CompanyName": "Acme"})


def test_clients_with_the_same_rpm_share_the_process_budget() -> None:
    one = AteraClient(api_key=KEY, rpm=123)
    two = AteraClient(api_key=KEY, rpm=123)
    assert one.rate_budget is two.rate_budget
    assert one.rate_budget is not None
    assert one.rate_budget.rpm == 123


def test_rpm_zero_means_no_client_side_limit() -> None:
    assert AteraClient(api_key=KEY, rpm=0).rate_budget is None


def test_a_budget_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="rpm"):
        RateBudget(0)
