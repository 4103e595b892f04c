"""The audit log: one JSON line per write attempt, with who, what and how it ended, and no
customer text and no credential."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from atera_mcp.auth import AuditLog, Caller
from atera_mcp.auth.tokens import TokenFile
from atera_mcp.server import build_server
from tests.harness import NOW, TECHNICIANS, recording_transport, sandbox_app, settings
from tests.server.http_rig import http_rig

JANE, BOB = TECHNICIANS[0], TECHNICIANS[1]
SECRET_TEXT = "Customer says the password is hunter2"


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.anyio
async def test_each_write_attempt_over_http_is_one_line_naming_the_caller(tmp_path: Path) -> None:
    tokens, audit = tmp_path / "tokens.json", tmp_path / "audit.jsonl"
    bob, _ = TokenFile(tokens).add(
        technician_id=BOB.id, name="", read_only=False, tools=None, now=NOW
    )
    ident = TokenFile(tokens).records()[0].id
    async with (
        http_rig(settings(tokens_file=tokens, audit_log=audit), tickets=20) as rig,
        rig.client(bob) as client,
    ):
        found = await client.call_tool("search_tickets", {"limit": 1})
        assert found.structured_content is not None
        ticket = found.structured_content["tickets"][0]["ticket_id"]
        await client.call_tool(
            "add_comment", {"ticket_id": ticket, "text": SECRET_TEXT, "internal": True}
        )
        await client.call_tool("add_comment", {"ticket_id": ticket, "text": "  ", "internal": True})
        await client.call_tool("log_hours", {"ticket_id": "not a number"})
    ok, refused, invalid = _lines(audit)
    assert ok["technician_id"] == BOB.id
    assert ok["caller"] == f"token {ident}"
    assert ok["tool"] == "add_comment"
    assert ok["ticket_id"] == ticket
    assert ok["outcome"] == "ok"
    assert ok["arguments"] == {
        "ticket_id": ticket,
        "text": {"length": len(SECRET_TEXT)},
        "internal": True,
        "allow_duplicate": False,
    }
    assert datetime.fromisoformat(ok["time"]) == NOW
    assert refused["outcome"] == "refused"
    assert refused["error"] == "RuleError"
    assert invalid["outcome"] == "refused"
    assert invalid["error"] == "InvalidArguments"
    assert invalid["tool"] == "log_hours"
    assert stat.S_IMODE(audit.stat().st_mode) == 0o600
    raw = audit.read_text()
    assert "hunter2" not in raw
    assert bob not in raw
    assert "search_tickets" not in raw  # reads are not audited


@pytest.mark.anyio
async def test_without_a_caller_the_configured_technician_is_recorded(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    recorder = recording_transport(sandbox_app(tickets=20))
    server = build_server(settings(audit_log=audit), transport=recorder, clock=lambda: NOW)
    async with Client(server) as client:
        await client.call_tool("update_ticket", {"ticket_id": 987654, "status": "Resolved"})
    (line,) = _lines(audit)
    assert line["technician_id"] == JANE.id
    assert line["caller"] is None
    assert line["outcome"] == "refused"
    assert line["error"] == "NotFoundError"
    assert line["arguments"] == {"ticket_id": 987654, "status": {"length": 8}}


@pytest.mark.anyio
async def test_the_results_own_audit_view_is_logged_but_cannot_change_who_acted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, lambda: datetime(2026, 1, 2, tzinfo=UTC), technician_id=1)
    await log.record(
        tool="log_hours",
        caller=Caller(42, "token abc"),
        arguments={"ticket_id": 7, "billable": True},
        outcome="ok",
        result={"action_id": 991, "outcome": "ok (found after a timeout)", "technician_id": 1},
    )
    (line,) = _lines(path)
    assert line["action_id"] == 991
    assert line["outcome"] == "ok (found after a timeout)"
    assert line["technician_id"] == 42
    assert line["caller"] == "token abc"


@pytest.mark.anyio
async def test_an_unwritable_audit_log_does_not_change_the_answer(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "missing-dir" / "audit.jsonl", lambda: NOW)
    await log.record(tool="add_comment", caller=None, arguments={}, outcome="ok")


@pytest.mark.anyio
async def test_a_ticket_id_that_is_not_an_integer_is_left_out_of_the_log(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, lambda: NOW)
    for raw in (SECRET_TEXT, True, 4.5, [SECRET_TEXT]):
        await log.record(
            tool="add_comment",
            caller=None,
            arguments={"ticket_id": raw},
            outcome="refused",
            error="InvalidArguments",
        )
    await log.record(tool="add_comment", caller=None, arguments={"ticket_id": 7}, outcome="ok")
    assert [line["ticket_id"] for line in _lines(path)] == [None, None, None, None, 7]
    assert "hunter2" not in path.read_text()
