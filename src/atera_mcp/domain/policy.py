"""The service desk's rules from the ticket skill document: statuses, transitions, priorities, SLAs.

Atera itself accepts any status string and any transition; these rules are what this server
enforces before it writes anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Literal

from atera_mcp.domain.wire import IMPACTS, PRIORITIES, TICKET_TYPES, Impact, Priority, TicketType
from atera_mcp.errors import RuleError

BaseStatus = Literal["Open", "Pending", "Resolved", "Closed"]
BASE_STATUSES: Final[tuple[BaseStatus, ...]] = ("Open", "Pending", "Resolved", "Closed")

# from -> the base statuses it may move to (the skill document's table; "same" is handled apart)
_ALLOWED: Final[Mapping[BaseStatus, tuple[BaseStatus, ...]]] = {
    "Open": ("Pending", "Resolved"),
    "Pending": ("Open", "Resolved", "Closed"),
    "Resolved": ("Open", "Closed"),
    "Closed": (),
}

# Response targets by priority (hours), and the resolution targets used for close-due dates.
RESPONSE_HOURS: Final[Mapping[Priority, int]] = {"Critical": 1, "High": 4, "Medium": 8, "Low": 24}
PRIORITY_MEANING: Final[Mapping[Priority, str]] = {
    "Critical": "complete business outage",
    "High": "major productivity impact",
    "Medium": "single user, or a workaround exists",
    "Low": "minor issue or enhancement",
}
PRIORITY_RANK: Final[Mapping[str, int]] = {"Critical": 0, "High": 1, "Medium": 2, "Low": 3}


def _match(value: str, valid: Iterable[str]) -> str | None:
    folded = value.strip().casefold()
    return next((v for v in valid if v.casefold() == folded), None)


def _one_of(valid: Iterable[str]) -> str:
    return ", ".join(valid)


def canonical_priority(value: str) -> Priority:
    """`"high"` -> `"High"`; anything else is a RuleError listing the valid values."""
    for p in PRIORITIES:
        if p.casefold() == value.strip().casefold():
            return p
    raise RuleError(f"Priority '{value}' is not valid. Use one of: {_one_of(PRIORITIES)}.")


def canonical_type(value: str) -> TicketType:
    for t in TICKET_TYPES:
        if t.casefold() == value.strip().casefold():
            return t
    raise RuleError(f"Ticket type '{value}' is not valid. Use one of: {_one_of(TICKET_TYPES)}.")


def canonical_impact(value: str) -> Impact:
    for i in IMPACTS:
        if i.casefold() == value.strip().casefold():
            return i
    raise RuleError(f"Impact '{value}' is not valid. Use one of: {_one_of(IMPACTS)}.")


def fold_case(valid: Iterable[str]) -> object:
    """A pydantic BeforeValidator that maps any casing of a valid value onto its spelling.

    Unknown values pass through unchanged so the Literal check reports them with the list.
    """
    options = tuple(valid)

    def fold(value: object) -> object:
        if isinstance(value, str):
            return _match(value, options) or value
        return value

    return fold


def response_due(created: datetime, priority: str | None) -> datetime:
    """When the first response is due under the priority's SLA (Medium when unknown)."""
    hours = next((h for p, h in RESPONSE_HOURS.items() if p == priority), 8)
    return created + timedelta(hours=hours)


@dataclass(frozen=True)
class Transition:
    """The outcome of a status check: `changes` is False for a same-status no-op."""

    current: str
    target: str
    changes: bool


@dataclass(frozen=True)
class StatusRules:
    """The four statuses plus the account's custom ones, each mapped to one of the four."""

    custom: Mapping[str, BaseStatus] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return (*BASE_STATUSES, *self.custom)

    def canonical(self, value: str) -> str:
        """The status as Atera spells it; a RuleError lists the valid ones."""
        match = _match(value, self.names)
        if match is None:
            raise RuleError(f"Status '{value}' is not valid. Use one of: {_one_of(self.names)}.")
        return match

    def base_of(self, status: str) -> BaseStatus | None:
        match = _match(status, self.names)
        if match is None:
            return None
        if match in self.custom:
            return self.custom[match]
        return next(b for b in BASE_STATUSES if b == match)

    def allowed_from(self, current: str) -> tuple[str, ...]:
        base = self.base_of(current)
        if base is None:
            return ()
        targets = _ALLOWED[base]
        same_class = tuple(n for n in self.names if self.base_of(n) == base and n != current)
        return (*targets, *(n for n in self.custom if self.custom[n] in targets), *same_class)

    def check(self, ticket_id: int, current: str, requested: str) -> Transition:
        """Check moving ticket `ticket_id` from `current` (read from Atera) to `requested`."""
        target = self.canonical(requested)
        if _match(current, (target,)):
            return Transition(current, target, changes=False)
        from_base = self.base_of(current)
        if from_base is None:
            raise RuleError(
                f"Ticket {ticket_id} has status '{current}', which is not configured, so its "
                f"transitions cannot be checked. Declare it in ATERA_CUSTOM_STATUSES "
                f"(e.g. '{current}=Pending')."
            )
        to_base = self.base_of(target)
        assert to_base is not None  # canonical() accepted it
        if to_base == from_base or to_base in _ALLOWED[from_base]:
            return Transition(current, target, changes=True)
        allowed = _one_of(self.allowed_from(current)) or "nothing"
        if from_base == "Closed":
            raise RuleError(
                f"Ticket {ticket_id} is {current}, which is final; it cannot be set to {target}. "
                "Create a new ticket and link it instead."
            )
        if from_base == "Open" and to_base == "Closed":
            raise RuleError(
                f"Ticket {ticket_id} is {current}; it cannot be {target} directly. "
                f"Resolve it first (allowed from {current}: {allowed})."
            )
        raise RuleError(
            f"Ticket {ticket_id} is {current}; it cannot be set to {target} "
            f"(allowed from {current}: {allowed})."
        )
