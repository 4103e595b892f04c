"""Each endpoint method sends Atera's exact path, query names and body, and reads its answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from atera_mcp.client import AteraClient
from atera_mcp.domain.wire import (
    AddCommentToTicketModel,
    CreateContactRequest,
    CreateTicketModel,
    CreateWorkHoursModel,
    EnduserCommentDetails,
    UpdateTicketModel,
)
from atera_mcp.errors import AmbiguousWriteError, InvalidRequestError

MakeClient = Callable[..., AteraClient]

EMPTY_PAGE = {"items": [], "page": 1, "itemsInPage": 50, "totalItemCount": 0, "totalPages": 0}
DURATIONS = {"ticketId": 7, "TotalDurationHours": 2.5, "OnSiteDurationHours": 1.0}


class Recorder:
    """Answers every request with one canned response and keeps the requests."""

    def __init__(self, status: int = 200, body: Any = None) -> None:
        self.status = status
        self.body = body
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.body is None:
            return httpx.Response(self.status)
        return httpx.Response(self.status, json=self.body)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def sent_json(self) -> Any:
        return json.loads(self.last.content)

    def query(self) -> dict[str, str]:
        return dict(self.last.url.params)


@pytest.mark.anyio
async def test_the_ticket_list_uses_ateras_filter_names(make_client: MakeClient) -> None:
    api = Recorder(body=EMPTY_PAGE)
    async with make_client(api) as client:
        await client.list_tickets_page(
            page=2, items_in_page=25, customer_id=12, status="Pending", include_relations=True
        )
    assert api.last.url.path == "/api/v3/tickets"
    assert api.query() == {
        "page": "2",
        "itemsInPage": "25",
        "customerId": "12",
        "ticketStatus": "Pending",
        "includeRelations": "true",
    }


@pytest.mark.anyio
async def test_unset_filters_are_left_out_of_the_query(make_client: MakeClient) -> None:
    api = Recorder(body=EMPTY_PAGE)
    async with make_client(api) as client:
        result = await client.list_tickets()
    assert api.query() == {"page": "1", "itemsInPage": "50"}
    assert (result.items, result.total, result.complete) == ([], 0, True)


@pytest.mark.anyio
async def test_modified_since_sends_whole_seconds_in_utc(make_client: MakeClient) -> None:
    api = Recorder(body=EMPTY_PAGE)
    since = datetime(2026, 6, 1, 12, 30, 15, 999999, tzinfo=timezone(timedelta(hours=2)))
    async with make_client(api) as client:
        await client.tickets_modified_since(since)
        await client.tickets_modified_since(datetime(2026, 6, 1, 8, 0))
    first, second = api.requests
    assert first.url.path == "/api/v3/tickets/lastmodified"
    assert first.url.params["date"] == "2026-06-01T10:30:15Z"
    assert second.url.params["date"] == "2026-06-01T08:00:00Z"


@pytest.mark.anyio
async def test_status_modified_reads_its_own_feed(make_client: MakeClient) -> None:
    api = Recorder(body=EMPTY_PAGE)
    async with make_client(api) as client:
        await client.tickets_status_modified(max_items=10)
    assert api.last.url.path == "/api/v3/tickets/statusmodified"


@pytest.mark.anyio
async def test_get_ticket_reads_a_ticket_dto(make_client: MakeClient) -> None:
    api = Recorder(body={"TicketID": 7, "TicketTitle": "VPN down", "FirstComment": "Help"})
    async with make_client(api) as client:
        ticket = await client.get_ticket(7, include_relations=True)
    assert (ticket.ticket_id, ticket.ticket_title, ticket.first_comment) == (7, "VPN down", "Help")
    assert api.last.url.path == "/api/v3/tickets/7"
    assert api.query() == {"includeRelations": "true"}


@pytest.mark.anyio
@pytest.mark.parametrize("action_id", ["4711", 4711])
async def test_create_ticket_returns_the_new_id_given_as_text_or_number(
    action_id: str | int, make_client: MakeClient
) -> None:
    api = Recorder(201, {"ActionID": action_id})
    body = CreateTicketModel(ticket_title="VPN down", description="Since 9am", end_user_id=3)
    async with make_client(api) as client:
        assert await client.create_ticket(body) == 4711
    assert (api.last.method, api.last.url.path) == ("POST", "/api/v3/tickets")
    assert api.sent_json() == {
        "TicketTitle": "VPN down",
        "Description": "Since 9am",
        "EndUserID": 3,
    }


@pytest.mark.anyio
async def test_a_create_without_an_id_in_the_answer_is_an_unsettled_write(
    make_client: MakeClient,
) -> None:
    api = Recorder(201, {"ActionID": None})
    async with make_client(api) as client:
        with pytest.raises(AmbiguousWriteError, match="did not carry a readable id"):
            await client.create_ticket(CreateTicketModel(ticket_title="t", description="d"))


@pytest.mark.anyio
async def test_update_ticket_puts_only_the_fields_that_change(make_client: MakeClient) -> None:
    api = Recorder(body={"ActionID": "7"})
    async with make_client(api) as client:
        await client.update_ticket(7, UpdateTicketModel(ticket_status="Pending"))
    assert (api.last.method, api.last.url.path) == ("PUT", "/api/v3/tickets/7")
    assert api.sent_json() == {"TicketStatus": "Pending"}


@pytest.mark.anyio
async def test_an_update_with_nothing_to_change_is_not_sent(make_client: MakeClient) -> None:
    api = Recorder(body={"ActionID": "7"})
    async with make_client(api) as client:
        with pytest.raises(InvalidRequestError, match="No changes"):
            await client.update_ticket(7, UpdateTicketModel())
    assert api.requests == []


@pytest.mark.anyio
async def test_delete_ticket_accepts_204(make_client: MakeClient) -> None:
    api = Recorder(204)
    async with make_client(api) as client:
        await client.delete_ticket(7)
    assert (api.last.method, api.last.url.path) == ("DELETE", "/api/v3/tickets/7")


@pytest.mark.anyio
@pytest.mark.parametrize(("status", "body"), [(200, {"ActionID": "99"}), (201, None)])
async def test_add_comment_accepts_a_result_or_an_empty_201(
    status: int, body: Any, make_client: MakeClient
) -> None:
    api = Recorder(status, body)
    comment = AddCommentToTicketModel(
        comment_text="Thanks!", enduser_comment_details=EnduserCommentDetails(enduser_id=3)
    )
    async with make_client(api) as client:
        await client.add_comment(7, comment)
    assert api.last.url.path == "/api/v3/tickets/7/comments"
    assert api.sent_json() == {"CommentText": "Thanks!", "EnduserCommentDetails": {"EnduserId": 3}}


@pytest.mark.anyio
async def test_comments_are_read_page_by_page(make_client: MakeClient) -> None:
    page = {**EMPTY_PAGE, "items": [{"Date": "2026-06-01T10:00:00Z", "Comment": "Hi"}]}
    page |= {"totalItemCount": 1, "totalPages": 1}
    api = Recorder(body=page)
    async with make_client(api) as client:
        result = await client.list_comments(7)
        one = await client.list_comments_page(7, page=1, items_in_page=10)
    assert [c.comment for c in result.items] == ["Hi"]
    assert one.total_item_count == 1
    assert api.last.url.path == "/api/v3/tickets/7/comments"


@pytest.mark.anyio
async def test_add_work_hours_posts_ateras_misspelt_billiable(make_client: MakeClient) -> None:
    api = Recorder(201, {"ActionID": "5"})
    entry = CreateWorkHoursModel(
        start_work_hour=datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
        end_work_hour=datetime(2026, 6, 1, 10, 30, tzinfo=UTC),
        technician_contact_id=11,
        billiable=True,
    )
    async with make_client(api) as client:
        await client.add_work_hours(7, entry)
    assert api.last.url.path == "/api/v3/tickets/7/workhours"
    assert api.sent_json()["Billiable"] is True
    assert api.sent_json()["StartWorkHour"] == "2026-06-01T09:00:00Z"


@pytest.mark.anyio
async def test_work_hour_records_and_summary_use_their_own_paths(make_client: MakeClient) -> None:
    record = {"TicketID": 7, "WorkHoursID": 1, "Billiable": False}
    summary = {"TicketID": 7, "Billable": DURATIONS, "NonBillable": DURATIONS}
    records = Recorder(body={**EMPTY_PAGE, "items": [record], "totalItemCount": 1, "totalPages": 1})
    totals = Recorder(body=summary)
    async with make_client(records) as client:
        result = await client.work_hour_records(7)
    async with make_client(totals) as client:
        got = await client.work_hours_summary(7)
    assert records.last.url.path == "/api/v3/tickets/7/workhoursrecords"
    assert result.items[0].billiable is False
    assert totals.last.url.path == "/api/v3/tickets/7/workhours"
    assert got.billable.total_duration_hours == 2.5


@pytest.mark.anyio
async def test_billable_and_non_billable_durations_of_one_ticket(make_client: MakeClient) -> None:
    api = Recorder(body=DURATIONS)
    async with make_client(api) as client:
        billable = await client.billable_duration(7)
        non_billable = await client.non_billable_duration(7)
    paths = [r.url.path for r in api.requests]
    assert paths == ["/api/v3/tickets/7/billableduration", "/api/v3/tickets/7/nonbillableduration"]
    assert billable.ticket_id == non_billable.ticket_id == 7


@pytest.mark.anyio
async def test_billable_durations_posts_a_json_array_of_ids(make_client: MakeClient) -> None:
    api = Recorder(body=[DURATIONS, {**DURATIONS, "ticketId": 8}])
    async with make_client(api) as client:
        result = await client.billable_durations([7, 8])
    assert (api.last.method, api.last.url.path) == ("POST", "/api/v3/tickets/billableduration")
    assert api.sent_json() == [7, 8]
    assert [d.ticket_id for d in result] == [7, 8]


@pytest.mark.anyio
@pytest.mark.parametrize("ids", [[], list(range(1, 52))], ids=["none", "51"])
async def test_billable_durations_refuses_zero_or_more_than_fifty_ids(
    ids: list[int], make_client: MakeClient
) -> None:
    api = Recorder(body=[])
    async with make_client(api) as client:
        with pytest.raises(InvalidRequestError, match="1 to 50 tickets"):
            await client.billable_durations(ids)
    assert api.requests == []


@pytest.mark.anyio
async def test_work_hours_in_period_sends_naive_local_times(make_client: MakeClient) -> None:
    api = Recorder(body=EMPTY_PAGE)
    async with make_client(api) as client:
        await client.work_hours_in_period(
            datetime(2026, 6, 1), datetime(2026, 6, 30, 23, 59, 59), include_rates=True
        )
    assert api.last.url.path == "/api/v3/workhours"
    assert api.query() == {
        "page": "1",
        "itemsInPage": "50",
        "startWorkhour": "2026-06-01T00:00:00",
        "endWorkhour": "2026-06-30T23:59:59",
        "includeRates": "true",
    }


@pytest.mark.anyio
async def test_work_hours_in_period_refuses_aware_times(make_client: MakeClient) -> None:
    api = Recorder(body=EMPTY_PAGE)
    async with make_client(api) as client:
        with pytest.raises(InvalidRequestError, match="without an offset"):
            await client.work_hours_in_period(
                datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 6, 30, tzinfo=UTC)
            )
        with pytest.raises(InvalidRequestError, match="before its start"):
            await client.work_hours_in_period(datetime(2026, 6, 30), datetime(2026, 6, 1))
    assert api.requests == []


@pytest.mark.anyio
async def test_add_relation_posts_the_related_ticket(make_client: MakeClient) -> None:
    api = Recorder(201, {"ActionID": "1"})
    async with make_client(api) as client:
        await client.add_relation(7, 3, "Parent")
    assert api.last.url.path == "/api/v3/tickets/7/relations"
    assert api.sent_json() == {"RelatedTicketId": 3, "RelationType": "Parent"}


@pytest.mark.anyio
async def test_find_contacts_uses_the_email_and_phone_filters(make_client: MakeClient) -> None:
    contact = {"EndUserID": 3, "Firstname": "Ada", "Lastname": "L", "Email": "ada@x.io"}
    api = Recorder(body={**EMPTY_PAGE, "items": [contact], "totalItemCount": 1, "totalPages": 1})
    async with make_client(api) as client:
        result = await client.find_contacts(email="ada@", phone="555")
    assert api.last.url.path == "/api/v3/contacts"
    assert api.query() == {"page": "1", "itemsInPage": "50", "Email": "ada@", "Phone": "555"}
    assert result.items[0].firstname == "Ada"


@pytest.mark.anyio
async def test_create_contact_returns_the_new_id(make_client: MakeClient) -> None:
    api = Recorder(201, {"ActionID": "88"})
    async with make_client(api) as client:
        new_id = await client.create_contact(CreateContactRequest(email="a@x.io", customer_id=2))
    assert new_id == 88
    assert api.sent_json() == {"Email": "a@x.io", "CustomerID": 2}


@pytest.mark.anyio
async def test_single_objects_are_read_from_their_paths(make_client: MakeClient) -> None:
    answers = {
        "/api/v3/account": {"CompanyName": "Acme IT", "TimeZoneName": "W. Europe Standard Time"},
        "/api/v3/customers/2": {"CustomerID": 2, "CustomerName": "Globex"},
        "/api/v3/contacts/3": {"EndUserID": 3, "Firstname": "Ada"},
        "/api/v3/customers": {**EMPTY_PAGE, "items": [{"CustomerID": 2}], "totalItemCount": 1},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answers[request.url.path])

    async with make_client(handler) as client:
        account = await client.get_account()
        customer = await client.get_customer(2)
        contact = await client.get_contact(3)
        customers = await client.list_customers()
    assert account.time_zone_name == "W. Europe Standard Time"
    assert customer.customer_name == "Globex"
    assert contact.firstname == "Ada"
    assert [c.customer_id for c in customers.items] == [2]


@pytest.mark.anyio
async def test_a_base_url_path_and_trailing_slash_are_kept(make_client: MakeClient) -> None:
    api = Recorder(body={"CompanyName": "Acme"})
    async with make_client(api, base_url="https://api.atera.com/api/v3/") as client:
        await client.get_account()
    assert str(api.last.url) == "https://api.atera.com/api/v3/account"


@pytest.mark.anyio
async def test_text_atera_cut_inside_an_emoji_is_read_with_a_replacement_character(
    make_client: MakeClient,
) -> None:
    # JSON escapes each UTF-16 half of an emoji; a text cut between them keeps one half, which
    # no UTF-8 encoder accepts (the index's insert, the tool's answer).
    body = b'{"TicketID": 5, "TicketTitle": "Printer \\ud83d\\ude42 jam \\ud83d", "CustomerID": 1}'

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    async with make_client(answer) as client:
        ticket = await client.get_ticket(5)
    assert ticket.ticket_title == "Printer \U0001f642 jam \ufffd"
    assert ticket.ticket_title.encode()


@pytest.mark.anyio
async def test_alerts_are_read_by_status_and_by_id_and_agents_by_customer(
    make_client: MakeClient,
) -> None:
    api = Recorder(body=EMPTY_PAGE)
    async with make_client(api) as client:
        await client.list_alerts(status="Open")
        assert (api.last.method, api.last.url.path) == ("GET", "/api/v3/alerts")
        assert api.query() == {"page": "1", "itemsInPage": "50", "alertStatus": "Open"}
        await client.list_alerts()
        assert "alertStatus" not in api.query()
        await client.list_customer_agents(12)
        assert api.last.url.path == "/api/v3/agents/customer/12"
        assert api.query() == {"page": "1", "itemsInPage": "50"}
    found = Recorder(body={"AlertID": 88, "TicketID": 1042, "Archived": True})
    async with make_client(found) as client:
        alert = await client.get_alert(88)
    assert found.last.url.path == "/api/v3/alerts/88"
    assert (alert.alert_id, alert.ticket_id, alert.archived) == (88, 1042, True)
