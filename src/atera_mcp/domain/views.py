"""What the tools return to the model: compact, cleaned views of Atera's objects.

Every tool result is a `ToolResult`: its JSON is the structured content, and `summary()` is the
short text block sent beside it instead of a second copy of the JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from atera_mcp.domain.policy import BaseStatus, StatusRules
from atera_mcp.domain.sla import (
    SlaState,
    WaitingOn,
    clock,
    first_response_due,
    sla_due,
    sla_state,
    waiting_on,
)
from atera_mcp.domain.text import clean_text
from atera_mcp.domain.wire import TicketDto, UtcDateTime, format_utc

# What the model reads: UTC to the second. Atera's fractions of a second are noise here.
Timestamp = Annotated[
    UtcDateTime,
    PlainSerializer(
        lambda v: format_utc(v.replace(microsecond=0)), return_type=str, when_used="json"
    ),
]

# A search hit's time, to the minute (`2026-11-26T14:44Z`, ISO 8601): the seconds are two more
# tokens in every hit and pick no ticket; get_ticket has them.
HitTime = Annotated[
    UtcDateTime,
    PlainSerializer(
        lambda v: format_utc(v)[:16] + "Z",
        return_type=str,
        when_used="json",
    ),
]

TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 4000
COMMENT_LIMIT = 2000


class View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ToolResult(View):
    """Base of every tool's return model."""

    def summary(self) -> str:
        raise NotImplementedError

    def audit(self) -> dict[str, object]:
        """Ids and the outcome of a write, for the audit log: never free text, never secrets."""
        return {}


class Ref(View):
    id: int | None = Field(description="Atera id")
    name: str


class PersonRef(View):
    id: int | None = Field(description="Atera contact id (EndUserID or TechnicianContactID)")
    name: str
    email: str | None = None


class CommentRef(View):
    text: str
    at: Timestamp | None = None


class _TicketFacts(View):
    """What every listing of a ticket shows; the people are added by each kind of listing."""

    ticket_id: int
    title: str
    status: str
    priority: str | None = None
    type: str | None = None
    impact: str | None = None
    customer: Ref
    overdue: bool = Field(
        False,
        description="Not resolved, and its first response or its close date is past due",
    )
    sla_due: Timestamp | None = Field(None, description="When the running SLA clock is due")
    sla_state: SlaState | None = Field(None, description="at_risk: due within 60 minutes")
    sla_estimated: bool = Field(
        False, description="sla_due is the priority's target: Atera set no due date"
    )
    waiting_on: WaitingOn | None = None

    def technician_name(self) -> str | None:
        raise NotImplementedError

    def line(self) -> str:
        """One line for text summaries: `#4711 [Open/High] Outlook down (Acme) - Jane Tech`."""
        technician = self.technician_name()
        who = f" - {technician}" if technician else " - unassigned"
        late = " OVERDUE" if self.overdue else ""
        return (
            f"#{self.ticket_id} [{self.status}/{self.priority}]{late} {self.title} "
            f"({self.customer.name}){who}"
        )


class TicketSummary(_TicketFacts):
    created_at: Timestamp | None = None
    resolved_at: Timestamp | None = None
    number: str | None = None
    end_user: PersonRef | None = None
    technician: PersonRef | None = None
    response_due: Timestamp | None = Field(
        None, description="First response due under the priority's SLA"
    )

    def technician_name(self) -> str | None:
        return self.technician.name if self.technician else None


class TicketHit(_TicketFacts):
    """A search hit: what a model needs to pick a ticket, at a fifth of Atera's TicketDto.

    Emails, the other due dates, when it was resolved and descriptions stay with get_ticket."""

    created_at: HitTime | None = None
    end_user: str | None = None
    technician: str | None = None
    overdue: bool = Field(False, description="Present (true) only when past its SLA")
    sla_state: SlaState | None = Field(
        None, description="Present only when breached or at_risk (due within 60 min)"
    )

    def technician_name(self) -> str | None:
        return self.technician

    @model_serializer(mode="wrap")
    def _compact(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Every hit pays its keys in tokens: absent values, no impact, "not overdue" and an
        # SLA that is fine are left out rather than spelled as null, NoImpact, false and ok.
        data: dict[str, Any] = handler(self)
        return {
            k: v
            for k, v in data.items()
            if v is not None
            and v is not False
            and v != "NoImpact"
            and not (k == "sla_state" and v == "ok")
        }


class TicketDetail(TicketSummary):
    description: str = Field("", description="The original request (Atera FirstComment)")
    source: str | None = None
    close_due: Timestamp | None = None
    response_sla: str | None = Field(None, description="met, missed, due in .., breached by ..")
    resolution_sla: str | None = None
    first_response_at: Timestamp | None = None
    last_end_user_comment: CommentRef | None = None
    last_technician_comment: CommentRef | None = None
    related_ticket_id: int | None = None
    relation: str | None = None


def _full_name(first: str | None, last: str | None) -> str:
    return clean_text(" ".join(p for p in (first, last) if p), 120)


def is_overdue(dto: TicketDto, rules: StatusRules, now: datetime) -> bool:
    """Open or pending, and the first response (not yet given) or the close date is past due."""
    base = rules.base_of(dto.ticket_status or "Open")
    if base in ("Resolved", "Closed"):
        return False
    due = first_response_due(dto)
    missed_response = due is not None and dto.technician_first_comment_date is None and due < now
    missed_close = dto.closed_ticket_due_date is not None and dto.closed_ticket_due_date < now
    return missed_response or missed_close


def _sla_fields(dto: TicketDto, base: BaseStatus | None, now: datetime) -> dict[str, object]:
    due = sla_due(dto, base)
    return {
        "sla_due": due.at,
        "sla_state": sla_state(due.at, now),
        "sla_estimated": due.estimated,
        "waiting_on": waiting_on(dto, base),
    }


def _summary_fields(dto: TicketDto, rules: StatusRules, now: datetime) -> dict[str, object]:
    end_user = (
        PersonRef(
            id=dto.end_user_id,
            name=_full_name(dto.end_user_first_name, dto.end_user_last_name),
            email=dto.end_user_email,
        )
        if dto.end_user_id or dto.end_user_email
        else None
    )
    technician = (
        PersonRef(
            id=dto.technician_contact_id,
            name=clean_text(dto.technician_full_name, 120),
            email=dto.technician_email,
        )
        if dto.technician_contact_id or dto.technician_email
        else None
    )
    return {
        "ticket_id": dto.ticket_id,
        "number": dto.ticket_number,
        "title": clean_text(dto.ticket_title, TITLE_LIMIT),
        "status": dto.ticket_status or "Open",
        "priority": dto.ticket_priority,
        "type": dto.ticket_type,
        "impact": dto.ticket_impact,
        "customer": Ref(id=dto.customer_id, name=clean_text(dto.customer_name, 200)),
        "end_user": end_user,
        "technician": technician,
        "created_at": dto.ticket_created_date,
        "resolved_at": dto.ticket_resolved_date,
        "response_due": first_response_due(dto),
        "overdue": is_overdue(dto, rules, now),
        **_sla_fields(dto, rules.base_of(dto.ticket_status or "Open"), now),
    }


def ticket_summary(dto: TicketDto, rules: StatusRules, now: datetime) -> TicketSummary:
    return TicketSummary.model_validate(_summary_fields(dto, rules, now))


def _comment(text: str | None, at: datetime | None) -> CommentRef | None:
    return CommentRef(text=clean_text(text, COMMENT_LIMIT), at=at) if text else None


def _clocks(dto: TicketDto, base: BaseStatus | None, now: datetime) -> dict[str, str | None]:
    """Both clocks in words. A clock still running on a done ticket stopped at its
    resolution (or, without a resolution date, is not shown)."""
    done = base in ("Resolved", "Closed")
    resolved = dto.ticket_resolved_date

    def words(due: datetime | None, stopped: datetime | None) -> str | None:
        stopped = stopped or (resolved if done else None)
        return None if done and stopped is None else clock(due, stopped, now)

    return {
        "response_sla": words(first_response_due(dto), dto.technician_first_comment_date),
        "resolution_sla": words(dto.closed_ticket_due_date, resolved),
    }


def ticket_detail(dto: TicketDto, rules: StatusRules, now: datetime) -> TicketDetail:
    return TicketDetail.model_validate(
        {
            **_summary_fields(dto, rules, now),
            "description": clean_text(dto.first_comment, DESCRIPTION_LIMIT),
            "source": dto.ticket_source,
            "close_due": dto.closed_ticket_due_date,
            **_clocks(dto, rules.base_of(dto.ticket_status or "Open"), now),
            "first_response_at": dto.technician_first_comment_date,
            "last_end_user_comment": _comment(
                dto.last_end_user_comment, dto.last_end_user_comment_timestamp
            ),
            "last_technician_comment": _comment(
                dto.last_technician_comment, dto.last_technician_comment_timestamp
            ),
            "related_ticket_id": dto.related_ticket_id,
            "relation": dto.relation_type if dto.relation_type not in (None, "None") else None,
        }
    )
