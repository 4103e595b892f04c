"""The request log: every request that reached the sandbox, and the questions asked of it."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from atera_mcp.sandbox import LoggedRequest, RequestLog, sandbox_state
from tests.sandbox.helpers import KEY, connect, make_app, new_ticket

pytestmark = pytest.mark.anyio


class Ticker:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def at(*times: float, caller: str = "a") -> list[LoggedRequest]:
    return [LoggedRequest(t, "GET", "/api/v3/account", 200, caller) for t in times]


def log_of(entries: list[LoggedRequest], size: int = 100) -> RequestLog:
    log = RequestLog(size)
    for entry in entries:
        log.record(entry)
    return log


async def test_every_request_is_logged_however_it_was_answered() -> None:
    app = make_app(tickets=20, rpm=2)
    faults, log = sandbox_state(app).faults, sandbox_state(app).requests
    async with connect(app) as api, connect(app, key="wrong") as stranger:
        assert (await api.get("/Account/")).status_code == 200
        assert (await stranger.get("/account")).status_code == 401
        faults.fail("GET", "/customers", 503, retry_after=4)
        assert (await api.get("/customers")).status_code == 503
        assert (await api.get("/customers?page=1")).status_code == 200
        assert (await api.get("/customers")).status_code == 429  # the third in the minute
    assert [(e.method, e.path, e.status) for e in log] == [
        ("GET", "/api/v3/account", 200),
        ("GET", "/api/v3/account", 401),
        ("GET", "/api/v3/customers", 503),
        ("GET", "/api/v3/customers", 200),
        ("GET", "/api/v3/customers", 429),
    ]
    assert [e.retry_after for e in log][2:] == [4.0, None, pytest.approx(60, abs=1)]
    assert log.throttled() == 1
    assert log.count(401) == 1


async def test_a_dropped_connection_is_logged_without_a_status(
    app: Starlette, api: httpx.AsyncClient
) -> None:
    app_state = sandbox_state(app)
    app_state.faults.drop_after_commit("POST", "/tickets")
    with pytest.raises(httpx.RemoteProtocolError):
        await new_ticket(api)
    [entry] = app_state.requests.entries()
    assert (entry.method, entry.path, entry.status) == ("POST", "/api/v3/tickets", None)


async def test_the_log_names_callers_by_a_digest_never_by_their_key() -> None:
    app = make_app(tickets=20)
    async with connect(app) as api, connect(app, key=None) as anonymous:
        await api.get("/account")
        await anonymous.get("/account")
    named, unnamed = sandbox_state(app).requests.entries()
    assert named.caller
    assert KEY not in repr(named)
    assert unnamed.caller == ""


async def test_the_log_keeps_only_the_most_recent_requests() -> None:
    app = make_app(tickets=20, request_log_size=3)
    async with connect(app) as api:
        for page in range(1, 6):
            await api.get("/customers", params={"page": page})
    log = sandbox_state(app).requests
    assert len(log) == 3
    assert [e.path for e in log] == ["/api/v3/customers"] * 3


def test_the_busiest_window_counts_the_most_arrivals_within_sixty_seconds() -> None:
    assert log_of([]).busiest_window() == 0
    assert log_of(at(5.0)).busiest_window() == 1
    # A window is (t - 60, t], as for the limiter: at t=61 it holds 10, 59.9, 60 and 61.
    assert log_of(at(0.0, 10.0, 59.9, 60.0, 61.0)).busiest_window() == 4
    assert log_of(at(0.0, 60.0, 120.0)).busiest_window() == 1
    assert log_of(at(3.0, 1.0, 2.0)).busiest_window(seconds=1.5) == 2  # arrival order, not log


async def test_the_busiest_window_matches_the_rate_limit_seen_through_the_gateway() -> None:
    ticker = Ticker()
    app = make_app(tickets=20, rpm=3, monotonic=ticker)
    async with connect(app) as api:
        for second in (0, 20, 40, 59, 61, 81):
            ticker.now = float(second)
            await api.get("/account")
    log = sandbox_state(app).requests
    assert [e.status for e in log] == [200, 200, 200, 429, 200, 200]
    assert log.busiest_window() == 4  # the refused request arrived too: that is the point


async def test_requests_inside_an_announced_retry_after_are_found_per_caller() -> None:
    ticker = Ticker()
    app = make_app(tickets=20, rpm=1, monotonic=ticker)
    async with connect(app) as api, connect(app, key="other") as other:
        for second, client in ((0, api), (10, api), (30, api), (31, other), (71, api)):
            ticker.now = float(second)
            await client.get("/account")
    log = sandbox_state(app).requests
    # t=10 is refused with Retry-After 50 (until 60); t=30 came back too early; "other" is
    # another caller (401 anyway); t=71 waited long enough.
    assert [e.status for e in log] == [200, 429, 429, 401, 200]
    assert [e.at for e in log.inside_retry_after()] == [30.0]


def test_a_later_retry_after_never_shortens_the_window() -> None:
    first = LoggedRequest(0.0, "GET", "/a", 429, "a", retry_after=30.0)
    short = LoggedRequest(5.0, "GET", "/a", 503, "a", retry_after=1.0)
    late = LoggedRequest(20.0, "GET", "/a", 200, "a")
    assert log_of([first, short, late]).inside_retry_after() == [short, late]
