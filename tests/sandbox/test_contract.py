"""What the sandbox answers holds to Atera's OpenAPI contract, as the project's checker reads it.

/tickets/noComments is served but left out: the project's spec subset does not carry it.
"""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from atera_mcp.sandbox import sandbox_state, sandbox_transport
from tests.contract.openapi_check import RecordingTransport, assert_contract
from tests.sandbox.helpers import BASE, JOHN_SMITH_ID, KEY, TECH_ID

pytestmark = pytest.mark.anyio


async def test_a_full_desk_session_honours_the_contract(app: Starlette) -> None:
    recorder = RecordingTransport(sandbox_transport(app))
    async with httpx.AsyncClient(
        transport=recorder, base_url=BASE, headers={"X-API-KEY": KEY}
    ) as api:
        await api.get("/account")
        await api.get("/customers", params={"itemsInPage": 5, "page": 2})
        await api.get("/customers/1")
        await api.get("/contacts", params={"Email": "acme.com"})
        await api.get("/contacts/1001")
        created = await api.post("/contacts", json={"Email": "c@acme.com", "CustomerID": 1})
        body = {"TicketTitle": "t", "Description": "d", "EndUserID": JOHN_SMITH_ID}
        ticket_id = (await api.post("/tickets", json=body)).json()["ActionID"]
        await api.post("/tickets", json={"TicketTitle": "t", "EndUserID": JOHN_SMITH_ID})
        await api.get("/tickets", params={"customerId": 1, "includeRelations": "true"})
        await api.get(f"/tickets/{ticket_id}", params={"includeRelations": "true"})
        await api.get("/tickets/424242")
        await api.put(f"/tickets/{ticket_id}", json={"TicketStatus": "Resolved"})
        await api.post(f"/tickets/{ticket_id}", json={"TicketPriority": "High"})
        comment = {
            "CommentText": "Hi",
            "TechnicianCommentDetails": {"TechnicianId": TECH_ID, "IsInternal": False},
        }
        await api.post(f"/tickets/{ticket_id}/comments", json=comment)
        await api.get(f"/tickets/{ticket_id}/comments")
        work = {
            "StartWorkHour": "2026-06-10T14:00:00Z",
            "EndWorkHour": "2026-06-10T15:00:00Z",
            "TechnicianContactID": TECH_ID,
            "Billiable": True,
        }
        await api.post(f"/tickets/{ticket_id}/workhours", json=work)
        await api.get(f"/tickets/{ticket_id}/workhoursrecords")
        await api.get(f"/tickets/{ticket_id}/workhours")
        await api.get(f"/tickets/{ticket_id}/billableduration")
        await api.get(f"/tickets/{ticket_id}/nonbillableduration")
        await api.post("/tickets/billableduration", json=[int(ticket_id), 1])
        await api.get("/workhours", params={"startWorkhour": "2026-06-01", "includeRates": "true"})
        await api.post(
            f"/tickets/{ticket_id}/relations",
            json={"RelatedTicketId": 1, "RelationType": "Child"},
        )
        await api.delete(f"/tickets/{ticket_id}/relations/Child")
        await api.get("/tickets/lastmodified", params={"date": "2026-06-01T00:00:00Z"})
        await api.get("/tickets/statusmodified", params={"includeComments": "false"})
        await api.get("/alerts", params={"alertStatus": "Open", "itemsInPage": 50})
        alert_id = (await api.get("/alerts", params={"page": 2})).json()["items"][0]["AlertID"]
        await api.get(f"/alerts/{alert_id}")
        await api.get("/alerts/1")
        await api.get("/agents/customer/1", params={"itemsInPage": 3, "page": 2})
        await api.get("/agents/customer/999999")
        await api.delete(f"/tickets/{ticket_id}")
    assert created.status_code == 201
    assert_contract(recorder.records)


async def test_refusals_honour_the_contract_too(app: Starlette) -> None:
    recorder = RecordingTransport(sandbox_transport(app))
    async with httpx.AsyncClient(transport=recorder, base_url=BASE) as api:
        await api.get("/tickets")  # no key: 401
        await api.get("/tickets/1", headers={"X-API-KEY": KEY})
    assert [r.response.status_code for r in recorder.records] == [401, 200]
    assert_contract(recorder.records)


async def test_injected_fault_answers_honour_the_contract(app: Starlette) -> None:
    faults = sandbox_state(app).faults
    faults.chaos(seed=2, burst_429=1.0, burst_length=1, retry_after=3)
    recorder = RecordingTransport(sandbox_transport(app))
    async with httpx.AsyncClient(
        transport=recorder, base_url=BASE, headers={"X-API-KEY": KEY}
    ) as api:
        await api.get("/tickets")
        faults.reset()
        faults.fail("GET", "/tickets/1", 500, empty=True)
        await api.get("/tickets/1")
        faults.fail_after_commit("PUT", "/tickets/1", 500)
        await api.put("/tickets/1", json={"TicketStatus": "Pending"})
    assert [r.response.status_code for r in recorder.records] == [429, 500, 500]
    assert_contract(recorder.records)
