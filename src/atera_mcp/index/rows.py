"""A ticket as the index stores it: the columns search filters, sorts and shows, from Atera's
TicketDto, and the digest that tells whether an answer changed anything."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, NamedTuple

from atera_mcp.domain.policy import PRIORITY_RANK
from atera_mcp.domain.sla import first_response_due, running_due, wait_basis
from atera_mcp.domain.wire import TicketDto

UNKNOWN_PRIORITY_RANK = len(PRIORITY_RANK)


def timestamp(value: datetime | None) -> float | None:
    if value is None:
        return None
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return aware.timestamp()


def _fold(value: str | None) -> str | None:
    text = (value or "").strip().casefold()
    return text or None


def _name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p)


def _due_at(
    response_due: float | None, answered: float | None, close_due: float | None
) -> float | None:
    """When an unresolved ticket becomes overdue: its first response is due and not given, or
    its close date passes, whichever is first (None: never). Indexed, so "overdue" is a range."""
    dues = [d for d in (response_due if answered is None else None, close_due) if d is not None]
    return min(dues, default=None)


def ticket_row(dto: TicketDto) -> dict[str, Any]:
    """The columns search filters, sorts and shows, from Atera's TicketDto."""
    status = dto.ticket_status or "Open"
    response_due = timestamp(first_response_due(dto))
    answered = timestamp(dto.technician_first_comment_date)
    close_due = timestamp(dto.closed_ticket_due_date)
    running = running_due(dto)
    return {
        "id": dto.ticket_id,
        "number": dto.ticket_number,
        "title": dto.ticket_title or "",
        "status": status,
        "status_key": status.strip().casefold(),
        "priority": dto.ticket_priority,
        "priority_rank": PRIORITY_RANK.get(dto.ticket_priority or "", UNKNOWN_PRIORITY_RANK),
        "type": dto.ticket_type,
        "impact": dto.ticket_impact,
        "customer_id": dto.customer_id,
        "customer_name": dto.customer_name or "",
        "customer_key": (dto.customer_name or "").casefold(),
        "end_user_id": dto.end_user_id,
        "end_user_name": _name(dto.end_user_first_name, dto.end_user_last_name),
        "end_user_email_key": _fold(dto.end_user_email),
        "technician_id": dto.technician_contact_id,
        "technician_name": dto.technician_full_name,
        "technician_email_key": _fold(dto.technician_email),
        "created": timestamp(dto.ticket_created_date) or 0.0,
        "resolved": timestamp(dto.ticket_resolved_date),
        "response_due": response_due,
        "first_response_at": answered,
        "close_due": close_due,
        "due_at": _due_at(response_due, answered, close_due),
        # Whatever the status: the query applies it, and "breached" is decided when asked.
        "sla_due": timestamp(running.at),
        "sla_estimated": int(running.estimated),
        "wait_basis": wait_basis(dto),
    }


def last_comments(dto: TicketDto) -> str | None:
    """The DTO's last replies as searchable text; None when the answer left them out."""
    parts = [dto.last_end_user_comment, dto.last_technician_comment]
    if all(p is None for p in parts):
        return None
    return "\n".join(p for p in parts if p)


def digest(row: dict[str, Any], description: str, last_comments: str) -> str:
    text = json.dumps([row, description, last_comments], sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class Prior(NamedTuple):
    """What the index holds of a ticket, as far as an upsert needs it."""

    mod_lo: float | None
    mod_hi: float
    digest: str
    last_comments: str
    changed_at: float
    description: str


class Merged(NamedTuple):
    """An upsert's outcome: the full row to write (None: only the bounds moved) and the
    ticket's state after it."""

    row: dict[str, Any] | None
    prior: Prior


def merge_ticket(dto: TicketDto, old: Prior | None, at: float, since: float | None) -> Merged:
    """Merge a ticket read at `at` (modified on or after `since`, when known) into what the
    index holds: an answer without the description or last comments keeps the indexed ones;
    `mod_lo` only rises, `mod_hi` moves to `at` when something changed or `since` is known."""
    row = ticket_row(dto)
    description = dto.first_comment
    last = last_comments(dto)
    if old is not None:
        description = description if description is not None else old.description
        last = last if last is not None else old.last_comments
    description, last = description or "", last or ""
    content = digest(row, description, last)
    is_new, is_changed = old is None, old is not None and old.digest != content
    if old is None:
        lo, hi, changed_at = since, at, at
    else:
        lo = (
            old.mod_lo
            if since is None
            else max(since, old.mod_lo if old.mod_lo is not None else since)
        )
        hi = max(old.mod_hi, at) if (is_changed or since is not None) else old.mod_hi
        changed_at = at if is_changed else old.changed_at
    if not (is_new or is_changed):
        assert old is not None
        return Merged(None, old._replace(mod_lo=lo, mod_hi=hi))
    row |= {
        "mod_lo": lo,
        "mod_hi": hi,
        "digest": content,
        "last_comments": last,
        "changed_at": changed_at,
    }
    return Merged(row, Prior(lo, hi, content, last, changed_at, description))
