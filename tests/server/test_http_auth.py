"""The shared HTTP server with bearer tokens: each request acts as its token's technician, and
the token's limits shape what that caller sees and may call."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mcp.types import CallToolResult

from atera_mcp.auth.tokens import TokenFile
from tests.harness import TECHNICIANS, settings
from tests.server.http_rig import http_rig
from tests.server.mcp_rig import MODES, Mode, text_of
from tests.server.test_tool_surface import CONTRACT_TOOLS, WRITE_TOOLS

JANE, BOB = TECHNICIANS[0], TECHNICIANS[1]


def _token(path: Path, technician: int, **limits: Any) -> str:
    token, _ = TokenFile(path).add(
        technician_id=technician,
        name="",
        read_only=limits.get("read_only", False),
        tools=limits.get("tools"),
        now=datetime(2026, 11, 26, tzinfo=UTC),
    )
    return token


def _first_ticket(content: dict[str, Any]) -> int:
    ticket_id: int = content["tickets"][0]["ticket_id"]
    return ticket_id


@pytest.mark.anyio
async def test_a_request_without_a_token_or_with_a_wrong_one_gets_401_with_www_authenticate(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tokens.json"
    _token(path, JANE.id)
    async with http_rig(settings(tokens_file=path), tickets=20) as rig:
        for token in (None, "atm_not-a-real-token", "garbage"):
            async with rig.http(token) as http:
                answer = await http.post("/mcp", json={})
            assert answer.status_code == 401
            assert answer.headers["www-authenticate"].startswith("Bearer ")
        assert rig.recorder.records == []


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_a_comment_without_an_author_is_attributed_to_the_calling_technician(
    tmp_path: Path, mode: Mode
) -> None:
    path = tmp_path / "tokens.json"
    # The configured technician is Jane; Bob calls with his own token.
    bob = _token(path, BOB.id)
    async with (
        http_rig(settings(tokens_file=path), tickets=20) as rig,
        rig.client(bob, mode) as client,
    ):
        found = await client.call_tool("search_tickets", {"limit": 1})
        assert isinstance(found, CallToolResult)
        assert found.structured_content
        ticket = _first_ticket(found.structured_content)
        added = await client.call_tool(
            "add_comment", {"ticket_id": ticket, "text": "Checked the cable.", "internal": True}
        )
    assert isinstance(added, CallToolResult)
    assert not added.is_error, text_of(added)
    sent = [
        json.loads(r.request.content)
        for r in rig.recorder.records
        if r.request.method == "POST" and "comment" in r.request.url.path.lower()
    ]
    assert len(sent) == 1
    assert sent[0]["TechnicianCommentDetails"]["TechnicianId"] == BOB.id


@pytest.mark.anyio
async def test_a_signed_in_caller_cannot_comment_or_log_time_as_a_colleague(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tokens.json"
    bob = _token(path, BOB.id)
    async with (
        http_rig(settings(tokens_file=path), tickets=20) as rig,
        rig.client(bob) as client,
    ):
        comment = await client.call_tool(
            "add_comment",
            {"ticket_id": 1, "text": "As Jane.", "internal": True, "technician_id": JANE.id},
        )
        hours = await client.call_tool(
            "log_hours",
            {
                "ticket_id": 1,
                "start": "2026-11-20T09:00:00Z",
                "duration_minutes": 30,
                "billable": True,
                "technician_email": JANE.email,
            },
        )
        own = await client.call_tool(
            "add_comment",
            {"ticket_id": 1, "text": "As myself.", "internal": True, "technician_id": BOB.id},
        )
    for refused in (comment, hours):
        assert isinstance(refused, CallToolResult)
        assert refused.is_error
        assert f"signed in as technician {BOB.id}" in text_of(refused)
    assert isinstance(own, CallToolResult)
    assert not own.is_error, text_of(own)
    writes = [r for r in rig.recorder.records if r.request.method == "POST"]
    assert len(writes) == 1


@pytest.mark.anyio
async def test_a_token_for_a_technician_nobody_listed_still_acts_as_that_technician(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tokens.json"
    stranger = _token(path, 777777)
    async with (
        http_rig(settings(tokens_file=path), tickets=20) as rig,
        rig.client(stranger) as client,
    ):
        listed = await client.call_tool("list_technicians", {})
    assert isinstance(listed, CallToolResult)
    assert not listed.is_error


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_a_read_only_token_sees_and_may_call_only_the_read_tools(
    tmp_path: Path, mode: Mode
) -> None:
    path = tmp_path / "tokens.json"
    reader = _token(path, BOB.id, read_only=True)
    writer = _token(path, JANE.id)
    async with http_rig(settings(tokens_file=path), tickets=20) as rig:
        async with rig.client(reader, mode) as client:
            names = [t.name for t in (await client.list_tools()).tools]
            hidden = await client.call_tool(
                "add_comment", {"ticket_id": 1, "text": "x", "internal": True}
            )
            unknown = await client.call_tool("no_such_tool", {})
        async with rig.client(writer, mode) as client:
            everything = [t.name for t in (await client.list_tools()).tools]
    assert names == [n for n in CONTRACT_TOOLS if n not in WRITE_TOOLS]
    assert everything == CONTRACT_TOOLS
    assert isinstance(hidden, CallToolResult)
    assert isinstance(unknown, CallToolResult)
    assert hidden.is_error
    assert unknown.is_error
    assert text_of(hidden) == text_of(unknown).replace("no_such_tool", "add_comment")
    assert rig.recorder.records == []


@pytest.mark.anyio
async def test_a_token_limited_to_some_tools_sees_only_those(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    limited = _token(path, BOB.id, tools=("get_ticket", "add_comment"))
    async with (
        http_rig(settings(tokens_file=path), tickets=20) as rig,
        rig.client(limited) as client,
    ):
        names = [t.name for t in (await client.list_tools()).tools]
        hidden = await client.call_tool("search_tickets", {})
    assert names == ["get_ticket", "add_comment"]
    assert isinstance(hidden, CallToolResult)
    assert text_of(hidden) == "Unknown tool: search_tickets"


@pytest.mark.anyio
async def test_server_wide_read_only_still_applies_to_a_read_write_token(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    writer = _token(path, JANE.id)
    async with (
        http_rig(settings(tokens_file=path, read_only=True), tickets=20) as rig,
        rig.client(writer) as client,
    ):
        names = [t.name for t in (await client.list_tools()).tools]
    assert not set(names) & WRITE_TOOLS


@pytest.mark.anyio
async def test_a_revoked_token_stops_working_without_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = _token(path, JANE.id)
    keep = _token(path, BOB.id)
    async with http_rig(settings(tokens_file=path), tickets=20) as rig:
        async with rig.client(token) as client:
            assert (await client.list_tools()).tools
        ident = next(r.id for r in TokenFile(path).records() if r.technician_id == JANE.id)
        TokenFile(path).revoke(ident)
        async with rig.http(token) as http:
            assert (await http.post("/mcp", json={})).status_code == 401
        async with rig.client(keep) as client:
            assert (await client.list_tools()).tools


@pytest.mark.anyio
async def test_a_token_added_while_serving_works_at_once(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    _token(path, JANE.id)
    async with http_rig(settings(tokens_file=path), tickets=20) as rig:
        late = _token(path, BOB.id)
        async with rig.client(late) as client:
            assert (await client.list_tools()).tools


@pytest.mark.anyio
async def test_a_deleted_tokens_file_keeps_the_last_tokens_and_never_opens_the_server(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "tokens.json"
    token = _token(path, JANE.id)
    async with http_rig(settings(tokens_file=path), tickets=20) as rig:
        path.unlink()
        async with rig.http() as http:
            assert (await http.post("/mcp", json={})).status_code == 401
        async with rig.client(token) as client:
            assert (await client.list_tools()).tools
    assert "was deleted; the 1 tokens last read from it stay in force" in caplog.text


@pytest.mark.anyio
async def test_a_tokens_file_created_after_start_is_enforced_from_then_on(tmp_path: Path) -> None:
    path = tmp_path / "later" / "tokens.json"
    async with http_rig(settings(tokens_file=path), tickets=20) as rig:
        async with rig.client(None) as client:  # open, as a server without tokens is
            assert [t.name for t in (await client.list_tools()).tools] == CONTRACT_TOOLS
        token = _token(path, BOB.id, read_only=True)
        async with rig.http() as http:
            assert (await http.post("/mcp", json={})).status_code == 401
        async with rig.http("atm_guessed") as http:
            assert (await http.post("/mcp", json={})).status_code == 401
        async with rig.client(token) as client:
            names = {t.name for t in (await client.list_tools()).tools}
        assert not names & WRITE_TOOLS
        path.unlink()  # deleting it again does not reopen the server
        async with rig.http() as http:
            assert (await http.post("/mcp", json={})).status_code == 401


@pytest.mark.anyio
async def test_without_tokens_or_oauth_http_is_open_and_acts_as_the_configured_technician(
    tmp_path: Path,
) -> None:
    none = settings(tokens_file=tmp_path / "none.json")
    async with http_rig(none, tickets=20) as rig, rig.client(None) as client:
        assert [t.name for t in (await client.list_tools()).tools] == CONTRACT_TOOLS


@pytest.mark.anyio
async def test_a_foreign_host_header_is_still_refused_with_421(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = _token(path, JANE.id)
    async with (
        http_rig(settings(tokens_file=path), tickets=20) as rig,
        rig.http(token, Host="evil.example") as http,
    ):
        answer = await http.post("/mcp", json={}, headers={"Content-Type": "application/json"})
    assert answer.status_code == 421
