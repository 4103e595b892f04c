"""The rules every Atera endpoint follows: envelope, links, names, auth, errors, throttling."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.sandbox.helpers import ACME_ID, BASE, JOHN_SMITH_ID, KEY, connect, make_app

pytestmark = pytest.mark.anyio

ENVELOPE = {"items", "page", "itemsInPage", "totalItemCount", "totalPages", "prevLink", "nextLink"}


async def test_lists_answer_in_atera_envelope_with_exactly_its_keys(api: httpx.AsyncClient) -> None:
    for path in ("/tickets", "/customers", "/contacts", "/workhours", "/tickets/1/comments"):
        body = (await api.get(path)).json()
        assert set(body) == ENVELOPE, path
        assert body["page"] == 1
        assert body["itemsInPage"] == 20


async def test_next_link_is_absolute_and_keeps_every_filter(api: httpx.AsyncClient) -> None:
    params: dict[str, str | int] = {
        "customerId": ACME_ID,
        "ticketStatus": "Closed",
        "itemsInPage": 5,
    }
    first = (await api.get("/tickets", params=params)).json()
    link = urlsplit(first["nextLink"])
    assert (link.scheme, link.netloc, link.path) == ("https", "sandbox.test", "/api/v3/tickets")
    assert parse_qs(link.query) == {
        "customerId": ["1"],
        "ticketStatus": ["Closed"],
        "page": ["2"],
        "itemsInPage": ["5"],
    }
    second = (await api.get(first["nextLink"])).json()
    assert second["page"] == 2
    seen = {t["TicketID"] for t in first["items"]}
    assert seen.isdisjoint(t["TicketID"] for t in second["items"])
    assert all(t["CustomerID"] == ACME_ID for t in second["items"])
    assert all(t["TicketStatus"] == "Closed" for t in second["items"])


async def test_prev_link_is_empty_on_the_first_page_and_next_link_on_the_last(
    api: httpx.AsyncClient,
) -> None:
    first = (await api.get("/customers", params={"itemsInPage": 5})).json()
    assert first["prevLink"] == ""
    last_page = first["totalPages"]
    last = (await api.get("/customers", params={"itemsInPage": 5, "page": last_page})).json()
    assert last["nextLink"] == ""
    assert parse_qs(urlsplit(last["prevLink"]).query)["page"] == [str(last_page - 1)]
    assert first["totalItemCount"] == 12
    assert last_page == 3


async def test_a_page_past_the_end_answers_200_with_no_items(api: httpx.AsyncClient) -> None:
    response = await api.get("/customers", params={"page": 99})
    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["nextLink"] == ""


async def test_items_in_page_is_capped_at_fifty(api: httpx.AsyncClient) -> None:
    body = (await api.get("/tickets", params={"itemsInPage": 500})).json()
    assert body["itemsInPage"] == 50
    assert len(body["items"]) == 50
    assert body["totalPages"] == 6  # 300 tickets


async def test_query_parameter_names_match_case_insensitively(api: httpx.AsyncClient) -> None:
    body = (await api.get("/tickets?CUSTOMERID=1&itemsinpage=3&PAGE=2")).json()
    assert body["itemsInPage"] == 3
    assert body["page"] == 2
    assert len(body["items"]) == 3
    assert all(t["CustomerID"] == ACME_ID for t in body["items"])


async def test_paths_match_case_insensitively_and_ignore_a_trailing_slash(
    api: httpx.AsyncClient,
) -> None:
    assert (await api.get("/Tickets/1/")).json()["TicketID"] == 1


@pytest.mark.parametrize("key", [None, "wrong-key"])
async def test_a_missing_or_wrong_key_is_401_with_empty_body_and_no_challenge(
    key: str | None,
) -> None:
    async with connect(make_app(), key=key) as api:
        response = await api.get("/tickets")
    assert response.status_code == 401
    assert response.content == b""
    assert "www-authenticate" not in response.headers


async def test_a_bearer_token_is_accepted_like_an_api_key() -> None:
    async with connect(make_app(), key=None) as api:
        response = await api.get("/account", headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 200


async def test_an_unknown_ticket_is_404_problem_details(api: httpx.AsyncClient) -> None:
    response = await api.get("/tickets/424242")
    assert response.status_code == 404
    problem = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(problem)
    assert problem["status"] == 404
    assert "424242" in problem["detail"]
    assert problem["instance"] == "/api/v3/tickets/424242"


async def test_unknown_contact_and_customer_are_404_too(api: httpx.AsyncClient) -> None:
    assert (await api.get("/contacts/999999")).status_code == 404
    assert (await api.get("/customers/999999")).status_code == 404


async def test_a_non_integer_id_is_400_naming_the_parameter(api: httpx.AsyncClient) -> None:
    response = await api.get("/tickets/abc")
    assert response.status_code == 400
    assert "ticketId" in response.json()["detail"]
    assert response.json()["errors"] == {"ticketId": ["The value 'abc' is not valid for ticketId."]}


async def test_malformed_json_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/tickets", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]


async def test_an_invalid_enum_value_is_400_listing_the_valid_ones(api: httpx.AsyncClient) -> None:
    body = {"TicketTitle": "t", "Description": "d", "EndUserID": JOHN_SMITH_ID}
    response = await api.post("/tickets", json={**body, "TicketPriority": "Urgent"})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "Urgent" in detail
    assert "TicketPriority" in detail
    assert "Critical" in detail


async def test_enum_values_and_property_names_bind_case_insensitively(
    api: httpx.AsyncClient,
) -> None:
    body = {"ticketTitle": "t", "DESCRIPTION": "d", "endUserId": JOHN_SMITH_ID}
    body["ticketPriority"] = "high"
    response = await api.post("/tickets", json=body)
    assert response.status_code == 201
    created = (await api.get(f"/tickets/{response.json()['ActionID']}")).json()
    assert created["TicketPriority"] == "High"


async def test_unknown_body_fields_are_silently_dropped(api: httpx.AsyncClient) -> None:
    body = {"TicketTitle": "t", "Description": "d", "EndUserID": JOHN_SMITH_ID}
    response = await api.post("/tickets", json={**body, "CustomerID": 5, "Flavour": "mint"})
    assert response.status_code == 201
    created = (await api.get(f"/tickets/{response.json()['ActionID']}")).json()
    assert created["CustomerID"] == ACME_ID  # the contact's customer, not the dropped field


async def test_an_unknown_route_is_an_empty_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/technicians")
    assert response.status_code == 404
    assert response.content == b""


async def test_more_than_rpm_requests_a_minute_is_429_with_integer_retry_after() -> None:
    async with connect(make_app(rpm=3)) as api:
        answers = [await api.get("/account") for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    retry_after = answers[-1].headers["Retry-After"]
    assert retry_after.isdigit()
    assert 1 <= int(retry_after) <= 60


async def test_rpm_zero_means_no_limit() -> None:
    async with connect(make_app(rpm=0)) as api:
        answers = [await api.get("/account") for _ in range(30)]
    assert {r.status_code for r in answers} == {200}


async def test_gzip_is_honoured_when_asked_for(api: httpx.AsyncClient) -> None:
    response = await api.get("/tickets", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["items"]


async def test_json_answers_carry_the_aspnet_content_type(api: httpx.AsyncClient) -> None:
    response = await api.get("/account")
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert str(response.url).startswith(BASE)


async def test_links_and_problems_echo_the_path_as_the_caller_spelled_it(
    api: httpx.AsyncClient,
) -> None:
    listing = (await api.get("/tickets/noComments", params={"itemsInPage": 1})).json()
    assert urlsplit(listing["nextLink"]).path == "/api/v3/tickets/noComments"
    problem = (await api.get("/Tickets/424242")).json()
    assert problem["instance"] == "/api/v3/Tickets/424242"
