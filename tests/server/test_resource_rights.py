"""Resources like tools: a resource that mirrors a tool is listed and read only by callers who
may use that tool, and only where the server offers it; static resources stay readable."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from mcp import MCPError

from atera_mcp.auth.surface import MIRRORS
from atera_mcp.auth.tokens import TokenFile
from atera_mcp.guidance import REFERENCE_URI, TICKET_URI
from atera_mcp.queue_watch import QUEUE_URI
from atera_mcp.tools import tool_names
from tests.harness import TECHNICIANS, settings
from tests.server.http_rig import http_rig
from tests.server.mcp_rig import mcp_rig

JANE = TECHNICIANS[0]


def _token(path: Path, tools: tuple[str, ...] | None) -> str:
    token, _ = TokenFile(path).add(
        technician_id=JANE.id,
        name="",
        read_only=False,
        tools=tools,
        now=datetime(2026, 11, 26, tzinfo=UTC),
    )
    return token


@pytest.mark.anyio
async def test_a_token_without_get_ticket_neither_sees_nor_reads_the_ticket_resource(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tokens.json"
    limited = _token(path, ("search_tickets", "add_comment"))
    async with (
        http_rig(settings(tokens_file=path), tickets=20) as rig,
        rig.client(limited) as client,
    ):
        templates = (await client.list_resource_templates()).resource_templates
        listed = [str(r.uri) for r in (await client.list_resources()).resources]
        with pytest.raises(MCPError, match="Unknown resource: atera://tickets/1"):
            await client.read_resource("atera://tickets/1")
        reference = await client.read_resource(REFERENCE_URI)
    assert templates == []
    # Static text, readable by any caller; the app and the queue of the read tool it may use.
    assert sorted(listed) == sorted([REFERENCE_URI, "ui://atera/queue", QUEUE_URI])
    assert reference.contents
    assert rig.recorder.records == []  # the refused read never reached Atera


@pytest.mark.anyio
async def test_a_token_with_get_ticket_sees_and_reads_the_ticket_resource(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    allowed = _token(path, ("get_ticket",))
    async with (
        http_rig(settings(tokens_file=path), tickets=20) as rig,
        rig.client(allowed) as client,
    ):
        templates = (await client.list_resource_templates()).resource_templates
        read = await client.read_resource("atera://tickets/1")
    assert [t.uri_template for t in templates] == [TICKET_URI]
    assert read.contents


@pytest.mark.anyio
async def test_a_server_that_does_not_offer_get_ticket_offers_no_ticket_resource() -> None:
    async with mcp_rig(tools=frozenset({"search_tickets"})) as rig:
        templates = (await rig.client.list_resource_templates()).resource_templates
        with pytest.raises(MCPError, match="Unknown resource"):
            await rig.client.read_resource("atera://tickets/1")
    assert templates == []


# Resources that show no tool's answer, open to any caller: a new one must be named here, on
# purpose, or declare the tool it mirrors (`meta=mirrors(tool)`).
UNDECLARED = {REFERENCE_URI}


@pytest.mark.anyio
async def test_every_resource_but_the_static_ones_declares_the_tool_it_mirrors() -> None:
    async with mcp_rig() as rig:
        resources = (await rig.client.list_resources()).resources
        templates = (await rig.client.list_resource_templates()).resource_templates
    declared = {
        **{str(r.uri): (r.meta or {}).get(MIRRORS) for r in resources},
        **{t.uri_template: (t.meta or {}).get(MIRRORS) for t in templates},
    }
    undeclared = {uri for uri, tool in declared.items() if tool is None}
    assert undeclared == UNDECLARED
    assert set(declared.values()) - {None} <= set(tool_names())


@pytest.mark.anyio
async def test_a_token_without_search_tickets_neither_sees_nor_reads_the_queue(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tokens.json"
    limited = _token(path, ("get_ticket",))
    async with (
        http_rig(settings(tokens_file=path), tickets=20) as rig,
        rig.client(limited) as client,
    ):
        listed = [str(r.uri) for r in (await client.list_resources()).resources]
        with pytest.raises(MCPError, match="Unknown resource: atera://queue"):
            await client.read_resource(QUEUE_URI)
    assert QUEUE_URI not in listed
