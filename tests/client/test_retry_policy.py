"""The pure retry rule: who may retry, how long to wait, when to stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from atera_mcp.client.retry import (
    Failure,
    RetryPolicy,
    backoff,
    decide,
    failure_for_status,
    is_replayable,
    parse_retry_after,
)

POLICY = RetryPolicy(max_attempts=4, max_seconds=60.0)


@pytest.mark.parametrize("failure", list(Failure))
def test_replayable_requests_retry_every_transient_failure(failure: Failure) -> None:
    wait = decide(POLICY, replayable=True, attempt=1, failure=failure, elapsed=0.0)
    assert wait is not None


@pytest.mark.parametrize("failure", [Failure.LOST, Failure.UNAVAILABLE, Failure.SERVER_ERROR])
def test_a_write_is_not_replayed_when_it_may_have_been_processed(failure: Failure) -> None:
    assert decide(POLICY, replayable=False, attempt=1, failure=failure, elapsed=0.0) is None


@pytest.mark.parametrize("failure", [Failure.NOT_SENT, Failure.THROTTLED])
def test_a_write_is_retried_when_it_provably_was_not_processed(failure: Failure) -> None:
    assert decide(POLICY, replayable=False, attempt=1, failure=failure, elapsed=0.0) is not None


def test_retry_after_replaces_the_backoff() -> None:
    wait = decide(
        POLICY, replayable=True, attempt=1, failure=Failure.THROTTLED, elapsed=0.0, retry_after=7
    )
    assert wait == 7


def test_backoff_doubles_from_half_a_second_up_to_eight_seconds() -> None:
    ceilings = [backoff(POLICY, attempt, jitter=1.0) for attempt in range(1, 8)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_backoff_uses_full_jitter() -> None:
    assert backoff(POLICY, 3, jitter=0.0) == 0.0
    assert backoff(POLICY, 3, jitter=0.25) == 0.5


def test_no_retry_once_the_attempts_are_used_up() -> None:
    assert decide(POLICY, replayable=True, attempt=3, failure=Failure.LOST, elapsed=0) is not None
    assert decide(POLICY, replayable=True, attempt=4, failure=Failure.LOST, elapsed=0) is None


def test_no_retry_when_the_wait_would_end_past_the_time_budget() -> None:
    def wait_at(elapsed: float) -> float | None:
        return decide(
            POLICY,
            replayable=True,
            attempt=1,
            failure=Failure.THROTTLED,
            elapsed=elapsed,
            retry_after=10,
        )

    assert wait_at(50.0) == 10
    assert wait_at(50.5) is None


def test_retry_after_is_read_as_seconds() -> None:
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after(" 1.5 ") == 1.5


def test_retry_after_is_read_as_an_http_date() -> None:
    now = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=45), usegmt=True)
    assert parse_retry_after(header, now=now) == 45.0


def test_retry_after_is_believed_for_five_minutes_at_most() -> None:
    now = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("86400") == 300.0
    assert parse_retry_after(format_datetime(now + timedelta(days=1), usegmt=True), now=now) == 300
    assert parse_retry_after("300") == 300.0


def test_retry_after_in_the_past_means_now_and_garbage_means_absent() -> None:
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("inf") is None
    assert parse_retry_after(None) is None


def test_only_429_500_and_gateway_failures_are_transient_statuses() -> None:
    assert failure_for_status(429) is Failure.THROTTLED
    assert failure_for_status(500) is Failure.SERVER_ERROR
    assert [failure_for_status(s) for s in (502, 503, 504)] == [Failure.UNAVAILABLE] * 3
    assert [failure_for_status(s) for s in (200, 400, 401, 404, 501)] == [None] * 5


def test_a_500_is_retried_like_a_gateway_failure_for_replayable_requests_only() -> None:
    def after_500(replayable: bool) -> float | None:
        return decide(
            POLICY, replayable=replayable, attempt=1, failure=Failure.SERVER_ERROR, elapsed=0.0
        )

    assert after_500(replayable=True) is not None
    assert after_500(replayable=False) is None


def test_get_put_delete_are_replayable_and_post_is_not() -> None:
    assert [is_replayable(m) for m in ("GET", "put", "DELETE")] == [True, True, True]
    assert is_replayable("POST") is False


def test_a_policy_needs_at_least_one_attempt() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
