"""SLA clocks and "waiting on" as the tool contract defines them, edge by edge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from atera_mcp.domain.policy import BaseStatus
from atera_mcp.domain.sla import (
    RunningDue,
    clock,
    running_due,
    sla_due,
    sla_state,
    wait_basis,
    waiting_on,
)
from atera_mcp.domain.wire import TicketDto

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
CREATED = NOW - timedelta(hours=3)
H = timedelta(hours=1)


def ticket(**fields: Any) -> TicketDto:
    base: dict[str, Any] = {
        "ticket_id": 1,
        "ticket_priority": "High",
        "ticket_created_date": CREATED,
        "first_response_due_date": CREATED + 2 * H,
        "closed_ticket_due_date": CREATED + 8 * H,
    }
    return TicketDto.model_validate(base | fields)


def test_an_unanswered_ticket_is_due_at_atera_s_first_response_date() -> None:
    due = running_due(ticket())
    assert due.at == CREATED + 2 * H
    assert not due.estimated


def test_without_atera_s_date_the_response_is_due_at_the_priority_target_and_says_so() -> None:
    due = running_due(ticket(first_response_due_date=None))
    assert due.at == CREATED + 4 * H  # High: 4 hours
    assert due.estimated


def test_an_unknown_priority_falls_back_to_medium_s_target() -> None:
    due = running_due(ticket(first_response_due_date=None, ticket_priority=None))
    assert due.at == CREATED + 8 * H


def test_without_a_creation_time_or_a_due_date_there_is_no_clock() -> None:
    due = running_due(ticket(first_response_due_date=None, ticket_created_date=None))
    assert due.at is None
    assert not due.estimated


def test_once_answered_the_resolution_clock_runs_and_none_without_its_date() -> None:
    answered = ticket(technician_first_comment_date=CREATED + H)
    assert running_due(answered).at == CREATED + 8 * H
    assert not running_due(answered).estimated
    no_date = ticket(technician_first_comment_date=CREATED + H, closed_ticket_due_date=None)
    assert running_due(no_date).at is None


def test_an_answered_ticket_never_falls_back_to_the_priority_target() -> None:
    answered = ticket(
        technician_first_comment_date=CREATED + H,
        first_response_due_date=None,
        closed_ticket_due_date=None,
    )
    assert running_due(answered) == RunningDue(None, False)


@pytest.mark.parametrize("base", ["Resolved", "Closed"])
def test_resolved_and_closed_tickets_have_no_running_sla(base: BaseStatus) -> None:
    assert sla_due(ticket(), base).at is None
    assert sla_due(ticket(), "Pending").at == CREATED + 2 * H


@pytest.mark.parametrize(
    ("due", "state"),
    [
        (NOW - timedelta(seconds=1), "breached"),
        (NOW, "at_risk"),
        (NOW + timedelta(minutes=59), "at_risk"),
        (NOW + timedelta(minutes=60), "ok"),
        (None, None),
    ],
)
def test_breached_is_due_in_the_past_and_at_risk_due_within_the_window(
    due: datetime | None, state: str | None
) -> None:
    assert sla_state(due, NOW) == state


def test_the_at_risk_window_is_the_caller_s() -> None:
    assert sla_state(NOW + 2 * H, NOW, window_minutes=180) == "at_risk"
    assert sla_state(NOW + 2 * H, NOW, window_minutes=120) == "ok"


def test_a_ticket_nobody_has_answered_waits_on_us_even_with_an_internal_note() -> None:
    noted = ticket(last_technician_comment_timestamp=NOW, last_end_user_comment_timestamp=CREATED)
    assert waiting_on(noted, "Open") == "us"


def test_the_customer_writing_last_makes_it_wait_on_us_whatever_the_open_status() -> None:
    replied = ticket(
        technician_first_comment_date=CREATED + H,
        last_technician_comment_timestamp=CREATED + H,
        last_end_user_comment_timestamp=CREATED + 2 * H,
    )
    assert waiting_on(replied, "Open") == "us"
    assert waiting_on(replied, "Pending") == "us"


def test_we_wrote_last_on_a_pending_ticket_so_it_waits_on_the_customer() -> None:
    ours = ticket(
        technician_first_comment_date=CREATED + H,
        last_technician_comment_timestamp=CREATED + 2 * H,
        last_end_user_comment_timestamp=CREATED,
    )
    assert waiting_on(ours, "Pending") == "customer"
    assert waiting_on(ours, "Open") is None  # nobody is formally waiting


def test_same_instant_replies_count_as_ours_last() -> None:
    tie = ticket(
        technician_first_comment_date=CREATED + H,
        last_technician_comment_timestamp=CREATED + H,
        last_end_user_comment_timestamp=CREATED + H,
    )
    assert wait_basis(tie) == "technician_last"


def test_answered_without_any_comment_timestamps_waits_on_nobody() -> None:
    assert wait_basis(ticket(technician_first_comment_date=CREATED + H)) is None


@pytest.mark.parametrize("base", ["Resolved", "Closed"])
def test_done_tickets_wait_on_nobody(base: BaseStatus) -> None:
    assert waiting_on(ticket(), base) is None


@pytest.mark.parametrize(
    ("due", "stopped", "words"),
    [
        (NOW, NOW, "met"),
        (NOW, NOW + timedelta(seconds=1), "missed"),
        (NOW + timedelta(hours=2, minutes=5), None, "due in 2h 5m"),
        (NOW + timedelta(minutes=7), None, "due in 7m"),
        (NOW - timedelta(days=3, hours=1), None, "breached by 3d 1h"),
        (None, None, None),
    ],
)
def test_a_clock_in_words(due: datetime | None, stopped: datetime | None, words: str) -> None:
    assert clock(due, stopped, NOW) == words
