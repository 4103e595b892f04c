"""Every HTTP failure lands on the project's error tree with a message a technician can use."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

import httpx
import pytest

from atera_mcp.client import AteraClient
from atera_mcp.domain.wire import CreateTicketModel
from atera_mcp.errors import (
    AmbiguousWriteError,
    AteraError,
    AteraRefusedError,
    AuthError,
    NotFoundError,
    RateLimitedError,
    UpstreamError,
)
from tests.client.conftest import KEY

MakeClient = Callable[..., AteraClient]
Handler = Callable[[httpx.Request], httpx.Response]

NEW_TICKET = CreateTicketModel(ticket_title="Printer on fire", description="Smoke", end_user_id=3)
PROBLEM = "application/problem+json"


def answer(code: int, **kwargs: object) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(code, **kwargs)  # type: ignore[arg-type]

    return handler


def problem(code: int, *, title: str, detail: str | None = None, **extra: object) -> Handler:
    body = {"type": "about:blank", "title": title, "status": code, "detail": detail, **extra}
    return answer(code, json=body, headers={"content-type": PROBLEM})


@pytest.mark.anyio
async def test_a_401_with_an_empty_body_says_the_key_was_rejected(make_client: MakeClient) -> None:
    async with make_client(answer(401)) as client:
        with pytest.raises(AuthError) as caught:
            await client.get_account()
    assert str(caught.value) == (
        "Atera rejected the API key (HTTP 401). Check ATERA_API_KEY; retrying will not help."
    )
    assert caught.value.status == 401


@pytest.mark.anyio
async def test_a_403_is_an_auth_error_that_says_retrying_will_not_help(
    make_client: MakeClient,
) -> None:
    async with make_client(problem(403, title="Forbidden")) as client:
        with pytest.raises(AuthError, match="retrying will not help") as caught:
            await client.delete_ticket(7)
    assert caught.value.status == 403


@pytest.mark.anyio
async def test_a_404_names_the_missing_ticket(make_client: MakeClient) -> None:
    handler = problem(404, title="Not Found", detail="Ticket with id 4711 was not found")
    async with make_client(handler) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.get_ticket(4711)
    assert str(caught.value) == "Ticket 4711 was not found in Atera."


@pytest.mark.anyio
async def test_a_404_names_the_missing_contact_and_customer(make_client: MakeClient) -> None:
    async with make_client(answer(404)) as client:
        with pytest.raises(NotFoundError, match="Contact 9 was not found"):
            await client.get_contact(9)
        with pytest.raises(NotFoundError, match="Customer 8 was not found"):
            await client.get_customer(8)


@pytest.mark.anyio
async def test_a_400_carries_ateras_detail(make_client: MakeClient) -> None:
    handler = problem(400, title="Bad Request", detail="Autopilot is not enabled for this account")
    async with make_client(handler) as client:
        with pytest.raises(AteraRefusedError) as caught:
            await client.create_ticket(NEW_TICKET)
    assert str(caught.value) == (
        "Atera refused to create a ticket (HTTP 400): Autopilot is not enabled for this account"
    )
    assert caught.value.status == 400


@pytest.mark.anyio
async def test_a_400_without_detail_falls_back_to_the_title_and_field_errors(
    make_client: MakeClient,
) -> None:
    handler = problem(
        400,
        title="One or more validation errors occurred.",
        errors={"TicketTitle": ["The TicketTitle field is required."]},
    )
    async with make_client(handler) as client:
        with pytest.raises(AteraRefusedError) as caught:
            await client.create_ticket(NEW_TICKET)
    assert "One or more validation errors occurred." in str(caught.value)
    assert "TicketTitle: The TicketTitle field is required." in str(caught.value)


@pytest.mark.anyio
async def test_a_400_in_plain_text_is_quoted(make_client: MakeClient) -> None:
    async with make_client(answer(400, text="Invalid date format")) as client:
        with pytest.raises(AteraRefusedError, match=r"\(HTTP 400\): Invalid date format$"):
            await client.get_account()


@pytest.mark.anyio
@pytest.mark.parametrize("code", [409, 422])
async def test_conflicts_and_unprocessable_requests_are_validation_errors(
    code: int, make_client: MakeClient
) -> None:
    async with make_client(problem(code, title="Conflict")) as client:
        with pytest.raises(AteraRefusedError, match=f"HTTP {code}"):
            await client.get_account()


@pytest.mark.anyio
async def test_a_long_upstream_message_is_truncated(make_client: MakeClient) -> None:
    async with make_client(problem(400, title="Bad", detail="x" * 5000)) as client:
        with pytest.raises(AteraRefusedError) as caught:
            await client.get_account()
    assert len(str(caught.value)) < 400


@pytest.mark.anyio
async def test_a_500_is_an_upstream_error_without_the_body(make_client: MakeClient) -> None:
    html = "<html><body>Stack trace: NullReferenceException at Atera.Web</body></html>"
    async with make_client(answer(500, html=html)) as client:
        with pytest.raises(UpstreamError) as caught:
            await client.get_ticket(7)
    assert "HTTP 500" in str(caught.value)
    assert "NullReference" not in str(caught.value)
    assert not isinstance(caught.value, AmbiguousWriteError)


@pytest.mark.anyio
async def test_a_500_on_a_write_says_the_outcome_is_unknown(make_client: MakeClient) -> None:
    async with make_client(answer(500)) as client:
        with pytest.raises(AmbiguousWriteError, match="may or may not have been applied") as caught:
            await client.create_ticket(NEW_TICKET)
    assert caught.value.cause == "HTTP 500"


@pytest.mark.anyio
async def test_a_write_whose_answer_cannot_be_decoded_is_ambiguous_not_incomplete(
    make_client: MakeClient,
) -> None:
    def broken_gzip(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, headers={"Content-Encoding": "gzip"}, content=b"not gzip")

    async with make_client(broken_gzip) as client:
        with pytest.raises(AmbiguousWriteError, match="answer could not be read") as caught:
            await client.create_ticket(NEW_TICKET)
    assert caught.value.cause == "an unreadable answer"
    assert "could not be completed" not in str(caught.value)


@pytest.mark.anyio
async def test_an_answer_that_is_not_json_is_an_upstream_error(make_client: MakeClient) -> None:
    async with make_client(answer(200, text="<html>maintenance</html>")) as client:
        with pytest.raises(UpstreamError, match="not valid JSON"):
            await client.get_ticket(7)


@pytest.mark.anyio
async def test_an_answer_of_the_wrong_shape_is_an_upstream_error(make_client: MakeClient) -> None:
    async with make_client(answer(200, json={"TicketTitle": "no id"})) as client:
        with pytest.raises(UpstreamError, match="expected shape"):
            await client.get_ticket(7)


@pytest.mark.anyio
async def test_a_redirect_is_not_followed(make_client: MakeClient) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": "https://login.example.com/"})

    async with make_client(handler) as client:
        with pytest.raises(UpstreamError, match="HTTP 302"):
            await client.get_account()
    assert len(seen) == 1


# -- the credential never leaks ------------------------------------------------------------

LONG_KEY = "eyJhbGciOiJIUzI1NiJ9." + "s3cr3t" * 30


def echo_key(key: str) -> Handler:
    return problem(400, title="Bad Request", detail=f"The API key {key} is not valid here")


def raising(exc: Exception) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


FAILURES: dict[str, tuple[Callable[[str], Handler], type[AteraError]]] = {
    "401": (lambda key: answer(401), AuthError),
    "403": (lambda key: answer(403), AuthError),
    "404": (lambda key: answer(404), NotFoundError),
    "400-echoing-the-key": (echo_key, AteraRefusedError),
    "429": (lambda key: answer(429, headers={"Retry-After": "1"}), RateLimitedError),
    "500": (lambda key: answer(500, text=f"key={key}"), AmbiguousWriteError),
    "503-on-post": (lambda key: answer(503), AmbiguousWriteError),
    "connect": (lambda key: raising(httpx.ConnectError("refused")), UpstreamError),
    "dropped": (lambda key: raising(httpx.RemoteProtocolError("gone")), AmbiguousWriteError),
    "not-json": (lambda key: answer(201, text=f"created with {key}"), AmbiguousWriteError),
}


@pytest.mark.anyio
@pytest.mark.parametrize("key", [KEY, LONG_KEY], ids=["x-api-key", "bearer"])
@pytest.mark.parametrize("case", list(FAILURES))
async def test_the_key_never_appears_in_errors_reprs_or_logs(
    case: str, key: str, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    build, expected = FAILURES[case]
    async with make_client(build(key), api_key=key, max_attempts=1) as client:
        with pytest.raises(AteraError) as caught:
            await client.create_ticket(NEW_TICKET)
        assert type(caught.value) is expected
        shown = [
            str(caught.value),
            repr(caught.value),
            "".join(traceback.format_exception(caught.value)),
            repr(client),
            repr(client.rate_budget),
            caplog.text,
        ]
    for text in shown:
        assert key not in text
