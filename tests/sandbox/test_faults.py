"""Fault injection: scripted failures, latency, and connections dropped after a committed write."""

from __future__ import annotations

import socket

import anyio
import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from atera_mcp.sandbox import sandbox_state
from tests.sandbox.helpers import KEY, make_app, new_ticket

pytestmark = pytest.mark.anyio


async def test_fail_answers_the_status_the_given_number_of_times(
    app: Starlette, api: httpx.AsyncClient
) -> None:
    sandbox_state(app).faults.fail("GET", "/tickets", 503, times=2)
    statuses = [(await api.get("/tickets")).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]


async def test_fail_sends_retry_after_when_given(app: Starlette, api: httpx.AsyncClient) -> None:
    sandbox_state(app).faults.fail("POST", "/tickets", 429, retry_after=7)
    response = await api.post("/tickets", json={})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"


async def test_fail_matches_method_and_whole_path_segments(
    app: Starlette, api: httpx.AsyncClient
) -> None:
    sandbox_state(app).faults.fail("GET", "/tickets/1", 500)
    assert (await api.put("/tickets/1", json={})).status_code == 200  # other method
    assert (await api.get("/tickets/10")).status_code == 200  # /tickets/1 is not its prefix
    assert (await api.get("/tickets/1/comments")).status_code == 500


async def test_an_empty_failure_has_no_body_at_all(app: Starlette, api: httpx.AsyncClient) -> None:
    sandbox_state(app).faults.fail("GET", "/account", 500, empty=True)
    response = await api.get("/account")
    assert response.status_code == 500
    assert response.content == b""
    assert response.headers["Content-Length"] == "0"


async def test_fail_after_commit_applies_the_write_then_answers_the_failure(
    app: Starlette, api: httpx.AsyncClient
) -> None:
    ticket_id = await new_ticket(api)
    sandbox_state(app).faults.fail_after_commit("PUT", f"/tickets/{ticket_id}", 502)
    response = await api.put(f"/tickets/{ticket_id}", json={"TicketStatus": "Pending"})
    assert response.status_code == 502
    assert (await api.get(f"/tickets/{ticket_id}")).json()["TicketStatus"] == "Pending"


async def test_a_failure_before_handling_commits_nothing(
    app: Starlette, api: httpx.AsyncClient
) -> None:
    before = (await api.get("/tickets")).json()["totalItemCount"]
    sandbox_state(app).faults.fail("POST", "/tickets", 500, empty=True)
    body = {"TicketTitle": "t", "Description": "d", "EndUserID": 1001}
    assert (await api.post("/tickets", json=body)).status_code == 500
    assert (await api.get("/tickets")).json()["totalItemCount"] == before


async def test_any_method_and_full_paths_are_accepted(
    app: Starlette, api: httpx.AsyncClient
) -> None:
    sandbox_state(app).faults.fail("*", "/api/v3/Account", 502)
    assert (await api.get("/account")).status_code == 502


async def test_reset_clears_failures_and_latency(app: Starlette, api: httpx.AsyncClient) -> None:
    faults = sandbox_state(app).faults
    faults.fail("GET", "/account", 500, times=5)
    faults.latency(30)
    faults.reset()
    with anyio.fail_after(5):
        assert (await api.get("/account")).status_code == 200


async def test_latency_delays_but_still_answers(app: Starlette, api: httpx.AsyncClient) -> None:
    sandbox_state(app).faults.latency(0.001)
    assert (await api.get("/account")).status_code == 200


async def test_drop_after_commit_applies_the_write_then_raises_remote_protocol_error(
    app: Starlette, api: httpx.AsyncClient
) -> None:
    before = (await api.get("/tickets")).json()["totalItemCount"]
    sandbox_state(app).faults.drop_after_commit("POST", "/tickets")
    with pytest.raises(httpx.RemoteProtocolError, match="Server disconnected without sending"):
        await api.post("/tickets", json={"TicketTitle": "t", "Description": "d", "EndUserID": 1001})
    listing = (await api.get("/tickets")).json()
    assert listing["totalItemCount"] == before + 1
    assert listing["items"][0]["TicketTitle"] == "t"


async def test_drop_after_commit_fires_only_the_given_number_of_times(
    app: Starlette, api: httpx.AsyncClient
) -> None:
    ticket_id = await new_ticket(api)
    sandbox_state(app).faults.drop_after_commit("PUT", f"/tickets/{ticket_id}")
    with pytest.raises(httpx.RemoteProtocolError):
        await api.put(f"/tickets/{ticket_id}", json={"TicketStatus": "Pending"})
    again = await api.put(f"/tickets/{ticket_id}", json={"TicketStatus": "Pending"})
    assert again.status_code == 200


async def test_under_uvicorn_a_dropped_write_closes_the_connection() -> None:
    app = make_app(tickets=20)
    sandbox_state(app).faults.drop_after_commit("POST", "/tickets")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    base = f"http://127.0.0.1:{port}/api/v3"
    body = {"TicketTitle": "t", "Description": "d", "EndUserID": 1001}
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(server.serve, [listener])
        with anyio.fail_after(10):
            async with httpx.AsyncClient(base_url=base, headers={"X-API-KEY": KEY}) as api:
                with pytest.raises(httpx.RemoteProtocolError):
                    await api.post("/tickets", json=body)
                listing = (await api.get("/tickets")).json()
        server.should_exit = True
    assert listing["totalItemCount"] == 21
