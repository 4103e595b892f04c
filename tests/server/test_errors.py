"""What the model sees when things go wrong: plain sentences from one boundary, no secrets,
and real bugs left as bugs."""

import httpx
import pytest
from mcp import Client
from mcp.types import CallToolResult
from pydantic import SecretStr

from atera_mcp.sandbox import sandbox_state
from atera_mcp.server import build_server
from tests.harness import NOW, recording_transport, sandbox_app, settings
from tests.server.mcp_rig import MODES, Mode, mcp_rig, text_of


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_an_unknown_ticket_is_simply_not_found(mode: Mode) -> None:
    async with mcp_rig(mode) as rig:
        assert await rig.refused("get_ticket", ticket_id=987654) == "Ticket 987654 was not found."


@pytest.mark.anyio
async def test_a_rejected_key_says_retrying_will_not_help_and_never_shows_the_key() -> None:
    wrong = "wrong-key-4f9d2c7a1b"
    app = sandbox_app(tickets=10)
    server = build_server(
        settings(api_key=SecretStr(wrong)), transport=recording_transport(app), clock=lambda: NOW
    )
    async with Client(server) as client:
        result = await client.call_tool("get_ticket", {"ticket_id": 1})
    assert isinstance(result, CallToolResult)
    text = text_of(result)
    assert result.is_error
    assert "rejected" in text
    assert "retrying will not help" in text
    assert wrong not in text


@pytest.mark.anyio
async def test_rate_limiting_beyond_the_retry_budget_says_how_long_to_wait() -> None:
    app = sandbox_app(tickets=10)
    sandbox_state(app).faults.fail("GET", "/tickets/1", 429, times=50, retry_after=90)
    async with mcp_rig(app=app, max_retry_seconds=5.0) as rig:
        text = await rig.refused("get_ticket", ticket_id=1)
    assert "90 seconds" in text


@pytest.mark.anyio
async def test_an_upstream_failure_is_reported_without_atera_s_raw_body() -> None:
    app = sandbox_app(tickets=10)
    sandbox_state(app).faults.fail("GET", "/tickets/1", 500, times=10)
    async with mcp_rig(app=app) as rig:
        text = await rig.refused("get_ticket", ticket_id=1)
    assert "Atera" in text
    assert "{" not in text
    assert "Traceback" not in text


@pytest.mark.anyio
async def test_invalid_arguments_are_refused_before_anything_is_sent() -> None:
    async with mcp_rig() as rig:
        text = await rig.refused(
            "create_ticket", title="Printer", description="Jammed", priority="Urgent"
        )
        assert text == (
            "Invalid arguments for create_ticket. priority: Input should be 'Low', 'Medium', "
            "'High' or 'Critical' (got 'Urgent')."
        )
        missing = await rig.refused("add_comment", ticket_id=1, text="Hello")
        assert missing == "Invalid arguments for add_comment. internal: Field required."
        assert "greater than or equal to 1" in await rig.refused("get_ticket", ticket_id=0)
        assert rig.recorder.records == []


@pytest.mark.anyio
async def test_a_bug_is_not_disguised_as_a_tool_refusal() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("a bug in a transport, not an Atera failure")

    server = build_server(settings(), transport=httpx.MockTransport(broken), clock=lambda: NOW)
    async with Client(server) as client:
        result = await client.call_tool("get_ticket", {"ticket_id": 1})
    assert isinstance(result, CallToolResult)
    assert result.is_error
    assert text_of(result) == "Error executing tool get_ticket"
