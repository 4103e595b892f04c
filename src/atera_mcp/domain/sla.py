"""SLA clocks and who a ticket is waiting on, from Atera's own TicketDto fields.

The definitions are the tool contract's ("SLA and waiting on"). Two halves: what a ticket's
fields say whatever the time (`running_due`, `wait_basis`: the index stores these), and what
they mean at a given moment and status (`sla_due`, `sla_state`, `waiting_on`, `clock`): so
"breached" is always decided when asked, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from atera_mcp.domain.policy import BaseStatus, response_due
from atera_mcp.domain.wire import TicketDto

SlaState = Literal["breached", "at_risk", "ok"]
WaitingOn = Literal["us", "customer"]
WaitBasis = Literal["us", "technician_last"]

AT_RISK_MINUTES: Final = 60  # what a ticket summary's `at_risk` means
DONE: Final[frozenset[BaseStatus]] = frozenset({"Resolved", "Closed"})


def first_response_due(dto: TicketDto) -> datetime | None:
    """Atera's FirstResponseDueDate, else the priority's target from the creation time."""
    if dto.first_response_due_date is not None or dto.ticket_created_date is None:
        return dto.first_response_due_date
    return response_due(dto.ticket_created_date, dto.ticket_priority)


@dataclass(frozen=True)
class RunningDue:
    """The due time of the clock that runs while the ticket is unresolved: the response's
    until a technician first answers, then the resolution's. `estimated` when it is the
    priority's response target because Atera left FirstResponseDueDate empty."""

    at: datetime | None
    estimated: bool


def running_due(dto: TicketDto) -> RunningDue:
    """Whatever the status: the index stores it; `sla_due` applies the status."""
    if dto.technician_first_comment_date is None:
        due = first_response_due(dto)
        return RunningDue(due, due is not None and dto.first_response_due_date is None)
    return RunningDue(dto.closed_ticket_due_date, False)


def sla_due(dto: TicketDto, base: BaseStatus | None) -> RunningDue:
    """`sla_due` of the contract: none once Resolved or Closed."""
    return RunningDue(None, False) if base in DONE else running_due(dto)


def sla_state(
    due: datetime | None, now: datetime, window_minutes: int = AT_RISK_MINUTES
) -> SlaState | None:
    """breached (due in the past), at_risk (due within the window), ok, or None (no clock)."""
    if due is None:
        return None
    if due < now:
        return "breached"
    return "at_risk" if due < now + timedelta(minutes=window_minutes) else "ok"


def wait_basis(dto: TicketDto) -> WaitBasis | None:
    """Who wrote last, whatever the status: "us" when no technician has answered yet or the
    end user wrote after the last technician comment; "technician_last" when a technician
    did; None when neither is known."""
    user_at, tech_at = dto.last_end_user_comment_timestamp, dto.last_technician_comment_timestamp
    if dto.technician_first_comment_date is None:
        return "us"
    if user_at is not None and (tech_at is None or user_at > tech_at):
        return "us"
    return "technician_last" if tech_at is not None else None


def waiting_on(dto: TicketDto, base: BaseStatus | None) -> WaitingOn | None:
    """us, customer (we wrote last on a Pending ticket), or None (also once done)."""
    if base in DONE:
        return None
    basis = wait_basis(dto)
    if basis == "us":
        return "us"
    return "customer" if basis == "technician_last" and base == "Pending" else None


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


def clock(due: datetime | None, done_at: datetime | None, now: datetime) -> str | None:
    """One SLA clock in words: "met", "missed", "due in 2h 5m", "breached by 3d 1h", or None
    without a due time. `done_at` is when it stopped (the first answer, the resolution)."""
    if due is None:
        return None
    if done_at is not None:
        return "met" if done_at <= due else "missed"
    return f"due in {_span(due - now)}" if due >= now else f"breached by {_span(now - due)}"
