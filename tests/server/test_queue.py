"""atera://queue through MCP: listed as mirroring search_tickets, read as JSON, and a breach
reaches its subscribers in both protocol eras (the clock is driven; nothing sleeps)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, MCPError
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.types import ResourceUpdatedNotification
from starlette.applications import Starlette

from atera_mcp.auth.surface import MIRRORS
from atera_mcp.client import AteraClient
from atera_mcp.domain.wire import CreateTicketModel
from atera_mcp.index.service import TicketIndex
from atera_mcp.queue_watch import QUEUE_URI
from atera_mcp.sandbox import sandbox_transport
from atera_mcp.server import build_server
from tests.harness import API_KEY, BASE_URL, NOW, sandbox_app, settings
from tests.index.helpers import Clock
from tests.server.mcp_rig import MODES, Mode

pytestmark = pytest.mark.anyio

JOHN_SMITH = 1001  # Acme: a customer with a contract, so Atera sets due dates


@dataclass
class Desk:
    client: Client
    clock: Clock
    ticket_id: int
    notified: anyio.abc.ObjectReceiveStream[str]


@asynccontextmanager
async def desk(tmp_path: Path, mode: Mode, **changes: Any) -> AsyncIterator[Desk]:
    """A sandbox with a Critical ticket opened half an hour ago (due in 30 minutes: at risk),
    an index already built, and a client of the server on that index (`changes`: settings)."""
    clock = Clock(NOW - timedelta(minutes=30))
    app: Starlette = sandbox_app(tickets=200, clock=clock)
    async with AteraClient(
        api_key=API_KEY, base_url=BASE_URL, rpm=0, transport=sandbox_transport(app)
    ) as atera:
        created = await atera.create_ticket(
            CreateTicketModel(
                ticket_title="Firewall down at the head office",
                description="Nobody can reach the internet",
                end_user_id=JOHN_SMITH,
                ticket_priority="Critical",
            )
        )
        clock.now = NOW
        index = await TicketIndex.open(tmp_path / "i.sqlite3", atera, clock=clock)
        await index.first_sync()
        await index.close()
    server = build_server(
        settings(index_path=tmp_path / "i.sqlite3", **changes),
        transport=sandbox_transport(app),
        clock=clock,
    )
    send, receive = anyio.create_memory_object_stream[str](10)

    async def on_message(message: Any) -> None:
        if isinstance(message, ResourceUpdatedNotification):
            await send.send(str(message.params.uri))

    async with send, receive, Client(server, mode=mode, message_handler=on_message) as client:
        yield Desk(client, clock, created, receive)


async def read_queue(client: Client) -> dict[str, Any]:
    result = await client.read_resource(QUEUE_URI)
    data: dict[str, Any] = json.loads(getattr(result.contents[0], "text", ""))
    return data


def ids(data: dict[str, Any], name: str) -> list[int]:
    return [t["ticket_id"] for t in data[name]["tickets"]]


@pytest.mark.parametrize("mode", MODES)
async def test_the_queue_is_listed_as_mirroring_search_and_read_as_json(
    tmp_path: Path, mode: Mode
) -> None:
    async with desk(tmp_path, mode) as d:
        listed = {str(r.uri): r for r in (await d.client.list_resources()).resources}
        assert (listed[QUEUE_URI].meta or {}).get(MIRRORS) == "search_tickets"
        data = await read_queue(d.client)
        assert set(data) == {"breached", "at_risk", "waiting_on_us", "unassigned", "as_of"}
        assert d.ticket_id in ids(data, "at_risk")
        assert d.ticket_id not in ids(data, "breached")
        for name in ("breached", "at_risk", "waiting_on_us", "unassigned"):
            assert len(data[name]["tickets"]) <= min(50, data[name]["total"])
        first = data["at_risk"]["tickets"][0]
        assert set(first) == {"ticket_id", "title", "customer", "priority", "sla_due"}


async def breach(d: Desk) -> None:
    """Move past the ticket's due time and let a search refresh the index."""
    d.clock.advance(31 * 60)
    result = await d.client.call_tool("search_tickets", {"sla": ["breached"], "limit": 1})
    assert not result.is_error


async def test_a_breach_notifies_a_2025_subscriber(tmp_path: Path) -> None:
    async with desk(tmp_path, "legacy") as d:
        with pytest.warns(MCPDeprecationWarning):  # the 2025-11-25 request, as such hosts send
            await d.client.subscribe_resource(QUEUE_URI)
        await read_queue(d.client)
        await breach(d)
        with anyio.fail_after(10):
            assert await d.notified.receive() == QUEUE_URI
        assert d.ticket_id in ids(await read_queue(d.client), "breached")


async def test_a_breach_notifies_a_2026_listener(tmp_path: Path) -> None:
    async with (
        desk(tmp_path, "auto") as d,
        d.client.listen(resource_subscriptions=[QUEUE_URI]) as events,
    ):
        await read_queue(d.client)
        await breach(d)
        with anyio.fail_after(10):
            event = await events.__anext__()
        assert getattr(event, "uri", None) == QUEUE_URI
        assert d.ticket_id in ids(await read_queue(d.client), "breached")


async def test_only_the_queue_can_be_subscribed_to(tmp_path: Path) -> None:
    async with desk(tmp_path, "legacy") as d:
        with (
            pytest.warns(MCPDeprecationWarning),
            pytest.raises(MCPError, match="Only atera://queue can be subscribed to"),
        ):
            await d.client.subscribe_resource("atera://tickets/1")


async def test_a_server_without_search_refuses_a_2025_subscription_to_the_queue(
    tmp_path: Path,
) -> None:
    async with desk(tmp_path, "legacy", tools={"get_ticket"}) as d:
        with (
            pytest.warns(MCPDeprecationWarning),
            pytest.raises(MCPError, match="Unknown resource: atera://queue"),
        ):
            await d.client.subscribe_resource(QUEUE_URI)


async def test_a_server_without_search_refuses_a_2026_listen_to_the_queue(tmp_path: Path) -> None:
    async with desk(tmp_path, "auto", tools={"get_ticket"}) as d:
        with (
            anyio.fail_after(10),  # an accepted listen would wait for an event instead
            pytest.raises(MCPError, match="Unknown resource: atera://queue"),
        ):
            async with d.client.listen(resource_subscriptions=[QUEUE_URI]) as events:
                await events.__anext__()
