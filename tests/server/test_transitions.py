"""The whole transition matrix through MCP: the status is read from Atera, refusals send nothing."""

import httpx
import pytest
from starlette.applications import Starlette

from atera_mcp.domain.policy import BASE_STATUSES
from atera_mcp.sandbox import sandbox_transport
from tests.contract.openapi_check import Exchange
from tests.domain.test_policy import TABLE
from tests.harness import API_KEY, BASE_URL, sandbox_app
from tests.server.mcp_rig import mcp_rig

TICKET = 1


async def _force_status(app: Starlette, status: str) -> None:
    """Set the status behind the server's back, as another technician in Atera's UI would."""
    async with httpx.AsyncClient(
        transport=sandbox_transport(app),
        base_url=BASE_URL,
        headers={"X-API-KEY": API_KEY},
    ) as raw:
        answer = await raw.put(f"{BASE_URL}/tickets/{TICKET}", json={"TicketStatus": status})
        assert answer.status_code == 200


def _writes(records: list[Exchange]) -> list[str]:
    return [
        f"{r.request.method} {r.request.url.path}"
        for r in records
        if r.request.method in ("PUT", "POST", "DELETE")
    ]


@pytest.mark.anyio
async def test_every_cell_of_the_matrix_behaves_as_the_skill_document_says() -> None:
    app = sandbox_app(tickets=20)
    async with mcp_rig(app=app) as rig:
        for current in BASE_STATUSES:
            for target in BASE_STATUSES:
                await _force_status(app, current)
                rig.recorder.records.clear()
                result = await rig.call("update_ticket", ticket_id=TICKET, status=target.upper())
                verdict = TABLE[current][target]
                cell = f"{current} -> {target}"
                writes = _writes(list(rig.recorder.records))
                if verdict == "no":
                    assert result.is_error, cell
                    assert writes == [], cell
                elif verdict == "same":
                    assert not result.is_error, cell
                    assert result.structured_content is not None
                    assert result.structured_content["changes"] == [], cell
                    assert writes == [], cell
                else:
                    assert not result.is_error, cell
                    assert writes == [f"PUT /api/v3/tickets/{TICKET}"], cell
                    assert result.structured_content is not None
                    assert result.structured_content["ticket"]["status"] == target, cell


@pytest.mark.anyio
async def test_the_current_status_comes_from_atera_not_from_what_the_caller_believes() -> None:
    app = sandbox_app(tickets=20)
    async with mcp_rig(app=app) as rig:
        await _force_status(app, "Open")
        refused = await rig.refused("update_ticket", ticket_id=TICKET, status="Closed")
        assert refused == (
            f"Ticket {TICKET} is Open; it cannot be Closed directly. "
            "Resolve it first (allowed from Open: Pending, Resolved)."
        )


@pytest.mark.anyio
async def test_a_custom_status_from_configuration_follows_its_base_status() -> None:
    app = sandbox_app(tickets=20)
    async with mcp_rig(app=app, custom_statuses={"Waiting on vendor": "Pending"}) as rig:
        await _force_status(app, "Open")
        moved = await rig.ok("update_ticket", ticket_id=TICKET, status="waiting on vendor")
        assert moved["ticket"]["status"] == "Waiting on vendor"
        closed = await rig.ok("update_ticket", ticket_id=TICKET, status="Closed")
        assert closed["changes"][0]["before"] == "Waiting on vendor"
