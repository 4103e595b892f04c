"""The contract checker catches what Atera would refuse or silently drop, and passes what it serves.

Correct examples are hand-written from the June 2026 export; wrong ones are the mistakes other
clients and the skill document make (a flat IsInternal, CustomerID on a new ticket, ...).
"""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from tests.contract.examples import BASE, DURATIONS, TICKET, page
from tests.contract.openapi_check import (
    ContractChecker,
    RecordingTransport,
    assert_contract,
    default_checker,
    paging_violations,
)

JSON = {"content-type": "application/json; charset=utf-8"}


@pytest.fixture
def checker() -> ContractChecker:
    return default_checker()


def response_problems(
    checker: ContractChecker,
    method: str,
    path: str,
    status: int,
    body: object = None,
    headers: dict[str, str] | None = None,
) -> list[str]:
    raw = b"" if body is None else json.dumps(body).encode()
    given = (JSON if body is not None else {}) if headers is None else headers
    return checker.check_response(method, BASE + path, status, given, raw)


# -- requests: which operation ---------------------------------------------------------------


def test_a_path_atera_lacks_is_not_an_operation(checker: ContractChecker) -> None:
    assert checker.check_request("POST", f"{BASE}/tickets/5/merge") == [
        "POST /api/v3/tickets/5/merge is not an Atera operation"
    ]


def test_endpoints_other_clients_invent_are_not_operations(checker: ContractChecker) -> None:
    for path in ("/technicians", "/tickets/5/billabledurations", "/contacts/customer/3"):
        assert checker.check_request("GET", BASE + path) == [
            f"GET /api/v3{path} is not an Atera operation"
        ]


def test_a_method_the_path_lacks_is_not_an_operation(checker: ContractChecker) -> None:
    assert checker.check_request("PATCH", f"{BASE}/tickets/5") == [
        "PATCH /api/v3/tickets/5 is not an Atera operation "
        "(that path allows DELETE, GET, POST, PUT)"
    ]
    assert checker.check_request("DELETE", f"{BASE}/tickets/5/comments") != []


def test_a_path_outside_api_v3_is_not_an_operation(checker: ContractChecker) -> None:
    assert checker.check_request("GET", "https://app.atera.com/api/v2/tickets") != []


def test_any_host_and_a_trailing_slash_reach_the_operation(checker: ContractChecker) -> None:
    assert checker.check_request("GET", "http://127.0.0.1:8080/api/v3/tickets/") == []
    assert checker.check_request("GET", "http://testserver/api/v3/account") == []


def test_path_parameters_must_be_int64(checker: ContractChecker) -> None:
    assert checker.check_request("GET", f"{BASE}/tickets/abc") == [
        "path parameter ticketId is 'abc', not an integer"
    ]
    assert checker.check_request("GET", f"{BASE}/customers/{2**63}") == [
        f"path parameter customerId is {2**63}, outside int64"
    ]


def test_literal_segments_take_precedence_over_parameters(checker: ContractChecker) -> None:
    assert checker.check_request("GET", f"{BASE}/tickets/lastmodified") == []
    # Only GET exists on the literal path, so a POST lands on /tickets/{ticketId} and fails there.
    assert checker.check_request("POST", f"{BASE}/tickets/lastmodified", {"TicketTitle": "x"}) == [
        "path parameter ticketId is 'lastmodified', not an integer"
    ]


def test_a_relation_type_path_parameter_must_be_in_the_enum(checker: ContractChecker) -> None:
    assert checker.check_request("DELETE", f"{BASE}/tickets/5/relations/Parent") == []
    assert checker.check_request("DELETE", f"{BASE}/tickets/5/relations/Sibling") == [
        "path parameter relationType is 'Sibling', not one of None, Parent, Child"
    ]


# -- requests: query -------------------------------------------------------------------------


def test_an_undeclared_query_name_is_refused(checker: ContractChecker) -> None:
    assert checker.check_request("GET", f"{BASE}/tickets?search=printer") == [
        "query parameter 'search' is not declared for GET /api/v3/tickets "
        "(declared: customerId, includeRelations, itemsInPage, page, ticketStatus)"
    ]
    assert checker.check_request("GET", f"{BASE}/account?page=1") == [
        "query parameter 'page' is not declared for GET /api/v3/account (declared: none)"
    ]


def test_query_names_match_case_insensitively(checker: ContractChecker) -> None:
    url = f"{BASE}/tickets?CUSTOMERID=5&TicketStatus=Open&itemsinpage=50&IncludeRelations=True"
    assert checker.check_request("GET", url) == []


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("customerId=acme", "query parameter customerId is 'acme', not an integer"),
        ("includeRelations=yes", "query parameter includeRelations is 'yes', not true or false"),
        ("page=9999999999", "query parameter page is 9999999999, outside int32"),
    ],
)
def test_query_values_must_parse_as_their_declared_type(
    checker: ContractChecker, query: str, problem: str
) -> None:
    assert checker.check_request("GET", f"{BASE}/tickets?{query}") == [problem]


def test_query_enums_and_dates_must_parse(checker: ContractChecker) -> None:
    assert checker.check_request("GET", f"{BASE}/customers?SortBy=Name") == [
        "query parameter SortBy is 'Name', not one of Creation, LastModified"
    ]
    assert checker.check_request("GET", f"{BASE}/customers?SortBy=LastModified") == []
    assert checker.check_request("GET", f"{BASE}/tickets/lastmodified?date=yesterday") == [
        "query parameter date is 'yesterday', not an ISO 8601 date or date-time"
    ]


def test_items_in_page_is_capped_at_50(checker: ContractChecker) -> None:
    assert checker.check_request("GET", f"{BASE}/contacts?itemsInPage=50") == []
    assert checker.check_request("GET", f"{BASE}/contacts?itemsInPage=100") == [
        "query parameter itemsInPage is 100; Atera serves 1 to 50 per page"
    ]
    assert checker.check_request("GET", f"{BASE}/contacts?page=0") == [
        "query parameter page is 0; Atera pages are numbered from 1"
    ]


def test_a_query_name_given_twice_is_refused(checker: ContractChecker) -> None:
    url = f"{BASE}/tickets?ticketStatus=Open&TicketStatus=Pending"
    assert checker.check_request("GET", url) == [
        "query parameter ticketStatus is given more than once; Atera binds a single value"
    ]


def test_local_time_parameters_refuse_an_offset(checker: ContractChecker) -> None:
    good = f"{BASE}/workhours?startWorkhour=2026-06-01&endWorkhour=2026-06-30T23:59:59"
    assert checker.check_request("GET", good) == []
    problems = checker.check_request("GET", f"{BASE}/workhours?startWorkhour=2026-06-01T00:00:00Z")
    assert len(problems) == 1
    assert "without offset" in problems[0]


# -- requests: body --------------------------------------------------------------------------


def test_a_flat_is_internal_on_a_comment_is_refused(checker: ContractChecker) -> None:
    body = {"CommentText": "Rebooted the spooler", "IsInternal": True}
    assert checker.check_request("POST", f"{BASE}/tickets/5/comments", body) == [
        "request body: Additional properties are not allowed ('IsInternal' was unexpected)"
    ]


def test_customer_id_on_a_new_ticket_is_refused(checker: ContractChecker) -> None:
    body = {"TicketTitle": "Printer", "Description": "Offline", "EndUserID": 77, "CustomerID": 12}
    assert checker.check_request("POST", f"{BASE}/tickets", body) == [
        "request body: Additional properties are not allowed ('CustomerID' was unexpected)"
    ]


def test_a_priority_outside_the_enum_is_refused(checker: ContractChecker) -> None:
    problems = checker.check_request("PUT", f"{BASE}/tickets/5", {"TicketPriority": "Urgent"})
    assert problems == [
        "request body TicketPriority: 'Urgent' is not one of ['Low', 'Medium', 'High', 'Critical']"
    ]


def test_a_wrongly_typed_body_field_is_refused(checker: ContractChecker) -> None:
    body = {
        "CommentText": "On my way",
        "TechnicianCommentDetails": {"TechnicianId": "5", "IsInternal": "false"},
    }
    assert checker.check_request("POST", f"{BASE}/tickets/5/comments", body) == [
        "request body TechnicianCommentDetails.IsInternal: 'false' is not of type 'boolean'",
        "request body TechnicianCommentDetails.TechnicianId: '5' is not of type 'integer'",
    ]


def test_null_is_refused_where_the_spec_is_not_nullable(checker: ContractChecker) -> None:
    assert checker.check_request("PUT", f"{BASE}/tickets/5", {"TicketImpact": None}) == [
        "request body TicketImpact: null is not allowed here"
    ]
    assert checker.check_request("PUT", f"{BASE}/tickets/5", {"TechnicianEmail": None}) == []


def test_request_date_times_must_carry_an_offset(checker: ContractChecker) -> None:
    body = {
        "StartWorkHour": "2026-06-01T09:00:00",
        "EndWorkHour": "2026-06-01T10:00:00Z",
        "TechnicianContactID": 5,
        "Billiable": True,
    }
    assert checker.check_request("POST", f"{BASE}/tickets/5/workhours", body) == [
        "request body StartWorkHour: '2026-06-01T09:00:00' is not a 'date-time'"
    ]


def test_the_correct_spelling_billable_is_refused(checker: ContractChecker) -> None:
    body = {
        "StartWorkHour": "2026-06-01T09:00:00Z",
        "EndWorkHour": "2026-06-01T10:00:00Z",
        "Billable": True,
    }
    problems = checker.check_request("POST", f"{BASE}/tickets/5/workhours", body)
    assert problems == [
        "request body: Additional properties are not allowed ('Billable' was unexpected)"
    ]


def test_a_body_on_an_operation_without_one_is_refused(checker: ContractChecker) -> None:
    assert checker.check_request("GET", f"{BASE}/tickets/5", {"TicketID": 5}) == [
        "GET /api/v3/tickets/{ticketId} takes no request body"
    ]


def test_billable_duration_takes_at_most_50_ids(checker: ContractChecker) -> None:
    url = f"{BASE}/tickets/billableduration"
    assert checker.check_request("POST", url, list(range(1, 51))) == []
    assert len(checker.check_request("POST", url, list(range(1, 52)))) == 1
    assert checker.check_request("POST", url, [1, "2"]) == [
        "request body [1]: '2' is not of type 'integer'"
    ]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/account", None),
        ("GET", "/tickets?page=2&itemsInPage=50&customerId=12&ticketStatus=Open", None),
        ("GET", "/tickets/lastmodified?date=2026-06-01T00:00:00Z&includeComments=true", None),
        ("GET", "/tickets/statusmodified?includeComments=false&includeRelations=true", None),
        ("GET", "/tickets/1042?includeRelations=true", None),
        (
            "POST",
            "/tickets",
            {
                "TicketTitle": "Printer offline",
                "Description": "Floor 2 printer shows offline",
                "TicketPriority": "High",
                "TicketImpact": "Minor",
                "TicketType": "Incident",
                "TicketStatus": "Open",
                "EndUserFirstName": "Dana",
                "EndUserLastName": "Levi",
                "EndUserEmail": "dana@contoso.example",
                "TechnicianContactID": -1,
            },
        ),
        ("PUT", "/tickets/1042", {"TicketStatus": "Pending", "TechnicianEmail": "sam@msp.example"}),
        ("POST", "/tickets/1042", {"TicketPriority": "Critical"}),
        ("DELETE", "/tickets/1042", None),
        ("GET", "/tickets/1042/comments?page=1&itemsInPage=50", None),
        (
            "POST",
            "/tickets/1042/comments",
            {
                "CommentText": "Internal note",
                "CommentTimestampUTC": "2026-06-01T10:00:00Z",
                "TechnicianCommentDetails": {
                    "TechnicianId": 5,
                    "IsInternal": True,
                    "TechnicianEmail": "sam@msp.example",
                },
            },
        ),
        (
            "POST",
            "/tickets/1042/comments",
            {"CommentText": "Thanks!", "EnduserCommentDetails": {"EnduserId": 77}},
        ),
        ("GET", "/tickets/1042/workhours", None),
        (
            "POST",
            "/tickets/1042/workhours",
            {
                "StartWorkHour": "2026-06-01T09:00:00Z",
                "EndWorkHour": "2026-06-01T10:30:00+02:00",
                "TechnicianEmail": "sam@msp.example",
                "Billiable": True,
                "OnCustomerSite": False,
                "Description": "Replaced toner",
                "RateID": 3,
            },
        ),
        ("GET", "/tickets/1042/workhoursrecords?itemsInPage=10", None),
        ("GET", "/tickets/1042/billableduration", None),
        ("GET", "/tickets/1042/nonbillableduration", None),
        ("POST", "/tickets/billableduration", [1042, 1043]),
        ("POST", "/tickets/1042/relations", {"RelatedTicketId": 1043, "RelationType": "Child"}),
        ("DELETE", "/tickets/1042/relations/Child", None),
        (
            "GET",
            "/workhours?startWorkhour=2026-06-01&endWorkhour=2026-06-30&includeRates=true",
            None,
        ),
        ("GET", "/customers?FromLastModifiedDate=2026-01-01T08:30:00&SortBy=Creation", None),
        ("GET", "/customers/12", None),
        ("GET", "/contacts?Email=contoso.example&Phone=555", None),
        ("POST", "/contacts", {"Email": "new@contoso.example", "CustomerID": 12}),
        ("GET", "/contacts/77", None),
    ],
)
def test_correct_requests_pass(
    checker: ContractChecker, method: str, path: str, body: object
) -> None:
    assert checker.check_request(method, BASE + path, body) == []


# -- responses -------------------------------------------------------------------------------


def test_a_401_must_have_an_empty_body(checker: ContractChecker) -> None:
    assert response_problems(checker, "GET", "/tickets/5", 401, headers={}) == []
    problems = response_problems(checker, "GET", "/tickets/5", 401, {"message": "Unauthorized"})
    assert problems == ["401 must have an empty body (Atera sends none)"]


def test_a_429_must_carry_retry_after_in_seconds(checker: ContractChecker) -> None:
    assert response_problems(checker, "GET", "/tickets", 429, headers={}) == [
        "429 must carry a Retry-After header (seconds)"
    ]
    assert response_problems(checker, "GET", "/tickets", 429, headers={"Retry-After": "soon"}) == [
        "429 Retry-After must be whole seconds, not 'soon'"
    ]
    assert response_problems(checker, "POST", "/tickets", 429, headers={"Retry-After": "30"}) == []


def test_not_found_and_bad_request_carry_problem_details(checker: ContractChecker) -> None:
    problem = {
        "type": "https://tools.ietf.org/html/rfc7231#section-6.5.4",
        "title": "Not Found",
        "status": 404,
        "detail": "Ticket 9 was not found",
        "instance": "/api/v3/tickets/9",
    }
    assert response_problems(checker, "GET", "/tickets/9", 404, problem) == []
    # 404 and 400 are answered everywhere, declared or not.
    assert response_problems(checker, "GET", "/contacts/9", 404, problem) == []
    assert response_problems(checker, "POST", "/tickets", 400, problem | {"status": 400}) == []
    assert response_problems(checker, "GET", "/tickets/9", 404, headers={}) == [
        "404 for GET /api/v3/tickets/{ticketId} must have a JSON body"
    ]
    assert response_problems(checker, "GET", "/tickets/9", 404, {"status": "missing"}) == [
        "response body status: 'missing' is not of type 'integer'"
    ]


def test_an_undeclared_status_is_refused(checker: ContractChecker) -> None:
    assert response_problems(checker, "POST", "/tickets", 409, {"title": "Conflict"}) == [
        "status 409 is not declared for POST /api/v3/tickets (declared: 201, 400, 500)"
    ]
    assert response_problems(checker, "DELETE", "/tickets/5", 200, {"ActionID": "5"}) == [
        "status 200 is not declared for DELETE /api/v3/tickets/{ticketId} (declared: 204, 500)"
    ]


def test_a_server_error_may_say_anything(checker: ContractChecker) -> None:
    headers = {"content-type": "text/html"}
    assert checker.check_response("GET", f"{BASE}/tickets", 500, headers, b"<html>") == []


def test_a_204_must_have_no_body(checker: ContractChecker) -> None:
    assert response_problems(checker, "DELETE", "/tickets/5", 204, headers={}) == []
    assert response_problems(checker, "DELETE", "/tickets/5", 204, {"ActionID": "5"}) == [
        "204 for DELETE /api/v3/tickets/{ticketId} must have an empty body, "
        """got b'{"ActionID": "5"}'"""
    ]


def test_a_declared_json_body_must_be_there(checker: ContractChecker) -> None:
    assert response_problems(checker, "GET", "/tickets/5", 200, headers=JSON) == [
        "200 for GET /api/v3/tickets/{ticketId} must have a JSON body"
    ]
    problems = checker.check_response("GET", f"{BASE}/account", 200, JSON, b"OK")
    assert problems == ["the body is not JSON: b'OK'"]
    html = {"content-type": "text/html"}
    assert response_problems(checker, "GET", "/account", 200, {}, headers=html) == [
        "the JSON body is sent as 'text/html', not application/json"
    ]


def test_wrongly_typed_response_fields_are_refused(checker: ContractChecker) -> None:
    ticket = TICKET | {"TicketID": "1042", "TicketCreatedDate": "yesterday", "CustomerID": None}
    assert response_problems(checker, "GET", "/tickets/1042", 200, ticket) == [
        "response body CustomerID: null is not allowed here",
        "response body TicketCreatedDate: 'yesterday' is not a 'date-time'",
        "response body TicketID: '1042' is not of type 'integer'",
    ]
    summary = {"TicketID": 1042, "Billable": DURATIONS | {"TotalDurationHours": "1.5"}}
    assert response_problems(checker, "GET", "/tickets/1042/workhours", 200, summary) == [
        "response body Billable.TotalDurationHours: '1.5' is not of type 'number'"
    ]


def test_response_fields_atera_never_sends_are_refused(checker: ContractChecker) -> None:
    # Read-side tickets have no Description: the original text is FirstComment.
    ticket = TICKET | {"Description": "The printer shows offline."}
    assert response_problems(checker, "GET", "/tickets/1042", 200, ticket) == [
        "response body: Additional properties are not allowed ('Description' was unexpected)"
    ]


def test_a_paged_response_missing_envelope_fields_is_refused(checker: ContractChecker) -> None:
    body = page([TICKET])
    del body["totalItemCount"]
    body["totalItems"] = 1
    assert response_problems(checker, "GET", "/tickets", 200, body) == [
        "response body: Additional properties are not allowed ('totalItems' was unexpected)",
        "paged body lacks totalItemCount",
        "paged body has keys Atera never sends: totalItems",
    ]


def test_paged_items_are_validated(checker: ContractChecker) -> None:
    comment = {"Date": "2026-06-01T10:00:00Z", "Comment": "Hi", "IsInternal": "no"}
    assert response_problems(checker, "GET", "/tickets/5/comments", 200, page([comment])) == [
        "response body items[0].IsInternal: 'no' is not of type 'boolean'"
    ]


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        (
            "GET",
            "/account",
            200,
            {
                "AccountID": "a1b2",
                "CompanyName": "Example MSP",
                "TimeZoneName": "Israel Standard Time",
                "IsITDepartment": False,
                "Plan": "Pro",
                "CreatedOn": "6/1/2020 12:00:00 AM",
            },
        ),
        ("GET", "/tickets", 200, page([TICKET], nextLink=f"{BASE}/tickets?page=2&itemsInPage=20")),
        ("GET", "/tickets/lastmodified", 200, page([])),
        ("GET", "/tickets/1042", 200, TICKET | {"RelationType": "Parent", "RelatedTicketId": 7}),
        ("POST", "/tickets", 201, {"ActionID": "1043"}),
        ("PUT", "/tickets/1042", 200, {"ActionID": "1042"}),
        (
            "GET",
            "/tickets/1042/comments",
            200,
            page(
                [
                    {
                        "Date": "2026-06-01T10:00:00",
                        "Comment": "Rebooted",
                        "CommentHtml": "<p>Rebooted</p>",
                        "TechnicianContactID": 5,
                        "EndUserID": None,
                        "Email": "sam@msp.example",
                        "FirstName": "Sam",
                        "LastName": "Tech",
                        "IsInternal": True,
                    }
                ]
            ),
        ),
        ("POST", "/tickets/1042/comments", 200, {"ActionID": "88"}),
        ("GET", "/tickets/1042/workhours", 200, {"TicketID": 1042, "Billable": DURATIONS}),
        (
            "GET",
            "/tickets/1042/workhoursrecords",
            200,
            page(
                [
                    {
                        "TicketID": 1042,
                        "WorkHoursID": 9,
                        "StartWorkHour": "2026-06-01T09:00:00",
                        "EndWorkHour": "2026-06-01T10:30:00",
                        "TechnicianContactID": 5,
                        "Billiable": True,
                        "OnCustomerSite": False,
                        "Description": "Toner",
                        "RateID": None,
                    }
                ]
            ),
        ),
        ("POST", "/tickets/1042/workhours", 201, {"ActionID": "9"}),
        ("GET", "/tickets/1042/billableduration", 200, DURATIONS),
        ("POST", "/tickets/billableduration", 200, [DURATIONS]),
        ("POST", "/tickets/1042/relations", 201, {"ActionID": "1042"}),
        (
            "GET",
            "/workhours",
            200,
            page([{"WorkHoursID": 9, "TicketID": 1042, "CustomerID": 12, "EndUserID": 77}]),
        ),
        (
            "GET",
            "/customers",
            200,
            page([{"CustomerID": 12, "CustomerName": "Contoso", "Latitude": 32.08}]),
        ),
        ("GET", "/contacts/77", 200, {"EndUserID": 77, "Firstname": "Dana", "Lastname": "Levi"}),
        ("POST", "/contacts", 201, {"ActionID": "78"}),
    ],
)
def test_correct_responses_pass(
    checker: ContractChecker, method: str, path: str, status: int, body: object
) -> None:
    assert response_problems(checker, method, path, status, body) == []


def test_body_less_answers_pass(checker: ContractChecker) -> None:
    assert response_problems(checker, "DELETE", "/tickets/5/relations/Child", 204) == []
    assert response_problems(checker, "POST", "/tickets/5/comments", 201) == []


# -- paging envelope -------------------------------------------------------------------------


def test_a_correct_envelope_passes() -> None:
    assert paging_violations(page([1, 2], prevLink=f"{BASE}/tickets?page=1")) == []


def test_envelope_keys_must_be_exactly_atera_s() -> None:
    body = page([]) | {"totalItems": 0}
    del body["prevLink"]
    assert paging_violations(body) == [
        "paged body lacks prevLink",
        "paged body has keys Atera never sends: totalItems",
    ]
    assert paging_violations([]) == ["paged body is not a JSON object: []"]


def test_envelope_links_must_be_absolute_or_empty() -> None:
    assert paging_violations(page([], nextLink="/api/v3/tickets?page=2", prevLink=None)) == [
        'prevLink must be an absolute URL or "" (Atera\'s spelling), not None',
        "nextLink must be an absolute URL or \"\", not '/api/v3/tickets?page=2'",
    ]


def test_envelope_pages_hold_at_most_50_items() -> None:
    assert paging_violations(page([0] * 50, itemsInPage=50)) == []
    assert paging_violations(page([], itemsInPage=100)) == [
        "itemsInPage is 100; Atera pages hold 0 to 50"
    ]
    assert paging_violations(page([0] * 3, itemsInPage=2)) == [
        "page holds 3 items but itemsInPage is 2"
    ]


# -- recording transport and assert_contract -------------------------------------------------


def atera_double(request: httpx.Request) -> httpx.Response:
    """A tiny fake Atera: good answers, except where a test asks for a bad one."""
    path = request.url.path
    if path == "/api/v3/account":
        body = gzip.compress(json.dumps({"CompanyName": "Example MSP"}).encode())
        headers = {"content-type": "application/json", "content-encoding": "gzip"}
        return httpx.Response(200, headers=headers, content=body)
    if path == "/api/v3/tickets/1042":
        return httpx.Response(200, json=TICKET)
    if path == "/api/v3/tickets/1042/comments":
        return httpx.Response(200, json={"ActionID": "88"})
    if path == "/api/v3/tickets":
        return httpx.Response(200, json=page([TICKET], nextLink="/api/v3/tickets?page=2"))
    return httpx.Response(401)


@pytest.mark.anyio
async def test_the_recorder_passes_answers_through_and_keeps_a_readable_copy() -> None:
    recorder = RecordingTransport(httpx.MockTransport(atera_double))
    async with httpx.AsyncClient(transport=recorder, base_url=BASE + "/") as http:
        account = await http.get("account")
        ticket = await http.get("tickets/1042")
    assert account.json() == {"CompanyName": "Example MSP"}
    assert ticket.json() == TICKET
    assert [(r.request.method, r.request.url.path) for r in recorder.records] == [
        ("GET", "/api/v3/account"),
        ("GET", "/api/v3/tickets/1042"),
    ]
    assert json.loads(recorder.records[0].response.content) == {"CompanyName": "Example MSP"}
    assert_contract(recorder.records)


@pytest.mark.anyio
async def test_assert_contract_lists_every_violation() -> None:
    recorder = RecordingTransport(httpx.MockTransport(atera_double))
    async with httpx.AsyncClient(transport=recorder, base_url=BASE + "/") as http:
        await http.post("tickets/1042/comments", json={"CommentText": "x", "IsInternal": True})
        await http.get("tickets", params={"search": "printer"})
        await http.post("tickets/5/merge", json={"TargetTicketId": 6})
    with pytest.raises(AssertionError) as failure:
        assert_contract(recorder.records)
    message = str(failure.value)
    assert message.startswith("4 Atera contract violation(s) in 3 exchange(s):")
    assert "#1 POST" in message
    assert "('IsInternal' was unexpected)" in message
    assert "query parameter 'search' is not declared" in message
    assert "nextLink must be an absolute URL" in message
    assert "#3 POST https://app.atera.com/api/v3/tickets/5/merge -> 401: " in message


@pytest.mark.anyio
async def test_a_non_json_request_body_is_a_violation() -> None:
    recorder = RecordingTransport(httpx.MockTransport(atera_double))
    async with httpx.AsyncClient(transport=recorder, base_url=BASE + "/") as http:
        await http.post("tickets/1042/comments", data={"CommentText": "x"})
    with pytest.raises(AssertionError, match="not application/json"):
        assert_contract(recorder.records)


def test_recording_nothing_fails() -> None:
    with pytest.raises(AssertionError, match="no exchanges were recorded"):
        assert_contract([])
