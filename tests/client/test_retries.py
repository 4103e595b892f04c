"""Retries happen where they are safe and only there, within caps on attempts and time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from atera_mcp.client import AteraClient
from atera_mcp.domain.wire import (
    AddCommentToTicketModel,
    CreateTicketModel,
    TechnicianCommentDetails,
    UpdateTicketModel,
)
from atera_mcp.errors import AmbiguousWriteError, RateLimitedError, UpstreamError

MakeClient = Callable[..., AteraClient]
Step = httpx.Response | Exception

TICKET = {"TicketID": 7, "TicketTitle": "Printer on fire"}
NEW_TICKET = CreateTicketModel(ticket_title="Printer on fire", description="Smoke", end_user_id=3)


class Script:
    """A MockTransport handler that plays a list of answers (or raises) and counts requests."""

    def __init__(self, *steps: Step) -> None:
        self._steps: Iterator[Step] = iter(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = next(self._steps)
        if isinstance(step, Exception):
            raise step
        return step


def status(code: int, **headers: str) -> httpx.Response:
    return httpx.Response(code, headers=headers)


def created(ticket_id: int = 42) -> httpx.Response:
    return httpx.Response(201, json={"ActionID": str(ticket_id)})


def dropped() -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError("Server disconnected without sending a response.")


@pytest.mark.anyio
@pytest.mark.parametrize("code", [429, 502, 503, 504])
async def test_a_get_is_retried_after_a_transient_status(
    code: int, make_client: MakeClient
) -> None:
    script = Script(status(code), httpx.Response(200, json=TICKET))
    async with make_client(script) as client:
        ticket = await client.get_ticket(7)
    assert ticket.ticket_id == 7
    assert len(script.requests) == 2


@pytest.mark.anyio
@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("Connection refused"),
        httpx.ConnectTimeout("connect timed out"),
        httpx.ReadTimeout("read timed out"),
        httpx.ReadError("connection reset"),
        dropped(),
    ],
    ids=lambda failure: type(failure).__name__,
)
async def test_a_get_is_retried_after_a_network_failure(
    failure: Exception, make_client: MakeClient
) -> None:
    script = Script(failure, httpx.Response(200, json=TICKET))
    async with make_client(script) as client:
        await client.get_ticket(7)
    assert len(script.requests) == 2


@pytest.mark.anyio
async def test_an_update_is_retried_after_a_503_and_a_timeout(make_client: MakeClient) -> None:
    script = Script(
        status(503), httpx.ReadTimeout("slow"), httpx.Response(200, json={"ActionID": "7"})
    )
    async with make_client(script) as client:
        await client.update_ticket(7, UpdateTicketModel(ticket_status="Pending"))
    assert [r.method for r in script.requests] == ["PUT", "PUT", "PUT"]


@pytest.mark.anyio
async def test_a_delete_is_retried_after_a_504(make_client: MakeClient) -> None:
    script = Script(status(504), status(204))
    async with make_client(script) as client:
        await client.delete_ticket(7)
    assert len(script.requests) == 2


@pytest.mark.anyio
async def test_a_delete_whose_answer_was_lost_counts_a_404_on_replay_as_done(
    make_client: MakeClient,
) -> None:
    script = Script(dropped(), status(404))
    async with make_client(script) as client:
        await client.delete_ticket(7)
    assert len(script.requests) == 2


@pytest.mark.anyio
async def test_a_post_is_retried_when_the_connection_was_refused(make_client: MakeClient) -> None:
    script = Script(httpx.ConnectError("Connection refused"), created(42))
    async with make_client(script) as client:
        assert await client.create_ticket(NEW_TICKET) == 42
    assert len(script.requests) == 2


@pytest.mark.anyio
async def test_a_post_is_retried_after_a_429(make_client: MakeClient) -> None:
    script = Script(status(429, **{"Retry-After": "2"}), created(42))
    async with make_client(script) as client:
        assert await client.create_ticket(NEW_TICKET) == 42
    assert len(script.requests) == 2


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("failure", "cause"),
    [
        (dropped(), "a dropped connection"),
        (httpx.ReadTimeout("read timed out"), "a timeout"),
        (httpx.ReadError("reset"), "a dropped connection"),
        (status(503), "HTTP 503"),
    ],
    ids=["connection-dropped", "read-timeout", "read-error", "503"],
)
async def test_a_post_is_not_replayed_when_it_may_have_been_processed(
    failure: Step, cause: str, make_client: MakeClient, sleeps: list[float]
) -> None:
    script = Script(failure, created(42))
    async with make_client(script) as client:
        with pytest.raises(AmbiguousWriteError) as caught:
            await client.create_ticket(NEW_TICKET)
    assert len(script.requests) == 1
    assert sleeps == []
    assert "may or may not have been applied" in str(caught.value)
    assert "create a ticket" in str(caught.value)
    assert caught.value.cause == cause  # what the settled answer's note and audit will name


@pytest.mark.anyio
async def test_post_is_not_replayed_after_the_connection_drops(make_client: MakeClient) -> None:
    comment = AddCommentToTicketModel(
        comment_text="On my way",
        technician_comment_details=TechnicianCommentDetails(technician_id=5, is_internal=False),
    )
    script = Script(dropped(), httpx.Response(201))
    async with make_client(script) as client:
        with pytest.raises(AmbiguousWriteError, match="add a comment to ticket 7"):
            await client.add_comment(7, comment)
    assert len(script.requests) == 1


@pytest.mark.anyio
async def test_a_read_sent_as_post_is_retried_like_a_get(make_client: MakeClient) -> None:
    durations = [{"ticketId": 7, "TotalDurationHours": 1.5}]
    script = Script(status(503), httpx.ReadTimeout("slow"), httpx.Response(200, json=durations))
    async with make_client(script) as client:
        result = await client.billable_durations([7])
    assert result[0].total_duration_hours == 1.5
    assert len(script.requests) == 3


@pytest.mark.anyio
async def test_retry_after_seconds_are_honoured(
    make_client: MakeClient, sleeps: list[float]
) -> None:
    script = Script(status(429, **{"Retry-After": "7"}), httpx.Response(200, json=TICKET))
    async with make_client(script) as client:
        await client.get_ticket(7)
    assert sleeps == [7.0]


@pytest.mark.anyio
async def test_retry_after_as_an_http_date_is_honoured(
    make_client: MakeClient, sleeps: list[float]
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    script = Script(status(503, **{"Retry-After": when}), httpx.Response(200, json=TICKET))
    async with make_client(script) as client:
        await client.get_ticket(7)
    [slept] = sleeps
    assert 18.0 <= slept <= 20.0


@pytest.mark.anyio
async def test_without_retry_after_the_backoff_stays_under_its_exponential_ceiling(
    make_client: MakeClient, sleeps: list[float]
) -> None:
    script = Script(status(503), status(503), status(503), httpx.Response(200, json=TICKET))
    async with make_client(script) as client:
        await client.get_ticket(7)
    assert len(sleeps) == 3
    assert all(0.0 <= s <= ceiling for s, ceiling in zip(sleeps, [0.5, 1.0, 2.0], strict=True))


@pytest.mark.anyio
async def test_attempts_are_capped(make_client: MakeClient) -> None:
    script = Script(*(status(503) for _ in range(10)))
    async with make_client(script, max_attempts=3) as client:
        with pytest.raises(UpstreamError, match="3 attempts") as caught:
            await client.get_ticket(7)
    assert len(script.requests) == 3
    assert caught.value.status == 503


@pytest.mark.anyio
async def test_total_retry_time_is_capped(make_client: MakeClient, sleeps: list[float]) -> None:
    script = Script(*(status(429, **{"Retry-After": "25"}) for _ in range(10)))
    async with make_client(script, max_attempts=10, max_retry_seconds=60) as client:
        with pytest.raises(RateLimitedError):
            await client.get_ticket(7)
    # 25 + 25 fits in 60 s; a third wait would end at 75 s, so the client stops instead.
    assert sleeps == [25.0, 25.0]
    assert len(script.requests) == 3


@pytest.mark.anyio
async def test_a_retry_after_longer_than_the_budget_stops_at_once(
    make_client: MakeClient, sleeps: list[float]
) -> None:
    script = Script(status(429, **{"Retry-After": "120"}))
    async with make_client(script) as client:
        with pytest.raises(RateLimitedError) as caught:
            await client.get_ticket(7)
    assert sleeps == []
    assert caught.value.retry_after == 120


@pytest.mark.anyio
async def test_exhausted_429s_say_how_long_to_wait(make_client: MakeClient) -> None:
    script = Script(*(status(429, **{"Retry-After": "30"}) for _ in range(4)))
    async with make_client(script, max_retry_seconds=100) as client:
        with pytest.raises(RateLimitedError) as caught:
            await client.list_tickets_page()
    assert str(caught.value) == ("Atera is rate limiting requests; wait 30 seconds and try again.")
    assert caught.value.retry_after == 30
    assert len(script.requests) == 4


@pytest.mark.anyio
async def test_a_get_is_retried_after_a_500(make_client: MakeClient) -> None:
    script = Script(status(500), status(500), httpx.Response(200, json=TICKET))
    async with make_client(script) as client:
        assert (await client.get_ticket(7)).ticket_id == 7
    assert len(script.requests) == 3


@pytest.mark.anyio
async def test_replayable_writes_and_reads_sent_as_post_are_retried_after_a_500(
    make_client: MakeClient,
) -> None:
    durations = [{"ticketId": 7, "TotalDurationHours": 1.5}]
    script = Script(
        status(500),
        httpx.Response(200, json={"ActionID": "7"}),
        status(500),
        httpx.Response(200, json=durations),
    )
    async with make_client(script) as client:
        await client.update_ticket(7, UpdateTicketModel(ticket_status="Pending"))
        await client.billable_durations([7])
    assert [r.method for r in script.requests] == ["PUT", "PUT", "POST", "POST"]


@pytest.mark.anyio
async def test_a_post_write_is_not_replayed_after_a_500(
    make_client: MakeClient, sleeps: list[float]
) -> None:
    script = Script(status(500), created(42))
    async with make_client(script) as client:
        with pytest.raises(AmbiguousWriteError, match="may or may not have been applied"):
            await client.create_ticket(NEW_TICKET)
    assert len(script.requests) == 1
    assert sleeps == []


@pytest.mark.anyio
async def test_a_get_that_keeps_failing_with_500_stops_at_the_attempt_cap(
    make_client: MakeClient,
) -> None:
    script = Script(*(status(500) for _ in range(10)))
    async with make_client(script, max_attempts=3) as client:
        with pytest.raises(UpstreamError, match=r"HTTP 500 .*after 3 attempts"):
            await client.get_ticket(7)
    assert len(script.requests) == 3


@pytest.mark.anyio
async def test_a_delete_retried_after_a_500_counts_a_404_on_replay_as_done(
    make_client: MakeClient,
) -> None:
    script = Script(status(500), status(404))
    async with make_client(script) as client:
        await client.delete_ticket(7)
    assert len(script.requests) == 2


@pytest.mark.anyio
async def test_a_get_that_keeps_timing_out_says_so(make_client: MakeClient) -> None:
    script = Script(*(httpx.ReadTimeout("slow") for _ in range(4)))
    async with make_client(script) as client:
        with pytest.raises(UpstreamError, match="no answer came back in time") as caught:
            await client.get_ticket(7)
    assert not isinstance(caught.value, AmbiguousWriteError)
    assert len(script.requests) == 4


@pytest.mark.anyio
async def test_an_unreachable_atera_is_an_upstream_error(make_client: MakeClient) -> None:
    script = Script(*(httpx.ConnectError("refused") for _ in range(4)))
    async with make_client(script) as client:
        with pytest.raises(UpstreamError, match="Could not connect to Atera"):
            await client.create_ticket(NEW_TICKET)
    assert len(script.requests) == 4
