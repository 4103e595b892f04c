"""The skill document's two workflows, end to end through MCP against the sandbox.

Every request the server sends on the way is checked against Atera's OpenAPI contract.
"""

from datetime import timedelta
from typing import Any

import pytest

from tests.contract.openapi_check import assert_contract
from tests.harness import NOW, TECHNICIANS
from tests.server.mcp_rig import MODES, McpRig, Mode, mcp_rig

JOHN = "john.smith@acme.com"


async def open_outlook_ticket(rig: McpRig) -> dict[str, Any]:
    """Creation: find the contact, set priority, assign, acknowledge with a public reply."""
    found = await rig.ok("find_contacts", email=JOHN)
    john = found["contacts"][0]
    assert john["email"] == JOHN
    assert john["customer"]["name"] == "Acme Corporation"
    created = await rig.ok(
        "create_ticket",
        title="Outlook down for the whole sales team",
        description="Sales team (5 users) report Outlook disconnected since 9am.",
        priority="high",
        type="Incident",
        impact="Major",
        end_user_id=john["id"],
        technician_email=TECHNICIANS[1].email,
    )
    ticket = created["ticket"]
    assert ticket["status"] == "Open"
    assert ticket["priority"] == "High"
    assert ticket["customer"]["name"] == "Acme Corporation"
    assert ticket["end_user"]["id"] == john["id"]
    assert ticket["technician"]["id"] == TECHNICIANS[1].id
    reply = await rig.ok(
        "add_comment",
        ticket_id=ticket["ticket_id"],
        text="Hi John, we are on it: a technician is checking Exchange connectivity now.",
        internal=False,
    )
    assert reply["comment"]["internal"] is False
    opened: dict[str, Any] = ticket
    return opened


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_creation_workflow_opens_assigns_and_acknowledges(mode: Mode) -> None:
    async with mcp_rig(mode) as rig:
        ticket = await open_outlook_ticket(rig)
        again = await rig.ok("get_ticket", ticket_id=ticket["ticket_id"], include_comments=True)
        newest = again["comments"][0]
        assert newest["internal"] is False
        assert newest["text"].startswith("Hi John")
        assert_contract(rig.recorder.records)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_resolution_workflow_documents_logs_time_resolves_and_tells_the_customer(
    mode: Mode,
) -> None:
    async with mcp_rig(mode) as rig:
        ticket_id = (await open_outlook_ticket(rig))["ticket_id"]
        note = await rig.ok(
            "add_comment",
            ticket_id=ticket_id,
            text="Root cause: the Exchange certificate expired. Renewed it, restarted services.",
            internal=True,
        )
        assert note["comment"]["internal"] is True
        logged = await rig.ok(
            "log_hours",
            ticket_id=ticket_id,
            start=(NOW - timedelta(hours=2)).isoformat(),
            duration_minutes=90,
            billable=True,
            description="Diagnosed and renewed the Exchange certificate",
        )
        assert logged["totals"]["billable_hours"] == pytest.approx(1.5)
        resolved = await rig.ok("update_ticket", ticket_id=ticket_id, status="Resolved")
        assert resolved["changes"] == [{"field": "status", "before": "Open", "after": "Resolved"}]
        assert resolved["ticket"]["resolved_at"] is not None
        await rig.ok(
            "add_comment",
            ticket_id=ticket_id,
            text="Outlook is back for the sales team: an expired certificate was renewed.",
            internal=False,
        )
        final = await rig.ok("get_ticket", ticket_id=ticket_id, include_time=True)
        assert final["ticket"]["status"] == "Resolved"
        assert final["time"]["billable_hours"] == pytest.approx(1.5)
        assert final["time"]["non_billable_hours"] == 0
        assert_contract(rig.recorder.records)
