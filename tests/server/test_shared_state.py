"""The server with ATERA_REDIS_URL: its Atera budget and write locks live in Redis, under the
account's fingerprint; without Redis reachable, tools answer a plain error and send nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import anyio
import httpx
import pytest
import redis.asyncio
from mcp import Client
from pydantic import SecretStr

from atera_mcp.sandbox import sandbox_state
from atera_mcp.server import build_server
from tests.harness import NOW, recording_transport, sandbox_app, settings
from tests.ports import free_port
from tests.server.mcp_rig import mcp_rig, text_of
from tests.shared_redis import delete_keys

pytestmark = pytest.mark.anyio


@pytest.fixture
async def account(redis_url: str) -> AsyncIterator[tuple[str, str]]:
    """A base URL naming an account of its own (so its fingerprint, hence its Redis keys, are
    this test's alone) and that key prefix; the keys are deleted afterwards."""
    base_url = f"https://{uuid.uuid4().hex}.sandbox.test/api/v3"
    prefix = f"atera-mcp:{settings(base_url=base_url).account_fingerprint}:"
    yield base_url, prefix
    client = redis.asyncio.Redis.from_url(redis_url)
    await delete_keys(client, prefix)
    await client.aclose()


async def test_with_redis_the_server_spends_the_shared_budget_and_frees_its_write_locks(
    redis_url: str, account: tuple[str, str]
) -> None:
    base_url, prefix = account
    app = sandbox_app(tickets=60, clock=lambda: NOW)
    ticket = min(
        (t for t in sandbox_state(app).store.tickets.values() if t.status == "Open"),
        key=lambda t: t.id,
    )
    async with mcp_rig(app=app, redis_url=SecretStr(redis_url), rpm=600, base_url=base_url) as rig:
        await rig.ok("add_comment", ticket_id=ticket.id, text="Reseated the RAM.", internal=True)
        client = redis.asyncio.Redis.from_url(redis_url)
        keys = {key.decode() async for key in client.scan_iter(match=prefix + "*")}
        sent = await client.zcard(prefix + "budget:sent")
        await client.aclose()
    assert prefix + "budget:sent" in keys
    assert sent == len(rig.recorder.records)  # every request to Atera took a shared slot
    assert not [key for key in keys if ":lock:" in key]  # released after the write
    assert sum(c.text == "Reseated the RAM." for c in ticket.comments) == 1


async def test_without_redis_reachable_tools_refuse_plainly_and_send_nothing() -> None:
    url = SecretStr(f"redis://:hunter2@127.0.0.1:{free_port()}/0")
    async with mcp_rig(redis_url=url, rpm=600) as rig:
        read = await rig.refused("get_ticket", ticket_id=1)
        write = await rig.refused(
            "add_comment", ticket_id=1, text="Reseated the RAM.", internal=True
        )
    assert "(Redis) cannot be reached, so nothing was sent to Atera" in read
    assert "(Redis) cannot be reached, so nothing was sent to Atera" in write
    assert "hunter2" not in read + write
    assert rig.recorder.records == []


class _LocksSeenAtSend(httpx.AsyncBaseTransport):
    """The HTTP seam, passing requests on to the sandbox; when a POST goes out it notes which
    write locks Redis holds under the account's prefix at that moment."""

    def __init__(self, inner: httpx.AsyncBaseTransport, redis_url: str, prefix: str) -> None:
        self.inner, self.redis_url, self.prefix = inner, redis_url, prefix
        self.locks_at_post: list[list[bytes]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            client = redis.asyncio.Redis.from_url(self.redis_url)
            locks = [key async for key in client.scan_iter(match=self.prefix + "lock:*")]
            await client.aclose()
            self.locks_at_post.append(locks)
        return await self.inner.handle_async_request(request)


async def test_with_redis_a_write_holds_its_lock_in_redis_while_it_is_sent(
    redis_url: str, account: tuple[str, str]
) -> None:
    base_url, prefix = account
    app = sandbox_app(tickets=60, clock=lambda: NOW)
    ticket = min(
        (t for t in sandbox_state(app).store.tickets.values() if t.status == "Open"),
        key=lambda t: t.id,
    )
    seam = _LocksSeenAtSend(recording_transport(app), redis_url, prefix)
    config = settings(redis_url=SecretStr(redis_url), rpm=600, base_url=base_url)
    server = build_server(config, transport=seam, clock=lambda: NOW)
    async with Client(server, mode="auto") as client:
        result = await client.call_tool(
            "add_comment", {"ticket_id": ticket.id, "text": "Reseated the RAM.", "internal": True}
        )
    assert not result.is_error
    assert [len(locks) for locks in seam.locks_at_post] == [1]  # other replicas see it held


async def test_the_same_comment_sent_to_two_replicas_at_once_is_written_once(
    redis_url: str, account: tuple[str, str]
) -> None:
    base_url, _ = account
    app = sandbox_app(tickets=60, clock=lambda: NOW)  # one Atera behind both replicas
    ticket = min(
        (t for t in sandbox_state(app).store.tickets.values() if t.status == "Open"),
        key=lambda t: t.id,
    )
    config = settings(redis_url=SecretStr(redis_url), rpm=600, base_url=base_url)
    replicas = [
        build_server(config, transport=recording_transport(app), clock=lambda: NOW)
        for _ in range(2)
    ]
    refusals: list[str] = []
    arguments = {"ticket_id": ticket.id, "text": "Reseated the RAM.", "internal": True}
    async with Client(replicas[0], mode="auto") as one, Client(replicas[1], mode="auto") as two:

        async def call(client: Client) -> None:
            result = await client.call_tool("add_comment", arguments)
            if result.is_error:
                refusals.append(text_of(result))

        with anyio.fail_after(20):
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(call, one)
                tasks.start_soon(call, two)
    assert len(refusals) == 1  # the second waited for the first's lock, then saw its comment
    assert "already added this same text" in refusals[0]
    assert sum(c.text == "Reseated the RAM." for c in ticket.comments) == 1
