"""The budget as clients use it: shared, two request classes, and a 429 that pauses everyone.

Requests go through `AteraClient` and `HttpCore` to an `httpx.MockTransport`; time is virtual
(see `virtual_time`), so minutes of traffic run in milliseconds without real sleeping.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from atera_mcp.client import AteraClient, RateBudget, background_requests
from atera_mcp.client.ratelimit import (
    Budget,
    RequestClass,
    current_request_class,
    default_burst,
    default_sync_rpm,
)
from atera_mcp.errors import RateLimitedError
from atera_mcp.sandbox.requestlog import busiest_window
from tests.client.conftest import KEY
from tests.client.virtual_time import VirtualTime

TICKET = {"TicketID": 7, "TicketTitle": "Printer on fire"}
Job = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Sent:
    at: float
    request_class: RequestClass
    status: int


class Atera:
    """A MockTransport handler that logs each request's virtual time and class (the handler runs
    in the sender's context) and answers 429 to the requests numbered in `throttle`."""

    def __init__(self, time: VirtualTime, throttle: dict[int, str] | None = None) -> None:
        self.time = time
        self.throttle = throttle or {}
        self.log: list[Sent] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        retry_after = self.throttle.get(len(self.log) + 1)
        status = 200 if retry_after is None else 429
        self.log.append(Sent(self.time.now, current_request_class(), status))
        if retry_after is not None:
            return httpx.Response(429, headers={"Retry-After": retry_after})
        return httpx.Response(200, json=TICKET)

    def times(self, request_class: RequestClass | None = None) -> list[float]:
        return [s.at for s in self.log if request_class in (None, s.request_class)]


def client(atera: Atera, budget: Budget) -> AteraClient:
    return AteraClient(
        api_key=KEY,
        transport=httpx.MockTransport(atera),
        sleep=atera.time.sleep,
        rate_budget=budget,
        max_retry_seconds=120,
    )


def reads(atera_client: AteraClient, count: int, *, background: bool = False) -> Job:
    async def job() -> None:
        if background:
            with background_requests():
                for _ in range(count):
                    await atera_client.get_ticket(7)
        else:
            for _ in range(count):
                await atera_client.get_ticket(7)

    return job


@pytest.mark.anyio
async def test_a_shared_budget_paces_two_clients_together() -> None:
    time = VirtualTime()
    atera = Atera(time)
    budget = RateBudget(60, burst=1, margin=0, clock=time.clock)
    async with client(atera, budget) as first, client(atera, budget) as second:

        async def alternate() -> None:
            await first.get_account()
            await second.get_account()
            await first.get_account()

        await time.run(alternate)
    assert atera.times() == [0.0, 1.0, 2.0]


@pytest.mark.anyio
async def test_every_retry_attempt_spends_from_the_budget() -> None:
    time = VirtualTime()
    atera = Atera(time, throttle={1: "0"})
    budget = RateBudget(60, burst=1, margin=0, clock=time.clock)
    async with client(atera, budget) as one:
        await time.run(reads(one, 1))
    # Retry-After 0 asks for no pause; the retry still waits for the next slot.
    assert atera.times() == [0.0, 1.0]


@pytest.mark.anyio
async def test_after_a_429_no_request_of_any_class_is_sent_until_retry_after_has_passed() -> None:
    time = VirtualTime()
    atera = Atera(time, throttle={12: "5"})
    budget = RateBudget(600, 300, margin=0, clock=time.clock)
    # Two clients share the budget, as every client of the process does.
    async with client(atera, budget) as one, client(atera, budget) as two:
        jobs = [reads(one, 5) for _ in range(6)] + [reads(two, 5, background=True)] * 3
        await time.run(*jobs)
    throttled = next(i for i, sent in enumerate(atera.log) if sent.status == 429)
    after = atera.log[throttled + 1 :]
    assert {s.request_class for s in after} == {"interactive", "background"}
    assert min(s.at for s in after) >= atera.log[throttled].at + 5.0
    assert len(atera.log) == 6 * 5 + 3 * 5 + 1


@pytest.mark.anyio
async def test_a_call_the_pause_would_hold_past_its_retry_budget_fails_at_once() -> None:
    time = VirtualTime()
    atera = Atera(time, throttle={1: "250"})
    budget = RateBudget(600, margin=0, clock=time.clock)
    failures: list[RateLimitedError] = []

    async def read_and_fail(background: bool) -> None:
        with pytest.raises(RateLimitedError) as caught:
            await reads(one, 1, background=background)()
        failures.append(caught.value)

    async with client(atera, budget) as one:
        await time.run(lambda: read_and_fail(False))
        time.now += 60.0
        await time.run(lambda: read_and_fail(False), lambda: read_and_fail(True))
    assert len(atera.log) == 1
    assert [f.retry_after for f in failures] == [250.0, 190.0, 190.0]
    assert "wait 190 seconds" in str(failures[-1])


@pytest.mark.anyio
async def test_a_retry_after_of_a_day_pauses_everyone_for_five_minutes_at_most() -> None:
    time = VirtualTime()
    atera = Atera(time, throttle={1: "86400"})
    budget = RateBudget(600, margin=0, clock=time.clock)
    failures: list[RateLimitedError] = []

    async def read_and_fail() -> None:
        with pytest.raises(RateLimitedError) as caught:
            await reads(one, 1)()
        failures.append(caught.value)

    async with client(atera, budget) as one:
        await time.run(read_and_fail)
        time.now += 300.0
        await time.run(reads(one, 1))
    assert [f.retry_after for f in failures] == [300.0]
    assert [s.status for s in atera.log] == [429, 200]


@pytest.mark.anyio
async def test_background_requests_count_against_the_background_cap() -> None:
    time = VirtualTime()
    atera = Atera(time)
    budget = RateBudget(60, 6, burst=1, margin=0, clock=time.clock)
    async with client(atera, budget) as one:
        jobs = [reads(one, 4, background=True)] * 3 + [reads(one, 6)] * 2
        await time.run(*jobs)
    background = atera.times("background")
    assert len(background) == 12
    assert busiest_window(background) == 6
    assert background[6] >= background[0] + 60.0
    # Interactive work is not held behind the background cap: paced at a slot a second.
    assert max(atera.times("interactive")) < 15.0
    assert busiest_window(atera.times()) <= 60


@pytest.mark.anyio
async def test_interactive_requests_go_first_when_background_is_queued() -> None:
    time = VirtualTime()
    atera = Atera(time)
    budget = RateBudget(60, 60, burst=1, margin=0, clock=time.clock)
    async with client(atera, budget) as one:
        await time.run(*[reads(one, 10, background=True)] * 5, reads(one, 5))
    first_six = [s.request_class for s in atera.log[:6]]
    # The very first slot goes to whoever asked first; then interactive takes every slot.
    assert first_six.count("interactive") == 5


@pytest.mark.anyio
async def test_without_a_budget_a_429_delays_only_its_own_request(
    make_client: Callable[..., AteraClient], sleeps: list[float]
) -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "5"})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(200, json=TICKET))

    async with make_client(handler) as one:
        assert one.rate_budget is None
        await one.get_ticket(7)
    assert sleeps == [5.0]


def test_clients_with_the_same_rates_share_the_process_budget() -> None:
    one = AteraClient(api_key=KEY, rpm=123)
    two = AteraClient(api_key=KEY, rpm=123, sync_rpm=61)
    other = AteraClient(api_key=KEY, rpm=123, sync_rpm=20)
    assert one.rate_budget is two.rate_budget
    assert one.rate_budget is not None
    assert (one.rate_budget.rpm, one.rate_budget.sync_rpm) == (123, 61)
    assert other.rate_budget is not one.rate_budget


def test_the_defaults_are_a_second_of_burst_and_half_for_background() -> None:
    assert default_burst(700) == 11
    assert default_burst(5) == 1
    assert default_sync_rpm(700) == 350
    assert default_sync_rpm(1) == 1


def test_rpm_zero_means_no_client_side_limit() -> None:
    assert AteraClient(api_key=KEY, rpm=0).rate_budget is None


def test_a_budget_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="rpm"):
        RateBudget(0)


@pytest.mark.parametrize("sync_rpm", [0, 701])
def test_a_background_share_outside_the_budget_is_refused(sync_rpm: int) -> None:
    with pytest.raises(ValueError, match="sync_rpm"):
        AteraClient(api_key=KEY, rpm=700, sync_rpm=sync_rpm)
