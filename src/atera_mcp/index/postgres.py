"""The index's storage on PostgreSQL: one schema per Atera account, shared by every replica.

Same contract as the SQLite store (backend.py): every method blocks and is quick, and is called
from `TicketIndex`'s one worker thread. The connection is reopened after it broke (a restart of
the server, a network cut): the call that saw it break fails with `psycopg.OperationalError`
(transient), the next one reconnects.

Several replicas write at once (each records what its tools read live, and may read a delta
before a search), so every write transaction first takes the rows it touches, in id order:
two-key advisory locks (the schema's space, the ticket id) for upserts, comments and deletes
(they cover ids not inserted yet), row locks (`FOR UPDATE`, in id order) for settling bounds.
The modification bounds merge exactly as in SQLite (rows.merge_ticket).

The sync lease is a session-level advisory lock held on a connection of its own: PostgreSQL
frees it the moment that connection ends, so when the syncing replica dies (even by SIGKILL)
another one takes the lease on its next try, a few seconds later.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.string import StrDumperUnknown

from atera_mcp.domain.text import thread_text
from atera_mcp.domain.wire import TicketCommentDto, TicketDto
from atera_mcp.index.backend import (
    COMMENTS_WEIGHT,
    DESCRIPTION_WEIGHT,
    EPSILON,
    TITLE_WEIGHT,
    Dialect,
    Observation,
    SameOnBothEngines,
    SchemaMismatch,
    SyncState,
    merge_saved,
)
from atera_mcp.index.fts import tsquery
from atera_mcp.index.ledger import LedgerTables
from atera_mcp.index.people import Batch, PeopleTables
from atera_mcp.index.pg_schema import (
    SCHEMA_VERSION,
    check_name,
    document,
    lock_key,
    prepare,
    row_lock_space,
    schema_version,
)
from atera_mcp.index.rows import Prior, merge_ticket, timestamp

log = logging.getLogger(__name__)

Connection = psycopg.Connection[tuple[Any, ...]]

# ts_rank's weights are {D, C, B, A} in 0..1: comments C, description B, title A, in the
# proportions of SQLite's bm25 weights. Negated (lower is better, as bm25) and widened to
# float8 so a cursor carries the exact key back.
_TOP = max(TITLE_WEIGHT, DESCRIPTION_WEIGHT, COMMENTS_WEIGHT)
_WEIGHTS = ",".join(str(w / _TOP) for w in (0.0, COMMENTS_WEIGHT, DESCRIPTION_WEIGHT, TITLE_WEIGHT))

POSTGRES = Dialect(
    name="postgres",
    placeholder="%({})s",
    true="TRUE",
    contains="strpos({haystack}, {needle}) > 0",
    text_ids="SELECT id FROM ticket_text WHERE doc @@ {match}::tsquery",
    text_ranked=(
        f"SELECT id AS rid, (-ts_rank('{{{{{_WEIGHTS}}}}}', doc, {{match}}::tsquery))::float8 "
        "AS rank FROM ticket_text WHERE doc @@ {match}::tsquery"
    ),
    render=tsquery,
)

LEASE_POLL = 3.0  # seconds between a non-holder's lease attempts

_COLUMNS = (
    "SELECT t.id, t.mod_lo, t.mod_hi, t.digest, t.last_comments, t.changed_at, x.description "
    "FROM tickets t JOIN ticket_text x ON x.id = t.id WHERE t.id = ANY(%s)"
)


@dataclass(frozen=True)
class PostgresTarget:
    """Where an account's index lives on PostgreSQL: a database and a schema in it."""

    url: str = field(repr=False)  # may hold a password: never shown
    schema: str


class _TextWithoutNul(StrDumperUnknown):
    """PostgreSQL's text cannot hold NUL, and psycopg refuses a string with one; Atera's JSON
    can carry one (\\u0000 in a pasted e-mail). Every parameter, written or searched, has it
    as a space: one such ticket must not fail its whole sweep page (and the sync with it), nor
    a search with one fail as if the database were down. A space, not nothing, so the words on
    either side stay two words when a document is rebuilt from the stored text (as FTS5 and
    `fts.tokens()` split them at the NUL)."""

    def dump(self, obj: str) -> bytes:
        return obj.replace("\x00", " ").encode(self._encoding)


# A peer that vanished without a word (its host lost, a network cut) is given up within about
# half a minute, not TCP's quarter of an hour: meanwhile a query waits, and with it every
# search and write-through of the replica (one store call at a time). Both ends: this client,
# and the server for this session, which also frees the lease's lock of a replica cut off.
LIVENESS_SECONDS = (10, 5, 3, 30)  # keepalive idle, interval, count; unacknowledged data
_IDLE, _INTERVAL, _COUNT, _UNACKED = LIVENESS_SECONDS
_SERVER_LIVENESS = (
    "SELECT set_config('tcp_keepalives_idle', %s, false), "
    "set_config('tcp_keepalives_interval', %s, false), "
    "set_config('tcp_keepalives_count', %s, false), set_config('tcp_user_timeout', %s, false)"
)


def _open_connection(url: str, name: str = "atera-mcp index") -> Connection:
    # Named, so an operator sees in pg_stat_activity which connection holds the sync lease.
    conn = psycopg.connect(
        url,
        autocommit=True,
        connect_timeout=10,
        application_name=name,
        keepalives=1,
        keepalives_idle=_IDLE,
        keepalives_interval=_INTERVAL,
        keepalives_count=_COUNT,
        tcp_user_timeout=_UNACKED * 1000,
    )
    try:
        conn.execute(_SERVER_LIVENESS, (str(_IDLE), str(_INTERVAL), str(_COUNT), f"{_UNACKED}s"))
    except BaseException:
        conn.close()
        raise
    conn.adapters.register_dumper(str, _TextWithoutNul)
    return conn


class PostgresStore(SameOnBothEngines, PeopleTables, LedgerTables):
    """One account's index in schema `schema` of the database at `url`. Open it with
    `PostgresStore.open(url, schema)`; the URL is never shown (it may hold a password)."""

    dialect = POSTGRES
    failures: tuple[type[Exception], ...] = (psycopg.Error,)
    # Unreachable, restarting, a deadlock or serialization failure, out of space.
    transient: tuple[type[Exception], ...] = (psycopg.OperationalError,)
    lease_poll: float | None = LEASE_POLL
    lease_check: float | None = 0.0  # a ping of the lock's connection

    def __init__(self, url: str, schema: str) -> None:
        self.schema = check_name(schema)
        self._url = url
        self._lock = threading.RLock()
        self._conn: Connection | None = None
        self._lease_conn: Connection | None = None
        self._leased = False
        self._prepared = False  # the schema was found or created by this store's connection
        self._rows = row_lock_space(schema)

    @classmethod
    def open(cls, url: str, schema: str, *, read_only: bool = False) -> PostgresStore:
        """Connect, and create the schema (or rebuild one of another version). PostgreSQL
        unreachable or restarting as the replica starts (a deploy, a compose start) is no
        reason to go without the index for the replica's life: the store is returned anyway,
        its calls fail as transient until the database answers, and the first that can
        connect creates the schema. `read_only` never creates or rebuilds, nor waits:
        SchemaMismatch when the schema is missing or of another version (`index status`)."""
        store = cls(url, schema)
        if read_only:
            conn = _open_connection(url)
            try:
                version = schema_version(conn, schema)
                if version != SCHEMA_VERSION:
                    raise SchemaMismatch(version, SCHEMA_VERSION)
                conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            except BaseException:
                conn.close()
                raise
            store._conn, store._prepared = conn, True
            return store
        try:
            store._connection()
        except psycopg.OperationalError as exc:
            log.warning(
                "PostgreSQL cannot be reached for the ticket index (%s); it is used once it can.",
                exc,
            )
        return store

    def describe(self) -> str:
        conn = self._conn
        where = f" in database {conn.info.dbname} on {conn.info.host}" if conn else ""
        return f"PostgreSQL schema {self.schema}{where}"

    def _connect(self) -> Connection:
        conn = _open_connection(self._url)
        try:
            if not self._prepared:
                prepare(conn, self.schema)
                self._prepared = True
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
        except BaseException:
            conn.close()
            raise
        return conn

    def _connection(self) -> Connection:
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            if conn is not None:
                conn.close()
            conn = self._conn = self._connect()
        return conn

    def close(self) -> None:
        with self._lock:
            self.release_lease("")
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        with self._lock:
            return self._connection().execute(sql, params).fetchall()

    def write_many(self, batches: Sequence[Batch]) -> None:
        with self._lock:
            conn = self._connection()
            with conn.transaction(), conn.cursor() as cur:
                for statement, rows in batches:
                    cur.executemany(statement, rows)

    def _lock_rows(self, conn: Connection, ids: Iterable[int]) -> None:
        """Take the rows of `ids` for this transaction, in id order (so two writers never
        wait on each other in a circle)."""
        keys = [(self._rows, (i % 2**32) - 2**31) for i in sorted(set(ids))]
        with conn.cursor() as cur:
            cur.executemany("SELECT pg_advisory_xact_lock(%s, %s)", keys)

    # -- sync state ---------------------------------------------------------------------------

    def save_state(self, state: SyncState) -> None:
        """Save `state`, merged with what another replica may have saved since it was loaded
        (backend.merge_saved), under the row's lock."""
        with self._lock:
            conn = self._connection()
            with conn.transaction():
                row = conn.execute(
                    "SELECT value FROM meta WHERE key = 'sync_state' FOR UPDATE"
                ).fetchone()
                if row is not None:
                    state = merge_saved(SyncState.from_json(row[0]), state)
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('sync_state', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (state.to_json(),),
                )

    def analyze(self) -> None:
        """The planner's statistics, and the visibility map a fresh bulk load lacks (so
        count(*) and id lookups read the indexes alone)."""
        with self._lock:
            self._connection().execute("VACUUM (ANALYZE) tickets, ticket_text")

    # -- the lease: a session advisory lock on a connection of its own ------------------------

    def try_lease(self, owner: str, now: datetime, seconds: float) -> bool:
        """True while this store holds the account's sync lock (its connection alive).
        A lock connection that died lost the lease: False (the service raises LeaseLost);
        the next call tries to take it afresh."""
        with self._lock:
            conn = self._lease_conn
            if conn is not None and self._leased:
                try:
                    conn.execute("SELECT 1")
                    return True
                except psycopg.Error:
                    self._drop_lease_conn()
                    return False
            try:
                if conn is None or conn.closed or conn.broken:
                    self._drop_lease_conn()
                    conn = self._lease_conn = _open_connection(self._url, "atera-mcp sync lease")
                row = conn.execute(
                    "SELECT pg_try_advisory_lock(%s)", (lock_key(self.schema),)
                ).fetchone()
            except psycopg.Error:
                self._drop_lease_conn()
                raise
            self._leased = bool(row and row[0])
            return self._leased

    def release_lease(self, owner: str) -> None:
        with self._lock:
            conn = self._lease_conn
            if conn is not None and self._leased and not (conn.closed or conn.broken):
                # Should it fail, its connection is closed next: the lock goes with it.
                with contextlib.suppress(psycopg.Error):
                    conn.execute("SELECT pg_advisory_unlock(%s)", (lock_key(self.schema),))
            self._drop_lease_conn()

    def _drop_lease_conn(self) -> None:
        if self._lease_conn is not None:
            self._lease_conn.close()
        self._lease_conn, self._leased = None, False

    # -- tickets ------------------------------------------------------------------------------

    def upsert_tickets(self, tickets: Sequence[TicketDto], seen: Observation) -> int:
        """Insert or update tickets (one transaction); returns how many were new or changed."""
        if not tickets:
            return 0
        at, since = timestamp(seen.at) or 0.0, timestamp(seen.since)
        ordered = sorted(tickets, key=lambda t: t.ticket_id)  # stable: repeats keep their order
        ids = [t.ticket_id for t in ordered]
        changed = 0
        with self._lock:
            conn = self._connection()
            with conn.transaction():
                self._lock_rows(conn, ids)
                prior = {
                    row[0]: Prior(*row[1:]) for row in conn.execute(_COLUMNS, (ids,)).fetchall()
                }
                threads: dict[int, str] = dict(
                    conn.execute(
                        "SELECT ticket_id, body FROM threads WHERE ticket_id = ANY(%s)", (ids,)
                    ).fetchall()
                )
                for dto in ordered:
                    merged = merge_ticket(dto, prior.get(dto.ticket_id), at, since)
                    prior[dto.ticket_id] = merged.prior
                    if merged.row is None:
                        conn.execute(
                            "UPDATE tickets SET mod_lo = %s, mod_hi = %s WHERE id = %s",
                            (merged.prior.mod_lo, merged.prior.mod_hi, dto.ticket_id),
                        )
                        continue
                    changed += 1
                    row = merged.row
                    columns = ", ".join(row)
                    marks = ", ".join(f"%({name})s" for name in row)
                    updates = ", ".join(f"{name} = excluded.{name}" for name in row if name != "id")
                    conn.execute(
                        f"INSERT INTO tickets ({columns}) VALUES ({marks}) "  # our own names
                        f"ON CONFLICT (id) DO UPDATE SET {updates}",
                        row,
                    )
                    thread = threads.get(dto.ticket_id, "")
                    self._write_text(conn, dto.ticket_id, row["title"], merged.prior, thread)
        return changed

    @staticmethod
    def _write_text(
        conn: Connection, ticket_id: int, title: str, prior: Prior, thread: str
    ) -> None:
        comments = "\n".join(p for p in (thread, prior.last_comments) if p)
        conn.execute(
            "INSERT INTO ticket_text (id, description, doc) VALUES (%s, %s, %s::tsvector) "
            "ON CONFLICT (id) DO UPDATE SET description = excluded.description, "
            "doc = excluded.doc",
            (ticket_id, prior.description, document(title, prior.description, comments)),
        )

    def delete_ticket(self, ticket_id: int) -> bool:
        """Remove a ticket Atera no longer has (a 404); True when it was indexed."""
        with self._lock:
            conn = self._connection()
            with conn.transaction():
                self._lock_rows(conn, [ticket_id])
                gone = conn.execute("DELETE FROM tickets WHERE id = %s", (ticket_id,)).rowcount
                conn.execute("DELETE FROM ticket_text WHERE id = %s", (ticket_id,))
                conn.execute("DELETE FROM threads WHERE ticket_id = %s", (ticket_id,))
        return gone > 0

    # -- comments -----------------------------------------------------------------------------

    def replace_comments(
        self, ticket_id: int, comments: Sequence[TicketCommentDto], at: datetime | None = None
    ) -> None:
        """Store a ticket's whole comment thread (as read at `at`) and make it searchable;
        a ticket not indexed yet is left alone (as in SQLite)."""
        body = thread_text(comments)
        read_at = timestamp(at)
        with self._lock:
            conn = self._connection()
            with conn.transaction():
                self._lock_rows(conn, [ticket_id])
                found = conn.execute(_COLUMNS, ([ticket_id],)).fetchone()
                if found is None:
                    return
                title = conn.execute(
                    "SELECT title FROM tickets WHERE id = %s", (ticket_id,)
                ).fetchone()
                conn.execute(
                    "INSERT INTO threads (ticket_id, body, stored_at) VALUES (%s, %s, %s) "
                    "ON CONFLICT (ticket_id) DO UPDATE SET body = excluded.body, "
                    "stored_at = excluded.stored_at",
                    (ticket_id, body, read_at or 0.0),
                )
                conn.execute(
                    "UPDATE tickets SET comments_at = coalesce(%s, changed_at) WHERE id = %s",
                    (read_at, ticket_id),
                )
                assert title is not None
                self._write_text(conn, ticket_id, title[0], Prior(*found[1:]), body)

    # -- knowledge for modified_after ----------------------------------------------------------

    def settle_modified(self, since: datetime, modified: set[int], asked: set[int]) -> None:
        """Record what Atera's feed from `since` said (see IndexStore.settle_modified)."""
        moment = timestamp(since) or 0.0
        unmodified = sorted(asked - modified)
        with self._lock:
            conn = self._connection()
            with conn.transaction():
                # Row locks in id order; thousands of ids may be settled at once, too many for
                # advisory locks (they live in a small shared table).
                conn.execute(
                    "SELECT id FROM tickets WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                    (sorted(modified | asked),),
                )
                conn.execute(
                    "UPDATE tickets SET mod_lo = greatest(coalesce(mod_lo, %s), %s) "
                    "WHERE id = ANY(%s)",
                    (moment, moment, sorted(modified)),
                )
                conn.execute(
                    "UPDATE tickets SET mod_hi = least(mod_hi, %s) "
                    "WHERE id = ANY(%s) AND (mod_lo IS NULL OR mod_lo < %s)",
                    (moment - EPSILON, unmodified, moment),
                )

    def size(self) -> int:
        """Bytes the schema's tables and indexes take."""
        rows = self.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r'",
            (self.schema,),
        )
        return int(rows[0][0])
