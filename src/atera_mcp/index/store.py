"""The index's storage: one SQLite file per Atera account (WAL, FTS5), reached from one thread.

Every method here is blocking and quick; async callers go through `TicketIndex` (service.py),
which runs them in a worker thread. Nothing here speaks HTTP.

Modification bounds. Atera's tickets carry no last-modified field, so the index keeps, for
each ticket, an interval known to hold its last modification: `mod_lo` (None: unknown, e.g.
seen only by the first sweep) and `mod_hi`. An `Observation` says how a ticket was seen:
- from the delta feed `GET /tickets/lastmodified?date=D`, read at R: `since=D, at=R`
  (the feed only lists tickets modified on or after D);
- from our own write sent at W and read back at R: `since=W, at=R`;
- from a sweep page or a live read at R: `since=None, at=R` (when it changed is unknown).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from atera_mcp.domain.text import strip_html
from atera_mcp.domain.wire import TicketCommentDto, TicketDto
from atera_mcp.index.rows import digest, last_comments, ticket_row, timestamp
from atera_mcp.index.schema import SCHEMA_VERSION, open_database, open_read_only

__all__ = ["SCHEMA_VERSION", "IndexStore", "Observation", "SyncState"]

_EPSILON = 0.001  # seconds: "before `since`" when Atera's feed says a ticket was not modified


@dataclass(frozen=True)
class Observation:
    """How tickets were seen: `at` when they were read, `since` a proven lower bound of their
    last modification (None when unknown)."""

    at: datetime
    since: datetime | None = None


@dataclass
class SyncState:
    """Where the account's sync stands; persisted in the file's meta table.

    phase: "empty" (nothing read yet), "sweeping" (the first full read is under way),
    "ready" (every ticket has been read once; deltas keep it fresh).
    """

    phase: str = "empty"
    sweep_started: datetime | None = None  # when the current/last full sweep began
    pages_total: int = 0  # pages of GET /tickets (50 a page) when the sweep began
    pages_done: set[int] = field(default_factory=set)
    watermark: datetime | None = None  # the next delta reads the feed from here (minus overlap)
    first_watermark: datetime | None = None  # the start of the first complete sweep
    last_delta_at: datetime | None = None  # when the index last heard from Atera (as_of)
    last_full_sweep_at: datetime | None = None  # when the last reconciling id sweep finished

    def to_json(self) -> str:
        def when(value: datetime | None) -> float | None:
            return value.timestamp() if value is not None else None

        return json.dumps(
            {
                "phase": self.phase,
                "sweep_started": when(self.sweep_started),
                "pages_total": self.pages_total,
                "pages_done": sorted(self.pages_done),
                "watermark": when(self.watermark),
                "first_watermark": when(self.first_watermark),
                "last_delta_at": when(self.last_delta_at),
                "last_full_sweep_at": when(self.last_full_sweep_at),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> SyncState:
        data: dict[str, Any] = json.loads(text)

        def when(key: str) -> datetime | None:
            value = data.get(key)
            return datetime.fromtimestamp(value, UTC) if isinstance(value, int | float) else None

        return cls(
            phase=str(data.get("phase", "empty")),
            sweep_started=when("sweep_started"),
            pages_total=int(data.get("pages_total", 0)),
            pages_done={int(p) for p in data.get("pages_done", [])},
            watermark=when("watermark"),
            first_watermark=when("first_watermark"),
            last_delta_at=when("last_delta_at"),
            last_full_sweep_at=when("last_full_sweep_at"),
        )


class IndexStore:
    """The SQLite file of one account. Open it with `IndexStore.open(path)`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        # The connection is shared by threads (never at once): the lock makes that explicit.
        self._lock = threading.RLock()

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False) -> IndexStore:
        """Open or create the file (mode 0600, parent 0700). A file of another schema version
        or a corrupt one is moved aside and rebuilt empty, with a warning logged.
        `read_only` opens an existing file as it is, for reading (see `open_read_only`)."""
        return cls(path, open_read_only(path) if read_only else open_database(path))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        """Run one read-only statement; its rows. For query.py, which builds the SQL."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _write(self, statements: Iterable[tuple[str, Sequence[Any] | dict[str, Any]]]) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    self._conn.execute(sql, params)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    # -- sync state ---------------------------------------------------------------------------

    def load_state(self) -> SyncState:
        rows = self.execute("SELECT value FROM meta WHERE key = 'sync_state'")
        return SyncState.from_json(rows[0][0]) if rows else SyncState()

    def save_state(self, state: SyncState) -> None:
        sql = "INSERT OR REPLACE INTO meta (key, value) VALUES ('sync_state', ?)"
        self._write([(sql, (state.to_json(),))])

    def analyze(self) -> None:
        """Gather statistics for the query planner (once the file holds the whole account)."""
        with self._lock:
            self._conn.execute("ANALYZE")

    # -- leases: one process syncs an account, any number read --------------------------------

    def try_lease(self, owner: str, now: datetime, seconds: float) -> bool:
        """Take or renew the sync lease for `owner`; False while another owner holds it."""
        moment = timestamp(now) or 0.0
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                row = self._conn.execute("SELECT owner, expires FROM lease WHERE id = 1").fetchone()
                free = row is None or row[0] == owner or row[1] <= moment
                if free:
                    self._conn.execute(
                        "INSERT OR REPLACE INTO lease (id, owner, expires) VALUES (1, ?, ?)",
                        (owner, moment + seconds),
                    )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return free

    def release_lease(self, owner: str) -> None:
        self._write([("DELETE FROM lease WHERE id = 1 AND owner = ?", (owner,))])

    # -- tickets ------------------------------------------------------------------------------

    def upsert_tickets(self, tickets: Sequence[TicketDto], seen: Observation) -> int:
        """Insert or update tickets (one transaction); returns how many were new or changed.
        Last comments on the DTO (LastEndUserComment...) are indexed with the ticket."""
        at, since = timestamp(seen.at) or 0.0, timestamp(seen.since)
        changed = 0
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for dto in tickets:
                    changed += self._upsert(dto, at, since)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return changed

    def _upsert(self, dto: TicketDto, at: float, since: float | None) -> int:
        conn = self._conn
        old = conn.execute(
            "SELECT t.mod_lo, t.mod_hi, t.digest, t.last_comments, t.changed_at, x.description "
            "FROM tickets t JOIN ticket_text x ON x.rowid = t.id WHERE t.id = ?",
            (dto.ticket_id,),
        ).fetchone()
        row = ticket_row(dto)
        description = dto.first_comment if dto.first_comment is not None else None
        last = last_comments(dto)
        if old is not None:
            description = description if description is not None else old[5]
            last = last if last is not None else old[3]
        description, last = description or "", last or ""
        content = digest(row, description, last)
        is_new, is_changed = old is None, old is not None and old[2] != content
        if is_new:
            lo, hi, changed_at = since, at, at
        else:
            lo = old[0] if since is None else max(since, old[0] if old[0] is not None else since)
            hi = max(old[1], at) if (is_changed or since is not None) else old[1]
            changed_at = at if is_changed else old[4]
        if not (is_new or is_changed):
            conn.execute(
                "UPDATE tickets SET mod_lo = ?, mod_hi = ? WHERE id = ?", (lo, hi, dto.ticket_id)
            )
            return 0
        row |= {
            "mod_lo": lo,
            "mod_hi": hi,
            "digest": content,
            "last_comments": last,
            "changed_at": changed_at,
        }
        columns = ", ".join(row)
        marks = ", ".join(f":{name}" for name in row)
        updates = ", ".join(f"{name} = excluded.{name}" for name in row if name != "id")
        conn.execute(
            f"INSERT INTO tickets ({columns}) VALUES ({marks}) "  # column names are our own
            f"ON CONFLICT (id) DO UPDATE SET {updates}",
            row,
        )
        self._write_text(dto.ticket_id, row["title"], description, last)
        return 1

    def _write_text(self, ticket_id: int, title: str, description: str, last: str) -> None:
        thread = self._conn.execute(
            "SELECT body FROM threads WHERE ticket_id = ?", (ticket_id,)
        ).fetchone()
        comments = "\n".join(p for p in (thread[0] if thread else "", last) if p)
        self._conn.execute("DELETE FROM ticket_text WHERE rowid = ?", (ticket_id,))
        self._conn.execute(
            "INSERT INTO ticket_text (rowid, title, description, comments) VALUES (?, ?, ?, ?)",
            (ticket_id, title, description, comments),
        )

    def delete_ticket(self, ticket_id: int) -> bool:
        """Remove a ticket Atera no longer has (a 404); True when it was indexed."""
        with self._lock:
            known = bool(self.execute("SELECT 1 FROM tickets WHERE id = ?", (ticket_id,)))
            self._write(
                (sql, (ticket_id,))
                for sql in (
                    "DELETE FROM tickets WHERE id = ?",
                    "DELETE FROM ticket_text WHERE rowid = ?",
                    "DELETE FROM threads WHERE ticket_id = ?",
                )
            )
        return known

    def ticket_ids(self) -> set[int]:
        return {row[0] for row in self.execute("SELECT id FROM tickets")}

    def count(self) -> int:
        return int(self.execute("SELECT count(*) FROM tickets")[0][0])

    # -- comments -----------------------------------------------------------------------------

    def replace_comments(
        self, ticket_id: int, comments: Sequence[TicketCommentDto], at: datetime | None = None
    ) -> None:
        """Store a ticket's whole comment thread (as read from Atera at `at`) and make it
        searchable; its comments count as current up to `at` (default: the ticket's last known
        change). A ticket not indexed yet is left alone."""
        body = "\n".join(c.comment or strip_html(c.comment_html) for c in comments)
        with self._lock:
            found = self.execute(
                "SELECT t.title, t.last_comments, x.description FROM tickets t "
                "JOIN ticket_text x ON x.rowid = t.id WHERE t.id = ?",
                (ticket_id,),
            )
            if not found:
                return
            title, last, description = found[0]
            read_at = timestamp(at)
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(
                    "INSERT OR REPLACE INTO threads (ticket_id, body, stored_at) VALUES (?, ?, ?)",
                    (ticket_id, body, read_at or 0.0),
                )
                self._conn.execute(
                    "UPDATE tickets SET comments_at = coalesce(?, changed_at) WHERE id = ?",
                    (read_at, ticket_id),
                )
                self._write_text(ticket_id, title, description, last)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def comment_backlog(self, limit: int) -> list[int]:
        """Ids of unresolved tickets whose comments are missing or older than their last
        change, newest ticket first."""
        rows = self.execute(
            "SELECT id FROM tickets WHERE status_key NOT IN ('resolved', 'closed') "
            "AND (comments_at IS NULL OR comments_at < changed_at) "
            "ORDER BY created DESC, id DESC LIMIT ?",
            (limit,),
        )
        return [row[0] for row in rows]

    # -- knowledge for modified_after ----------------------------------------------------------

    def uncertain_since(self, since: datetime) -> set[int]:
        """Tickets the index cannot place before or after `since`: their last modification
        may be either side of it. Only Atera's feed can settle them."""
        moment = timestamp(since)
        rows = self.execute(
            "SELECT id FROM tickets WHERE (mod_lo IS NULL OR mod_lo < ?) AND mod_hi >= ?",
            (moment, moment),
        )
        return {row[0] for row in rows}

    def settle_modified(self, since: datetime, modified: set[int], asked: set[int]) -> None:
        """Record what Atera's feed from `since` said: ids in `modified` were modified on or
        after `since`, the other ids of `asked` were not."""
        moment = timestamp(since) or 0.0
        statements: list[tuple[str, Sequence[Any]]] = [
            (
                "UPDATE tickets SET mod_lo = max(coalesce(mod_lo, ?), ?) WHERE id = ?",
                (moment, moment, ticket_id),
            )
            for ticket_id in modified
        ]
        statements += [
            (
                "UPDATE tickets SET mod_hi = min(mod_hi, ?) "
                "WHERE id = ? AND (mod_lo IS NULL OR mod_lo < ?)",
                (moment - _EPSILON, ticket_id, moment),
            )
            for ticket_id in asked - modified
        ]
        self._write(statements)

    def file_size(self) -> int:
        """Bytes on disk, the write-ahead log included."""
        return sum(
            Path(f"{self.path}{suffix}").stat().st_size
            for suffix in ("", "-wal")
            if Path(f"{self.path}{suffix}").exists()
        )
