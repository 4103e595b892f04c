"""The index's storage on SQLite (the default backend): one file per Atera account (WAL,
FTS5), reached from one thread.

Every method here is blocking and quick; async callers go through `TicketIndex` (service.py),
which runs them in a worker thread. Nothing here speaks HTTP. The modification bounds
(`mod_lo`, `mod_hi`) and `Observation` are described in backend.py.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from atera_mcp.domain.text import thread_text
from atera_mcp.domain.wire import TicketCommentDto, TicketDto
from atera_mcp.index.backend import (
    EPSILON,
    Dialect,
    Observation,
    SameOnBothEngines,
    SyncState,
    merge_saved,
)
from atera_mcp.index.fts import TextQuery
from atera_mcp.index.ledger import LedgerTables
from atera_mcp.index.people import Batch, PeopleTables
from atera_mcp.index.rows import Prior, merge_ticket, timestamp
from atera_mcp.index.schema import (
    COMMENTS_WEIGHT,
    DESCRIPTION_WEIGHT,
    SCHEMA_VERSION,
    TITLE_WEIGHT,
    open_database,
    open_read_only,
)

__all__ = ["SCHEMA_VERSION", "SQLITE", "IndexStore", "Observation", "SyncState"]

_WEIGHTS = f"{TITLE_WEIGHT}, {DESCRIPTION_WEIGHT}, {COMMENTS_WEIGHT}"


def _fts5(text: TextQuery) -> str:
    return text.expression


SQLITE = Dialect(
    name="sqlite",
    placeholder=":{}",
    true="1",
    contains="instr({haystack}, {needle}) > 0",
    text_ids="SELECT rowid FROM ticket_text WHERE ticket_text MATCH {match}",
    text_ranked=(
        f"SELECT rowid AS rid, bm25(ticket_text, {_WEIGHTS}) AS rank "
        "FROM ticket_text WHERE ticket_text MATCH {match}"
    ),
    render=_fts5,
)


class IndexStore(SameOnBothEngines, PeopleTables, LedgerTables):
    """The SQLite file of one account. Open it with `IndexStore.open(path)`."""

    dialect = SQLITE
    failures: tuple[type[Exception], ...] = (sqlite3.Error,)
    # Locked past the busy timeout, an I/O error, a full disk.
    transient: tuple[type[Exception], ...] = (sqlite3.OperationalError,)
    lease_poll: float | None = None
    lease_check: float | None = None

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

    def describe(self) -> str:
        return str(self.path)

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

    def write_many(self, batches: Sequence[Batch]) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, rows in batches:
                    self._conn.executemany(sql, rows)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    # -- sync state ---------------------------------------------------------------------------

    def save_state(self, state: SyncState) -> None:
        """Save `state` over what is stored as `merge_saved` says (a delta may have advanced
        the watermark since `state` was loaded)."""
        sql = "INSERT OR REPLACE INTO meta (key, value) VALUES ('sync_state', ?)"
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")  # other processes' saves wait
            try:
                row = self._conn.execute(
                    "SELECT value FROM meta WHERE key = 'sync_state'"
                ).fetchone()
                current = SyncState.from_json(row[0]) if row else SyncState()
                self._conn.execute(sql, (merge_saved(current, state).to_json(),))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

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
        found = self._conn.execute(
            "SELECT t.mod_lo, t.mod_hi, t.digest, t.last_comments, t.changed_at, x.description "
            "FROM tickets t JOIN ticket_text x ON x.rowid = t.id WHERE t.id = ?",
            (dto.ticket_id,),
        ).fetchone()
        merged = merge_ticket(dto, Prior(*found) if found else None, at, since)
        row, now = merged.row, merged.prior
        if row is None:
            self._conn.execute(
                "UPDATE tickets SET mod_lo = ?, mod_hi = ? WHERE id = ?",
                (now.mod_lo, now.mod_hi, dto.ticket_id),
            )
            return 0
        columns = ", ".join(row)
        marks = ", ".join(f":{name}" for name in row)
        updates = ", ".join(f"{name} = excluded.{name}" for name in row if name != "id")
        self._conn.execute(
            f"INSERT INTO tickets ({columns}) VALUES ({marks}) "  # column names are our own
            f"ON CONFLICT (id) DO UPDATE SET {updates}",
            row,
        )
        self._write_text(dto.ticket_id, row["title"], now.description, now.last_comments)
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

    # -- comments -----------------------------------------------------------------------------

    def replace_comments(
        self, ticket_id: int, comments: Sequence[TicketCommentDto], at: datetime | None = None
    ) -> None:
        """Store a ticket's whole comment thread (as read from Atera at `at`) and make it
        searchable; its comments count as current up to `at` (default: the ticket's last known
        change). A ticket not indexed yet is left alone."""
        body = thread_text(comments)
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

    # -- knowledge for modified_after ----------------------------------------------------------

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
                (moment - EPSILON, ticket_id, moment),
            )
            for ticket_id in asked - modified
        ]
        self._write(statements)

    def size(self) -> int:
        return self.file_size()

    def file_size(self) -> int:
        """Bytes on disk, the write-ahead log included."""
        return sum(
            Path(f"{self.path}{suffix}").stat().st_size
            for suffix in ("", "-wal")
            if Path(f"{self.path}{suffix}").exists()
        )
