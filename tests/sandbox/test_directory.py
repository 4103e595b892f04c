"""Account, customers and contacts: the directory the desk serves."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandbox.helpers import ACME_ID, JOHN_SMITH_ID

pytestmark = pytest.mark.anyio


async def test_the_account_reports_a_windows_time_zone_name(api: httpx.AsyncClient) -> None:
    account = (await api.get("/account")).json()
    assert account["TimeZoneName"] == "Eastern Standard Time"
    assert account["CompanyName"]
    assert isinstance(account["IsITDepartment"], bool)


async def test_customers_start_with_acme(api: httpx.AsyncClient) -> None:
    first = (await api.get("/customers")).json()["items"][0]
    assert (first["CustomerID"], first["CustomerName"], first["Domain"]) == (
        ACME_ID,
        "Acme Corporation",
        "acme.com",
    )
    assert (await api.get(f"/customers/{ACME_ID}")).json() == first


async def test_contacts_filter_by_email_fragment_ignoring_case(api: httpx.AsyncClient) -> None:
    found = (await api.get("/contacts", params={"email": "JOHN.SMITH@ACME"})).json()["items"]
    assert [(c["EndUserID"], c["Firstname"], c["Lastname"]) for c in found] == [
        (JOHN_SMITH_ID, "John", "Smith")
    ]


async def test_contacts_filter_by_phone_fragment(api: httpx.AsyncClient) -> None:
    john = (await api.get(f"/contacts/{JOHN_SMITH_ID}")).json()
    fragment = john["Phone"][-4:]
    found = (await api.get("/contacts", params={"Phone": fragment})).json()["items"]
    assert JOHN_SMITH_ID in [c["EndUserID"] for c in found]
    assert all(fragment in (c["Phone"] or "") + (c["MobilePhone"] or "") for c in found)


async def test_contacts_list_newest_first(api: httpx.AsyncClient) -> None:
    ids = [c["EndUserID"] for c in (await api.get("/contacts")).json()["items"]]
    assert ids == sorted(ids, reverse=True)


async def test_contacts_can_be_sorted_by_last_modification(api: httpx.AsyncClient) -> None:
    items = (await api.get("/contacts", params={"SortBy": "LastModified"})).json()["items"]
    stamps = [c["LastModified"] for c in items]
    assert stamps == sorted(stamps, reverse=True)
    assert (await api.get("/contacts", params={"SortBy": "Alphabet"})).status_code == 400


async def create(api: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await api.post("/contacts", json=body)


async def test_a_contact_is_created_by_customer_id(api: httpx.AsyncClient) -> None:
    body = {
        "Email": "new.hire@acme.com",
        "CustomerID": ACME_ID,
        "Firstname": "New",
        "Lastname": "Hire",
    }
    response = await create(api, body)
    assert response.status_code == 201
    contact = (await api.get(f"/contacts/{response.json()['ActionID']}")).json()
    assert (contact["Email"], contact["CustomerID"], contact["Firstname"]) == (
        "new.hire@acme.com",
        ACME_ID,
        "New",
    )
    assert contact["CustomerName"] == "Acme Corporation"


async def test_a_contact_is_created_by_customer_name_ignoring_case(api: httpx.AsyncClient) -> None:
    response = await create(
        api, {"Email": "a@northwinddental.com", "CustomerName": "northwind DENTAL"}
    )
    assert response.status_code == 201
    contact = (await api.get(f"/contacts/{response.json()['ActionID']}")).json()
    assert contact["CustomerName"] == "Northwind Dental"


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ({"CustomerID": ACME_ID}, "Email"),
        ({"Email": "", "CustomerID": ACME_ID}, "Email"),
        ({"Email": "not-an-email", "CustomerID": ACME_ID}, "not a valid email"),
        ({"Email": "x@acme.com"}, "CustomerID or CustomerName is required"),
        ({"Email": "x@acme.com", "CustomerID": 999}, "CustomerID 999"),
        ({"Email": "x@acme.com", "CustomerName": "Nobody Inc"}, "Nobody Inc"),
    ],
)
async def test_contact_creation_rules(
    api: httpx.AsyncClient, body: dict[str, Any], phrase: str
) -> None:
    response = await create(api, body)
    assert response.status_code == 400
    assert phrase in response.json()["detail"]
