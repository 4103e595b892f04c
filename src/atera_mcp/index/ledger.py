"""Work-hour entries in the index: their tables and reads, the same SQL on both engines.

`work_entries` holds every entry read from Atera, by id (Atera's entries cannot be edited or
deleted, so a later read only adds). `work_days` says which of the account's local days were
read in full from `GET /workhours`, and when: a day listed there holds every entry that started
on it and existed at `read_at`. A day is named with the account's zone ("Europe/Paris
2026-11-03"), so a change of zone makes every day unread again rather than wrong.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from atera_mcp.domain.wire import TicketWorkHoursDto, WorkhourRecordDto
from atera_mcp.index.backend import Dialect
from atera_mcp.index.people import Batch
from atera_mcp.index.rows import timestamp

LEDGER_DDL = """
CREATE TABLE work_entries (id BIGINT PRIMARY KEY, ticket_id BIGINT NOT NULL,
    customer_id BIGINT, end_user_id BIGINT, technician_id BIGINT, technician_name TEXT,
    technician_email TEXT, started DOUBLE PRECISION NOT NULL, ended DOUBLE PRECISION NOT NULL,
    billable INTEGER NOT NULL, on_site INTEGER NOT NULL);
CREATE INDEX work_entries_started ON work_entries (started);
CREATE INDEX work_entries_ticket ON work_entries (ticket_id);
CREATE INDEX work_entries_technician ON work_entries (technician_id, started);
CREATE TABLE work_days (day TEXT PRIMARY KEY, read_at DOUBLE PRECISION NOT NULL)"""

_COLUMNS = (
    "id",
    "ticket_id",
    "customer_id",
    "end_user_id",
    "technician_id",
    "technician_name",
    "technician_email",
    "started",
    "ended",
    "billable",
    "on_site",
)


def day_key(zone: str, day: date) -> str:
    return f"{zone} {day.isoformat()}"


def entry_row(
    r: TicketWorkHoursDto, customer_id: int | None = None, end_user_id: int | None = None
) -> dict[str, Any] | None:
    """The row of an entry; None for one without both times (nothing to bill)."""
    started, ended = timestamp(r.start_work_hour), timestamp(r.end_work_hour)
    if started is None or ended is None:
        return None
    if isinstance(r, WorkhourRecordDto):
        customer_id, end_user_id = r.customer_id, r.end_user_id
    return {
        "id": r.work_hours_id,
        "ticket_id": r.ticket_id,
        "customer_id": customer_id,
        "end_user_id": end_user_id,
        "technician_id": r.technician_contact_id,
        "technician_name": r.technician_full_name,
        "technician_email": r.technician_email,
        "started": started,
        "ended": ended,
        "billable": int(bool(r.billiable)),
        "on_site": int(bool(r.on_customer_site)),
    }


class LedgerTables(ABC):
    """The ledger's reads and writes, over each store's own `execute` and `write_many`."""

    dialect: Dialect

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]: ...

    @abstractmethod
    def write_many(self, batches: Sequence[Batch]) -> None: ...

    def _at(self, name: str) -> str:
        return self.dialect.placeholder.format(name)

    def add_work_entries(
        self, rows: Sequence[dict[str, Any]], days: Sequence[str] = (), read_at: float = 0.0
    ) -> None:
        """Store entries (by id: a repeat replaces) and mark `days` read in full at `read_at`,
        in one transaction, in id order (two writers never wait on each other in a circle)."""
        ordered = sorted({r["id"]: r for r in rows}.values(), key=lambda r: int(r["id"]))
        marks = ", ".join(self._at(c) for c in _COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[1:])
        add = (
            f"INSERT INTO work_entries ({', '.join(_COLUMNS)}) VALUES ({marks}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates}"
        )
        cover = (
            f"INSERT INTO work_days (day, read_at) VALUES ({self._at('day')}, {self._at('at')}) "
            "ON CONFLICT (day) DO UPDATE SET read_at = excluded.read_at"
        )
        batches: list[Batch] = [(add, list(ordered))] if ordered else []
        if days:
            batches.append((cover, [{"day": d, "at": read_at} for d in sorted(days)]))
        if batches:
            self.write_many(batches)

    def days_read(self, days: Sequence[str]) -> dict[str, float]:
        """When each of `days` was last read in full (the unread are left out)."""
        if not days:
            return {}
        params = {f"d{n}": d for n, d in enumerate(days)}
        marks = ", ".join(self._at(name) for name in params)
        rows = self.execute(f"SELECT day, read_at FROM work_days WHERE day IN ({marks})", params)
        return {str(row[0]): float(row[1]) for row in rows}

    def billable_seconds(self, ticket_ids: Sequence[int]) -> dict[int, int]:
        """Each ticket's billable seconds in the index (tickets with none left out)."""
        if not ticket_ids:
            return {}
        params = {f"t{n}": t for n, t in enumerate(ticket_ids)}
        marks = ", ".join(self._at(name) for name in params)
        rows = self.execute(
            "SELECT ticket_id, sum(ended - started) FROM work_entries "
            f"WHERE billable = 1 AND ticket_id IN ({marks}) GROUP BY ticket_id",
            params,
        )
        return {int(row[0]): round(float(row[1])) for row in rows}

    def ticket_owner(self, ticket_id: int) -> tuple[int | None, int | None]:
        """The customer and end user of an indexed ticket (None, None when not indexed)."""
        rows = self.execute(
            f"SELECT customer_id, end_user_id FROM tickets WHERE id = {self._at('id')}",
            {"id": ticket_id},
        )
        return (rows[0][0], rows[0][1]) if rows else (None, None)

    def work_entries_between(self, lo: float, hi: float) -> list[tuple[Any, ...]]:
        """Every entry starting in [lo, hi), as `_COLUMNS`."""
        rows = self.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM work_entries "
            f"WHERE started >= {self._at('lo')} AND started < {self._at('hi')}",
            {"lo": lo, "hi": hi},
        )
        return [tuple(row) for row in rows]


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """An entry as the index holds it: the fields of `WorkhourRecordDto` that billing reads,
    under the same names. A plain dataclass: a year holds 100,000 entries, and building as
    many pydantic models (even unvalidated) takes longer than the whole report otherwise."""

    work_hours_id: int
    ticket_id: int
    customer_id: int | None
    end_user_id: int | None
    technician_contact_id: int | None
    technician_full_name: str | None
    technician_email: str | None
    start_work_hour: datetime | None
    end_work_hour: datetime | None
    billiable: bool | None
    on_customer_site: bool | None


def as_record(row: tuple[Any, ...]) -> LedgerEntry:
    """A stored row as the entry `GET /workhours` gave (the fields billing reads)."""
    values = dict(zip(_COLUMNS, row, strict=True))
    return LedgerEntry(
        work_hours_id=int(values["id"]),
        ticket_id=int(values["ticket_id"]),
        customer_id=values["customer_id"],
        end_user_id=values["end_user_id"],
        technician_contact_id=values["technician_id"],
        technician_full_name=values["technician_name"],
        technician_email=values["technician_email"],
        start_work_hour=datetime.fromtimestamp(float(values["started"]), UTC),
        end_work_hour=datetime.fromtimestamp(float(values["ended"]), UTC),
        billiable=bool(values["billable"]),
        on_customer_site=bool(values["on_site"]),
    )
