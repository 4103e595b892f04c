"""Walking paged lists: bounded parallel fetches, in order, capped, never following links."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import anyio.lowlevel
import httpx
import pytest

from atera_mcp.client import AteraClient
from atera_mcp.client.paging import pages_to_fetch
from atera_mcp.errors import AteraRefusedError, InvalidRequestError

MakeClient = Callable[..., AteraClient]
BASE = "https://app.atera.com/api/v3"


def ticket(number: int) -> dict[str, Any]:
    return {"TicketID": number, "TicketTitle": f"Ticket {number}"}


class PagedTickets:
    """An Atera-like /tickets: `total` tickets in pages, with knobs for odd envelopes."""

    def __init__(self, total: int, *, with_total_pages: bool = True) -> None:
        self.total = total
        self.with_total_pages = with_total_pages
        self.requests: list[httpx.Request] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def envelope(self, page: int, size: int) -> dict[str, Any]:
        pages = math.ceil(self.total / size)
        first = (page - 1) * size + 1
        numbers = range(first, min(first + size, self.total + 1))
        body: dict[str, Any] = {
            "items": [ticket(n) for n in numbers],
            "page": page,
            "itemsInPage": size,
            "totalItemCount": self.total,
            # An absolute link to another host: the client must never follow it.
            "nextLink": f"https://evil.example.com/steal?page={page + 1}" if page < pages else "",
            "prevLink": "",
        }
        if self.with_total_pages:
            body["totalPages"] = pages
        return body

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        page = int(request.url.params["page"])
        size = int(request.url.params["itemsInPage"])
        # Later pages answer sooner, so completion order is the reverse of page order.
        for _ in range(max(1, 20 - page)):
            await anyio.lowlevel.checkpoint()
        self.in_flight -= 1
        return httpx.Response(200, json=self.envelope(page, size))

    def pages_requested(self) -> list[int]:
        return sorted(int(r.url.params["page"]) for r in self.requests)


@pytest.mark.anyio
async def test_parallel_pages_come_back_in_page_order(make_client: MakeClient) -> None:
    api = PagedTickets(total=480)
    async with make_client(api) as client:
        result = await client.list_tickets()
    assert [t.ticket_id for t in result.items] == list(range(1, 481))
    assert (result.total, result.complete) == (480, True)


@pytest.mark.anyio
async def test_no_more_than_page_concurrency_pages_are_in_flight(make_client: MakeClient) -> None:
    api = PagedTickets(total=1000)
    async with make_client(api, page_concurrency=3) as client:
        result = await client.list_tickets()
    assert len(result.items) == 1000
    assert api.max_in_flight == 3


@pytest.mark.anyio
async def test_every_page_asks_for_fifty_items_from_the_same_host(make_client: MakeClient) -> None:
    api = PagedTickets(total=120)
    async with make_client(api) as client:
        await client.list_tickets()
    assert {r.url.params["itemsInPage"] for r in api.requests} == {"50"}
    assert {r.url.host for r in api.requests} == {"app.atera.com"}
    assert {r.url.path for r in api.requests} == {"/api/v3/tickets"}


@pytest.mark.anyio
async def test_the_item_cap_stops_the_walk_and_marks_it_incomplete(
    make_client: MakeClient,
) -> None:
    api = PagedTickets(total=230)
    async with make_client(api) as client:
        result = await client.list_tickets(max_items=60)
    assert [t.ticket_id for t in result.items] == list(range(1, 61))
    assert (result.total, result.complete) == (230, False)
    assert api.pages_requested() == [1, 2]


@pytest.mark.anyio
async def test_a_cap_at_or_above_the_total_reads_everything(make_client: MakeClient) -> None:
    api = PagedTickets(total=100)
    async with make_client(api) as client:
        exact = await client.list_tickets(max_items=100)
        above = await client.list_tickets(max_items=500)
    assert (len(exact.items), exact.complete) == (100, True)
    assert (len(above.items), above.complete) == (100, True)


@pytest.mark.anyio
async def test_a_zero_cap_still_reports_the_total(make_client: MakeClient) -> None:
    api = PagedTickets(total=75)
    async with make_client(api) as client:
        result = await client.list_tickets(max_items=0)
    assert (result.items, result.total, result.complete) == ([], 75, False)


@pytest.mark.anyio
@pytest.mark.parametrize("next_link", ["", None, "missing"])
async def test_an_empty_null_or_missing_next_link_all_mean_no_next_page(
    next_link: str | None, make_client: MakeClient
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body: dict[str, Any] = {"items": [ticket(1), ticket(2)], "page": 1, "itemsInPage": 50}
        body["totalItemCount"] = 2
        if next_link != "missing":
            body["nextLink"] = next_link
        return httpx.Response(200, json=body)

    async with make_client(handler) as client:
        result = await client.list_tickets()
    assert len(seen) == 1
    assert (len(result.items), result.complete) == (2, True)


@pytest.mark.anyio
async def test_without_total_pages_the_walk_counts_pages_until_next_link_is_empty(
    make_client: MakeClient,
) -> None:
    api = PagedTickets(total=130, with_total_pages=False)
    async with make_client(api) as client:
        result = await client.list_tickets()
    assert [t.ticket_id for t in result.items] == list(range(1, 131))
    assert result.complete
    assert api.pages_requested() == [1, 2, 3]
    assert {r.url.host for r in api.requests} == {"app.atera.com"}


@pytest.mark.anyio
async def test_a_failing_page_raises_the_project_error_itself(make_client: MakeClient) -> None:
    api = PagedTickets(total=500)

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["page"] == "4":
            return httpx.Response(400, json={"title": "Bad page"})
        return await api(request)

    async with make_client(handler) as client:
        with pytest.raises(AteraRefusedError, match="Bad page"):
            await client.list_tickets()


@pytest.mark.anyio
async def test_one_page_can_be_read_on_its_own(make_client: MakeClient) -> None:
    api = PagedTickets(total=130)
    async with make_client(api) as client:
        page = await client.list_tickets_page(page=3, items_in_page=50)
    assert [t.ticket_id for t in page.items or []] == list(range(101, 131))
    assert not page.has_next


@pytest.mark.anyio
async def test_a_page_size_above_fifty_is_refused_before_sending(make_client: MakeClient) -> None:
    api = PagedTickets(total=10)
    async with make_client(api) as client:
        with pytest.raises(InvalidRequestError, match="between 1 and 50"):
            await client.list_tickets_page(items_in_page=100)
    assert api.requests == []


def test_pages_to_fetch_covers_the_cap_without_passing_the_last_page() -> None:
    assert pages_to_fetch(10, None, 50) == 10
    assert pages_to_fetch(10, 60, 50) == 2
    assert pages_to_fetch(10, 50, 50) == 1
    assert pages_to_fetch(10, 0, 50) == 1
    assert pages_to_fetch(2, 500, 50) == 2
