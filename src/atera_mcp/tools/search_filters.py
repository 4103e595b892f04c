"""The pure half of search_tickets: validated filters, matching, scoring, ordering, cursors.

No I/O here: `search.py` decides what to read from Atera; this module decides, for the tickets
that were read, which match and in what order, so both can be tested apart.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, TypeVar

from atera_mcp.domain.directory import TechnicianDirectory
from atera_mcp.domain.policy import PRIORITY_RANK, StatusRules, canonical_priority, canonical_type
from atera_mcp.domain.sla import WaitingOn, sla_due, sla_state, waiting_on
from atera_mcp.domain.views import is_overdue
from atera_mcp.domain.wire import TicketDto
from atera_mcp.errors import RuleError

Sort = Literal["newest", "oldest", "priority", "recently_modified", "relevance", "sla_due"]
SlaFilter = Literal["breached", "at_risk"]
SLA_FILTERS: tuple[SlaFilter, ...] = ("breached", "at_risk")
WAITING: tuple[WaitingOn, ...] = ("us", "customer")
T = TypeVar("T", bound=str)

# Where a query term was found, for relevance: title above description above comments.
TITLE_WEIGHT, DESCRIPTION_WEIGHT, COMMENT_WEIGHT = 3, 2, 1
_TERM = re.compile(r"\w+")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def terms_of(query: str | None) -> tuple[str, ...]:
    """Case-folded word tokens of a free-text query, each once, in order."""
    return tuple(dict.fromkeys(_TERM.findall((query or "").casefold())))


def utc(value: datetime | None) -> datetime | None:
    """A naive datetime is UTC (as Atera's own timestamps are)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class TicketFilter:
    """Every field filter of a search, validated and normalised (text handled apart)."""

    statuses: frozenset[str] = frozenset()  # case-folded canonical names
    priorities: frozenset[str] = frozenset()
    type: str | None = None
    customer_ids: frozenset[int] | None = None
    technician_id: int | None = None
    technician_email: str | None = None  # case-folded
    end_user_email: str | None = None  # case-folded
    created_after: datetime | None = None
    created_before: datetime | None = None
    overdue: bool | None = None
    sla: frozenset[str] = frozenset()
    sla_window_minutes: int = 60
    waiting_on: WaitingOn | None = None

    def identity(self) -> dict[str, object]:
        """The filter as plain, order-independent values (sets sorted), for cursor checks."""
        return {
            name: sorted(value) if isinstance(value, frozenset) else value
            for name, value in vars(self).items()
        }

    def matches(
        self,
        dto: TicketDto,
        rules: StatusRules,
        now: datetime,
        directory: TechnicianDirectory,
    ) -> bool:
        if self.statuses and (dto.ticket_status or "Open").casefold() not in self.statuses:
            return False
        if self.priorities and (dto.ticket_priority or "") not in self.priorities:
            return False
        if self.type is not None and dto.ticket_type != self.type:
            return False
        if self.customer_ids is not None and dto.customer_id not in self.customer_ids:
            return False
        if self.technician_id is not None and dto.technician_contact_id != self.technician_id:
            return False
        if self.technician_email is not None and not _same_technician(
            dto, self.technician_email, directory
        ):
            return False
        if self.end_user_email is not None and (
            (dto.end_user_email or "").casefold() != self.end_user_email
        ):
            return False
        created = dto.ticket_created_date
        if self.created_after is not None and (created is None or created < self.created_after):
            return False
        if self.created_before is not None and (created is None or created >= self.created_before):
            return False
        if self.overdue is not None and is_overdue(dto, rules, now) != self.overdue:
            return False
        base = rules.base_of(dto.ticket_status or "Open")
        if self.sla:
            state = sla_state(sla_due(dto, base).at, now, self.sla_window_minutes)
            if state not in self.sla:
                return False
        return self.waiting_on is None or waiting_on(dto, base) == self.waiting_on


def _same_technician(dto: TicketDto, email: str, directory: TechnicianDirectory) -> bool:
    if (dto.technician_email or "").casefold() == email:
        return True
    known = directory.by_email(email)
    return known is not None and dto.technician_contact_id == known.id


def build_filter(
    rules: StatusRules,
    *,
    status: Sequence[str] | None,
    priority: Sequence[str] | None,
    type: str | None,
    technician_id: int | None,
    technician_email: str | None,
    end_user_email: str | None,
    created_after: datetime | None,
    created_before: datetime | None,
    overdue: bool | None,
    sla: Sequence[str] | None = None,
    sla_window_minutes: int = 60,
    waiting_on: str | None = None,
) -> TicketFilter:
    """Validate the caller's values; RuleErrors list what is valid."""
    after, before = utc(created_after), utc(created_before)
    if after is not None and before is not None and after >= before:
        raise RuleError("created_after must be earlier than created_before; swap them or drop one.")
    return TicketFilter(
        statuses=frozenset(rules.canonical(s).casefold() for s in status or ()),
        priorities=frozenset(canonical_priority(p) for p in priority or ()),
        type=canonical_type(type) if type else None,
        technician_id=technician_id,
        technician_email=_folded(technician_email),
        end_user_email=_folded(end_user_email),
        created_after=after,
        created_before=before,
        overdue=overdue,
        sla=frozenset(_one_of("sla", v, SLA_FILTERS) for v in sla or ()),
        sla_window_minutes=sla_window_minutes,
        waiting_on=_one_of("waiting_on", waiting_on, WAITING) if waiting_on else None,
    )


def _one_of(name: str, value: str, valid: tuple[T, ...]) -> T:
    folded = value.strip().casefold()
    found = next((v for v in valid if v == folded), None)
    if found is None:
        raise RuleError(f"{name} '{value}' is not valid. Use one of: {', '.join(valid)}.")
    return found


def _folded(value: str | None) -> str | None:
    text = (value or "").strip().casefold()
    return text or None


# -- text -----------------------------------------------------------------------------------


def text_score(terms: Sequence[str], title: str, description: str, comments: str = "") -> int:
    """0 unless every term occurs somewhere; else the sum of each term's best place weight."""
    fields = (
        (title.casefold(), TITLE_WEIGHT),
        (description.casefold(), DESCRIPTION_WEIGHT),
        (comments.casefold(), COMMENT_WEIGHT),
    )
    score = 0
    for term in terms:
        weight = next((w for text, w in fields if term in text), 0)
        if weight == 0:
            return 0
        score += weight
    return score


# -- order ----------------------------------------------------------------------------------


def _created(dto: TicketDto) -> float:
    return (dto.ticket_created_date or _EPOCH).timestamp()


def sort_key(
    sort: Sort,
    scores: Mapping[int, int],
    modified_rank: Mapping[int, int],
    rules: StatusRules | None = None,
) -> Callable[[TicketDto], tuple[float, ...]]:
    """A key for `sorted()`; every order ends on the ticket id so it is total and stable.
    `rules` tell sla_due which tickets are done (no running clock: last)."""

    def key(t: TicketDto) -> tuple[float, ...]:
        newest = (-_created(t), -t.ticket_id)
        if sort == "sla_due":
            base = (rules or StatusRules()).base_of(t.ticket_status or "Open")
            due = sla_due(t, base).at
            return (due.timestamp() if due is not None else math.inf, t.ticket_id)
        if sort == "oldest":
            return (_created(t), t.ticket_id)
        if sort == "priority":
            return (PRIORITY_RANK.get(t.ticket_priority or "", len(PRIORITY_RANK)), *newest)
        if sort == "recently_modified":
            return (modified_rank.get(t.ticket_id, len(modified_rank)), *newest)
        if sort == "relevance":
            return (-scores.get(t.ticket_id, 0), *newest)
        return newest

    return key


# -- cursor ---------------------------------------------------------------------------------


def fingerprint(params: Mapping[str, object]) -> str:
    """A short hash of the search's filters and order (not its limit)."""
    text = json.dumps(params, sort_keys=True, default=_jsonable, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _jsonable(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Iterable):
        return sorted(str(v) for v in value)
    return str(value)


Position = int | list[float]  # an offset (bounded scan) or the last hit's sort key (index)


def encode_cursor(position: Position, filters: str) -> str:
    raw = json.dumps({"o": position, "f": filters}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _valid_position(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0
    return (
        isinstance(value, list)
        and 0 < len(value) <= 4
        and all(
            isinstance(v, int | float) and not isinstance(v, bool) and _finite(v) for v in value
        )
    )


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int of hundreds of digits: no key of ours
        return False


def decode_cursor(cursor: str, filters: str) -> Position:
    """Where a cursor points; a RuleError if it is malformed or from another search."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        position, owner = data["o"], data["f"]
    except (binascii.Error, ValueError, TypeError, KeyError, RecursionError):
        raise RuleError(
            "The cursor is not valid. Pass next_cursor exactly as returned, or omit it to "
            "start from the first page."
        ) from None
    if not _valid_position(position):
        raise RuleError("The cursor is not valid. Omit it to start from the first page.")
    if owner != filters:
        raise RuleError(
            "The cursor belongs to a search with different filters or sort. Repeat that "
            "search's parameters with it, or omit the cursor to start over."
        )
    return [float(v) for v in position] if isinstance(position, list) else int(position)
