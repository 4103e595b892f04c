"""Chaos mode: seeded random faults, each kind on its own, and the same faults for a seed."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest
from starlette.applications import Starlette

from atera_mcp.sandbox import sandbox_state
from atera_mcp.sandbox.faults import Faults
from tests.sandbox.helpers import JOHN_SMITH_ID, connect, make_app

pytestmark = pytest.mark.anyio
BODY = {"TicketTitle": "Chaos", "Description": "Seeded faults.", "EndUserID": JOHN_SMITH_ID}


async def ticket_count(api: httpx.AsyncClient) -> int:
    listing = await api.get("/tickets", params={"itemsInPage": 1})
    count: int = listing.json()["totalItemCount"]
    return count


def chaotic(**chaos: Any) -> Starlette:
    app = make_app(tickets=20, rpm=0)
    sandbox_state(app).faults.chaos(seed=7, **chaos)
    return app


async def test_empty_500_answers_no_body_and_commits_nothing() -> None:
    app = chaotic(empty_500=1.0)
    async with connect(app) as api:
        response = await api.post("/tickets", json=BODY)
        assert response.status_code == 500
        assert response.content == b""
        sandbox_state(app).faults.reset()
        assert await ticket_count(api) == 20


async def test_drop_after_commit_hits_writes_only_and_the_write_stays() -> None:
    app = chaotic(drop_after_commit=1.0)
    async with connect(app) as api:
        assert (await api.get("/account")).status_code == 200  # a read is never dropped
        # A POST that only reads is not a write either.
        bulk = await api.post("/tickets/billableduration", json=[1, 2])
        assert bulk.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            await api.post("/tickets", json=BODY)
        assert await ticket_count(api) == 21


async def test_commit_then_500_answers_500_for_a_write_that_happened() -> None:
    app = chaotic(commit_then_500=1.0)
    async with connect(app) as api:
        assert (await api.get("/tickets/1")).status_code == 200
        response = await api.put("/tickets/1", json={"TicketTitle": "Renamed by chaos"})
        assert response.status_code == 500
        assert (await api.get("/tickets/1")).json()["TicketTitle"] == "Renamed by chaos"


async def test_a_429_burst_covers_the_next_requests_with_retry_after() -> None:
    app = chaotic(burst_429=0.3, burst_length=3, retry_after=5)
    async with connect(app) as api:
        answers = [await api.get("/account") for _ in range(40)]
    statuses = [r.status_code for r in answers]
    assert set(statuses) == {200, 429}
    assert all(r.headers["Retry-After"] == "5" for r in answers if r.status_code == 429)
    runs = "".join("x" if s == 429 else "." for s in statuses).split(".")
    # Bursts may follow one another, so a run of 429s is whole bursts (the last may be cut).
    assert all(len(run) % 3 == 0 for run in runs[:-1])
    assert sandbox_state(app).requests.throttled() == statuses.count(429)


def test_latency_is_drawn_within_the_range_given() -> None:
    faults = Faults()
    faults.chaos(seed=3, latency=(0.01, 0.05))
    delays = [faults.arrive("GET", "/api/v3/account").delay for _ in range(200)]
    assert all(0.01 <= d <= 0.05 for d in delays)
    assert max(delays) - min(delays) > 0.03  # spread over the range, not one value


async def test_a_request_under_latency_is_still_answered() -> None:
    app = chaotic(latency=(0.0, 0.002))
    async with connect(app) as api:
        with anyio.fail_after(5):
            assert (await api.get("/account")).status_code == 200


def plan(seed: int, requests: int = 300) -> list[tuple[float, object, object]]:
    faults = Faults()
    faults.chaos(
        seed=seed, drop_after_commit=0.05, empty_500=0.03, commit_then_500=0.02,
        burst_429=0.02, latency=(0.0, 0.05),
    )  # fmt: skip
    methods = ("GET", "POST", "PUT")
    return [
        (a.delay, a.failure, a.commit_fault)
        for a in (faults.arrive(methods[i % 3], "/api/v3/tickets/1") for i in range(requests))
    ]


def test_the_same_seed_gives_the_same_faults_and_another_seed_others() -> None:
    first = plan(11)
    assert plan(11) == first
    assert plan(12) != first
    kinds = {str(failure) for _, failure, _ in first} | {str(fault) for *_, fault in first}
    assert {"drop", "Failure(status=500, retry_after=None, empty=True)"} <= kinds


async def test_the_same_seed_meets_the_same_statuses_through_the_gateway() -> None:
    async def run() -> list[int | None]:
        app = make_app(tickets=20, rpm=0)
        sandbox_state(app).faults.chaos(
            seed=5, empty_500=0.2, burst_429=0.1, commit_then_500=0.3, drop_after_commit=0.2
        )
        async with connect(app) as api:
            for i in range(30):
                try:
                    if i % 2:
                        await api.put("/tickets/2", json={"TicketTitle": f"edit {i}"})
                    else:
                        await api.get("/tickets/2")
                except httpx.RemoteProtocolError:
                    pass
        return [e.status for e in sandbox_state(app).requests]

    statuses = await run()
    assert await run() == statuses
    assert {200, 429, 500, None} <= set(statuses)


def test_chaos_refuses_a_probability_outside_zero_to_one() -> None:
    with pytest.raises(ValueError, match="empty_500 is a probability from 0 to 1"):
        Faults().chaos(seed=1, empty_500=1.5)


async def test_reset_turns_chaos_off() -> None:
    app = chaotic(empty_500=1.0)
    sandbox_state(app).faults.reset()
    async with connect(app) as api:
        assert (await api.get("/account")).status_code == 200
