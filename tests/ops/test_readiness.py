"""/healthz and /readyz: alive while the process serves; ready while Atera answers, the index
in use keeps up, and Redis and PostgreSQL (when configured) answer a ping. Readiness costs
Atera at most one request per 30 seconds, and only when no real request answered lately."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
import psycopg
import pytest
from psycopg import sql
from pydantic import SecretStr
from starlette.applications import Starlette

from atera_mcp.auth.tokens import TokenFile
from atera_mcp.index.pg_schema import schema_for
from atera_mcp.sandbox import sandbox_transport
from tests.harness import API_KEY, NOW, sandbox_app, settings
from tests.index.helpers import Clock
from tests.ops.rig import MCP_HEADERS, call_tool, get, http, replica
from tests.ports import free_port

pytestmark = pytest.mark.anyio

# One attempt per request (no retry waits): each probe is exactly one request to Atera.
ONE_TRY = {"max_retry_seconds": 0.001}


class Atera(httpx.AsyncBaseTransport):
    """The sandbox behind switches: `down` (no answer at all), `feed_down` (503 from the change
    feed), `hold_pages` (GET /tickets waits until released). Counts the paths asked for."""

    def __init__(self, app: Starlette) -> None:
        self.inner = sandbox_transport(app)
        self.down = False
        self.feed_down = False
        self.hold_pages = False
        self.released = anyio.Event()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v3")
        self.paths.append(path)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if self.feed_down and path == "/tickets/lastmodified":
            return httpx.Response(503, request=request)
        if self.hold_pages and path == "/tickets":
            await self.released.wait()
        return await self.inner.handle_async_request(request)

    def probes(self) -> int:
        return self.paths.count("/account")


async def readyz(app: Starlette) -> tuple[int, dict[str, Any]]:
    answer = await get(app, "/readyz")
    assert answer.headers["cache-control"] == "no-store"
    assert API_KEY not in answer.text
    body: dict[str, Any] = answer.json()
    return answer.status_code, body


async def test_healthz_answers_ok_without_a_token_while_mcp_still_wants_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tokens.json"
    TokenFile(path).add(technician_id=1, name="", read_only=False, tools=None, now=NOW)
    atera = Atera(sandbox_app(tickets=5))
    atera.down = True  # alive says nothing about Atera
    async with replica(settings(tokens_file=path), atera) as app:
        health = await get(app, "/healthz")
        async with http(app) as client:
            mcp = await client.post("/mcp", json={}, headers=MCP_HEADERS)
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert mcp.status_code == 401
    assert atera.paths == []


async def test_recent_answers_from_atera_make_it_ready_without_a_probe() -> None:
    atera = Atera(sandbox_app(tickets=5))
    async with replica(settings(), atera) as app:
        assert (await call_tool(app, "find_customers", query="Acme"))["isError"] is False
        status, body = await readyz(app)
    assert status == 200
    assert body["status"] == "ready"
    assert body["failed"] == []
    assert body["checks"]["atera"] == {"ok": True, "detail": "answered 0 s ago"}
    assert body["checks"]["index"]["detail"].startswith("off")
    assert atera.probes() == 0


async def test_with_no_recent_answer_readiness_probes_atera_once() -> None:
    clock = Clock()
    atera = Atera(sandbox_app(tickets=5))
    async with replica(settings(), atera, clock=clock) as app:
        first, _ = await readyz(app)
        again, _ = await readyz(app)  # the probe's answer is recent now
        clock.advance(61)
        later, _ = await readyz(app)
    assert (first, again, later) == (200, 200, 200)
    assert atera.probes() == 2


async def test_an_unreachable_atera_makes_it_unready_with_one_probe_per_30_seconds() -> None:
    clock = Clock()
    atera = Atera(sandbox_app(tickets=5))
    async with replica(settings(**ONE_TRY), atera, clock=clock) as app:
        assert (await readyz(app))[0] == 200
        atera.down = True
        clock.advance(61)
        status, body = await readyz(app)
        assert atera.probes() == 2
        clock.advance(29)
        assert (await readyz(app))[0] == 503
        assert atera.probes() == 2  # no second probe within 30 s
        clock.advance(1)
        assert (await readyz(app))[0] == 503
        assert atera.probes() == 3
        atera.down = False
        clock.advance(30)
        recovered, _ = await readyz(app)
    assert status == 503
    assert body["status"] == "not ready"
    assert body["failed"] == ["atera"]
    assert body["checks"]["atera"] == {"ok": False, "detail": "no answer from Atera for 61 s"}
    assert recovered == 200


async def test_a_replica_that_never_reached_atera_says_so() -> None:
    atera = Atera(sandbox_app(tickets=5))
    atera.down = True
    async with replica(settings(**ONE_TRY), atera) as app:
        status, body = await readyz(app)
    assert status == 503
    assert body["checks"]["atera"]["detail"] == "no answer from Atera since the server started"


async def first_sync_done(app: Starlette) -> None:
    """The background first sync shows only in the index's state: polling it is the one way."""
    with anyio.fail_after(30):
        while True:
            _, body = await readyz(app)
            if not body["checks"]["index"]["detail"].startswith("first sync"):
                return
            await anyio.sleep(0.01)


async def test_a_replica_is_ready_during_its_first_sync_and_says_how_far_it_is(
    tmp_path: Path,
) -> None:
    clock = Clock()
    atera = Atera(sandbox_app(tickets=100, clock=clock))
    atera.hold_pages = True
    async with replica(settings(index_path=tmp_path / "i.sqlite3"), atera, clock=clock) as app:
        status, body = await readyz(app)
        atera.released.set()
    assert status == 200
    assert body["checks"]["index"]["ok"] is True
    assert body["checks"]["index"]["detail"].startswith("first sync under way (0% read)")


async def test_an_index_in_use_that_lags_past_the_bound_makes_it_unready(tmp_path: Path) -> None:
    clock = Clock()
    atera = Atera(sandbox_app(tickets=100, clock=clock))
    configured = settings(index_path=tmp_path / "i.sqlite3", ready_max_lag=300.0, **ONE_TRY)
    async with replica(configured, atera, clock=clock) as app:
        await first_sync_done(app)
        atera.feed_down = True  # Atera answers, but the index cannot read its change feed
        clock.advance(301)
        searched = await call_tool(app, "search_tickets", limit=1)  # in use; its refresh fails
        status, body = await readyz(app)
        assert searched["isError"] is False
        atera.feed_down = False
        await call_tool(app, "search_tickets", limit=1)  # this refresh reads the feed
        recovered, after = await readyz(app)
    assert status == 503
    assert body["failed"] == ["index"]
    assert body["checks"]["index"] == {
        "ok": False,
        "detail": "lag 301 s is over ATERA_READY_MAX_LAG (300 s)",
    }
    assert body["checks"]["atera"]["ok"] is True
    assert recovered == 200
    assert after["checks"]["index"] == {"ok": True, "detail": "lag 0 s"}


async def test_an_idle_index_is_ready_however_old_its_last_delta(tmp_path: Path) -> None:
    clock = Clock()
    atera = Atera(sandbox_app(tickets=100, clock=clock))
    async with replica(settings(index_path=tmp_path / "i.sqlite3"), atera, clock=clock) as app:
        await first_sync_done(app)
        clock.advance(timedelta(hours=2).total_seconds())
        status, body = await readyz(app)
    assert status == 200
    assert body["checks"]["index"]["detail"].startswith("idle, lag 7200 s")


async def test_redis_and_postgresql_that_answer_a_ping_keep_it_ready(
    redis_url: str, database_url: str
) -> None:
    configured = settings(redis_url=SecretStr(redis_url), database_url=SecretStr(database_url))
    async with replica(configured, Atera(sandbox_app(tickets=5))) as app:
        status, body = await readyz(app)
    assert status == 200
    assert body["checks"]["redis"] == {"ok": True, "detail": "ping answered"}
    assert body["checks"]["postgresql"] == {"ok": True, "detail": "ping answered"}


@pytest.mark.parametrize("store", ["redis", "postgresql"])
async def test_a_store_that_does_not_answer_makes_it_unready_naming_it(
    store: str, redis_url: str, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    dead = {
        "redis": f"redis://:hunter2@127.0.0.1:{port}/0",
        "postgresql": f"postgresql://atera:hunter2@127.0.0.1:{port}/atera_test",
    }
    live = {"redis": redis_url, "postgresql": database_url}
    urls = {name: dead[name] if name == store else live[name] for name in live}
    configured = settings(
        redis_url=SecretStr(urls["redis"]), database_url=SecretStr(urls["postgresql"])
    )
    async with replica(configured, Atera(sandbox_app(tickets=5))) as app:
        answer = await get(app, "/readyz")
    body = answer.json()
    assert answer.status_code == 503
    assert body["failed"] == [store]
    assert body["checks"][store]["detail"].startswith("no answer to a ping (")
    assert "hunter2" not in answer.text
    assert str(port) not in answer.text
    assert "hunter2" not in caplog.text


async def test_with_the_index_off_postgresql_is_not_a_readiness_check() -> None:
    dead = f"postgresql://atera:hunter2@127.0.0.1:{free_port()}/atera_test"
    configured = settings(index_enabled=False, database_url=SecretStr(dead))
    async with replica(configured, Atera(sandbox_app(tickets=5))) as app:
        status, body = await readyz(app)
    assert status == 200
    assert sorted(body["checks"]) == ["atera", "index"]
    assert body["checks"]["index"]["detail"] == "off: search_tickets scans Atera"


async def test_a_burst_of_probes_pings_a_store_once_per_5_seconds() -> None:
    clock = Clock()
    accepted = 0

    async def hang_up(stream: anyio.abc.SocketStream) -> None:
        nonlocal accepted
        accepted += 1
        await stream.aclose()

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    configured = settings(redis_url=SecretStr(f"redis://127.0.0.1:{port}/0"))
    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, hang_up)
        async with replica(configured, Atera(sandbox_app(tickets=5)), clock=clock) as app:
            burst = [(await readyz(app))[0] for _ in range(5)]
            after_one_ping = accepted  # redis-py may reconnect once within a ping
            clock.advance(5)
            later, body = await readyz(app)
        group.cancel_scope.cancel()
    assert burst == [503] * 5
    assert later == 503
    assert body["failed"] == ["redis"]
    assert after_one_ping >= 1
    assert accepted == 2 * after_one_ping


async def test_an_index_on_postgresql_reports_its_first_sync_and_lag(
    database_url: str, tmp_path: Path
) -> None:
    clock = Clock()
    configured = settings(
        base_url=f"https://sandbox-{secrets.token_hex(4)}.test/api/v3",  # an account of its own
        index_path=tmp_path / "never.sqlite3",
        database_url=SecretStr(database_url),
    )
    atera = Atera(sandbox_app(tickets=60, clock=clock))
    try:
        async with replica(configured, atera, clock=clock) as app:
            await first_sync_done(app)
            clock.advance(30)
            searched = await call_tool(app, "search_tickets", limit=1)
            status, body = await readyz(app)
    finally:
        schema = schema_for(configured.account_fingerprint)
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    assert searched["structuredContent"]["total"] == 60
    assert status == 200
    assert body["checks"]["index"] == {"ok": True, "detail": "lag 0 s"}  # the search refreshed
    assert body["checks"]["postgresql"] == {"ok": True, "detail": "ping answered"}
