"""Agents and alerts: seeded per customer, served read-only with Atera's paging and filter."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from atera_mcp.sandbox import sandbox_state
from tests.sandbox.helpers import ACME_ID, connect, make_app

pytestmark = pytest.mark.anyio


async def every(api: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        response = await api.get(path, params={**params, "page": page, "itemsInPage": 50})
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        if not body["nextLink"]:
            return items
        page += 1


async def test_a_customers_agents_are_paged_the_atera_way(api: httpx.AsyncClient) -> None:
    first = (await api.get(f"/agents/customer/{ACME_ID}", params={"itemsInPage": 2})).json()
    assert first["itemsInPage"] == 2
    assert len(first["items"]) == 2
    assert first["totalItemCount"] > 2
    assert first["nextLink"].startswith("https://")
    assert all(a["CustomerID"] == ACME_ID for a in await every(api, f"/agents/customer/{ACME_ID}"))


async def test_an_unknown_customer_has_no_agents(api: httpx.AsyncClient) -> None:
    body = (await api.get("/agents/customer/999999")).json()
    assert (body["items"], body["totalItemCount"], body["nextLink"]) == ([], 0, "")


async def test_logins_are_spelled_with_a_domain_and_without(api: httpx.AsyncClient) -> None:
    logins = [
        a["LastLoginUser"]
        for a in await every(api, f"/agents/customer/{ACME_ID}")
        if a["LastLoginUser"]
    ]
    assert any("\\" in login for login in logins)
    assert any("\\" not in login for login in logins)


async def test_open_alerts_are_the_unarchived_ones_and_resolved_the_archived(
    api: httpx.AsyncClient,
) -> None:
    everything = await every(api, "/alerts")
    open_ = await every(api, "/alerts", alertStatus="open")
    resolved = await every(api, "/alerts", alertStatus="Resolved")
    assert open_
    assert resolved
    assert all(not a["Archived"] and a["ArchivedDate"] is None for a in open_)
    assert all(a["Archived"] for a in resolved)
    assert len(open_) + len(resolved) == len(everything)
    assert await every(api, "/alerts", alertStatus="Snoozed") == []


async def test_some_alerts_opened_tickets_open_and_archived_alike() -> None:
    async with connect(make_app(tickets=2000)) as api:
        linked = [a for a in await every(api, "/alerts") if a["TicketID"] is not None]
        assert {a["Archived"] for a in linked} == {True, False}
        alert = linked[0]
        ticket = (await api.get(f"/tickets/{alert['TicketID']}")).json()
        assert ticket["CustomerID"] == alert["CustomerID"]
        assert (await api.get(f"/alerts/{alert['AlertID']}")).json() == alert


async def test_an_unknown_alert_or_status_is_refused(api: httpx.AsyncClient) -> None:
    assert (await api.get("/alerts/1")).status_code == 404
    refused = await api.get("/alerts", params={"alertStatus": "Closed"})
    assert refused.status_code == 400
    assert "alertStatus" in refused.text


async def test_the_list_order_follows_the_sandboxs_order_setting() -> None:
    orders: dict[str, list[int]] = {}
    for order in ("newest", "oldest"):
        async with connect(make_app(order=order)) as api:
            orders[order] = [a["AlertID"] for a in await every(api, "/alerts")]
    assert orders["newest"] == sorted(orders["oldest"], reverse=True)
    assert orders["oldest"] == sorted(orders["oldest"])


def test_devices_are_the_same_for_the_same_seed(app: Starlette) -> None:
    again = sandbox_state(make_app()).store
    store = sandbox_state(app).store
    assert store.agents == again.agents
    assert store.alerts == again.alerts
    assert len(store.agents) > len(store.customers)
