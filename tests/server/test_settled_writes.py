"""Settled writes as the model sees them over MCP: success with a plain note, never an error."""

from __future__ import annotations

import pytest

from atera_mcp.sandbox import sandbox_state
from tests.harness import NOW, sandbox_app
from tests.server.mcp_rig import mcp_rig, text_of

pytestmark = pytest.mark.anyio


async def test_a_comment_whose_answer_was_dropped_is_reported_added_once() -> None:
    app = sandbox_app(tickets=60, clock=lambda: NOW)
    store = sandbox_state(app).store
    ticket = min((t for t in store.tickets.values() if t.status == "Open"), key=lambda t: t.id)
    sandbox_state(app).faults.drop_after_commit("POST", f"/tickets/{ticket.id}/comments")
    async with mcp_rig(app=app) as rig:
        result = await rig.call(
            "add_comment", ticket_id=ticket.id, text="Swapped the cable.", internal=True
        )
        assert not result.is_error, text_of(result)
        assert "found in Atera on checking, so it was not sent again" in text_of(result)
        assert result.structured_content is not None
        assert "found in Atera" in result.structured_content["note"]
        # The model repeats itself: refused, naming the comment already there.
        refusal = await rig.refused(
            "add_comment", ticket_id=ticket.id, text="Swapped the cable.", internal=True
        )
        assert "already added this same text" in refusal
        assert "allow_duplicate=true" in refusal
    assert sum(c.text == "Swapped the cable." for c in ticket.comments) == 1
