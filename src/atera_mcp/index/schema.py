"""The index file's schema, and opening a file safely: permissions, version, corruption.

One row per ticket holds what search filters and sorts on and what a search hit shows; the
searchable text (title, description, comments) lives in an FTS5 table whose rowid is the ticket
id. A file written by another schema version, or one SQLite cannot read, is moved aside and
rebuilt: the index is a cache of Atera, never the only copy of anything.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from atera_mcp.index.backend import (
    COMMENTS_WEIGHT,
    DESCRIPTION_WEIGHT,
    DONE_STATUS_KEYS,
    SEARCH_INDEXES,
    TITLE_WEIGHT,
    SchemaMismatch,
)
from atera_mcp.index.ledger import LEDGER_DDL
from atera_mcp.index.people import PEOPLE_DDL

log = logging.getLogger(__name__)

__all__ = [
    "COMMENTS_WEIGHT",
    "DESCRIPTION_WEIGHT",
    "DONE_STATUS_KEYS",
    "TITLE_WEIGHT",
    "SchemaMismatch",
]

SCHEMA_VERSION = 5  # 2: due_at, email indexes; 3: customers, contacts; 4: work entries;
# 5: sla_due, sla_estimated, wait_basis

_DDL = (
    """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    number TEXT,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    status_key TEXT NOT NULL,
    priority TEXT,
    priority_rank INTEGER NOT NULL,
    type TEXT,
    impact TEXT,
    customer_id INTEGER,
    customer_name TEXT NOT NULL,
    customer_key TEXT NOT NULL,
    end_user_id INTEGER,
    end_user_name TEXT NOT NULL,
    end_user_email_key TEXT,
    technician_id INTEGER,
    technician_name TEXT,
    technician_email_key TEXT,
    created REAL NOT NULL,
    resolved REAL,
    response_due REAL,
    first_response_at REAL,
    close_due REAL,
    due_at REAL,
    sla_due REAL,
    sla_estimated INTEGER NOT NULL DEFAULT 0,
    wait_basis TEXT,
    mod_lo REAL,
    mod_hi REAL NOT NULL,
    digest TEXT NOT NULL,
    last_comments TEXT NOT NULL,
    changed_at REAL NOT NULL,
    comments_at REAL
);
CREATE INDEX tickets_created ON tickets (created, id);
CREATE INDEX tickets_status ON tickets (status_key, created);
CREATE INDEX tickets_customer ON tickets (customer_id, created);
CREATE INDEX tickets_technician ON tickets (technician_id, status_key);
CREATE INDEX tickets_technician_email ON tickets (technician_email_key);
CREATE INDEX tickets_end_user_email ON tickets (end_user_email_key, created);
CREATE INDEX tickets_sla_open ON tickets (sla_due, status_key, created)
    WHERE status_key NOT IN ('resolved', 'closed');
CREATE INDEX tickets_wait_open ON tickets (wait_basis, status_key, created, sla_due)
    WHERE status_key NOT IN ('resolved', 'closed');
CREATE INDEX tickets_sla_order ON tickets (
    (coalesce(CASE WHEN status_key NOT IN ('resolved', 'closed') THEN sla_due END, 1e+300)),
    id, status_key);
CREATE INDEX tickets_modified ON tickets (mod_lo, mod_hi);
CREATE TABLE threads (ticket_id INTEGER PRIMARY KEY, body TEXT NOT NULL, stored_at REAL NOT NULL);
CREATE TABLE lease (id INTEGER PRIMARY KEY CHECK (id = 1), owner TEXT NOT NULL,
                    expires REAL NOT NULL);
CREATE VIRTUAL TABLE ticket_text USING fts5(
    title, description, comments,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
"""
    + PEOPLE_DDL
    + ";\n"
    + LEDGER_DDL
)


def _private_file(path: Path) -> None:
    """Create the directory (0700) and the file (0600) before SQLite does: it holds customer
    data. SQLite gives its -wal and -shm files the database file's permissions."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _connect(path: Path) -> sqlite3.Connection:
    _private_file(path)
    # One connection, used from one worker thread at a time (TicketIndex.run serialises).
    conn = sqlite3.connect(path, timeout=30.0, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA busy_timeout = 30000")
    # 64 MiB of pages kept in memory (SQLite's default is 2 MiB): at 500,000 tickets a search
    # reads thousands of pages, and each one read from the file again costs a system call.
    conn.execute("PRAGMA cache_size = -65536")
    return conn


def _version(conn: sqlite3.Connection) -> int | None:
    """The schema version written in the file; None for an empty file."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    if not tables:
        return None
    if "meta" not in tables:
        return -1
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row and str(row[0]).isdigit() else -1


def _create(conn: sqlite3.Connection) -> None:
    """The schema, unless there is one; and the search indexes, unless they exist."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have created it between our check and the lock.
        if _version(conn) is None:
            for statement in _DDL.split(";\n"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        for statement in SEARCH_INDEXES:
            conn.execute(statement)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _move_aside(path: Path, why: str) -> None:
    log.warning("The ticket index at %s %s; rebuilding it from Atera.", path, why)
    for suffix in ("", "-wal", "-shm"):
        old = Path(f"{path}{suffix}")
        if old.exists():
            old.replace(Path(f"{path}{suffix}.old"))


def open_database(path: Path) -> sqlite3.Connection:
    """A connection to the index at `path`, created or rebuilt as needed. A file SQLite cannot
    read as a database, or one of another schema version, is moved aside (`*.old`) and started
    afresh. An OperationalError (the file locked past the busy timeout, an I/O error) is raised:
    the file may be fine and in use by another process, so it is never moved for that."""
    conn: sqlite3.Connection | None = None
    try:
        conn = _connect(path)
        version = _version(conn)
        if version is None:
            _create(conn)
            return conn
        if version == SCHEMA_VERSION:
            conn.execute("SELECT count(*) FROM ticket_text").fetchone()
            _create(conn)  # only the search indexes an older release did not make
            return conn
        conn.close()
        _move_aside(path, f"has schema version {version}, not {SCHEMA_VERSION}")
    except sqlite3.OperationalError:
        if conn is not None:
            conn.close()
        raise
    except sqlite3.DatabaseError as exc:  # not a database, or malformed
        if conn is not None:
            conn.close()
        _move_aside(path, f"could not be read ({exc})")
    conn = _connect(path)
    _create(conn)
    return conn


def open_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to an existing index (`atera-mcp index status`): it never
    creates, rebuilds or moves the file. SchemaMismatch for an empty file or another schema
    version; sqlite3.DatabaseError for a file SQLite cannot read."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30.0, check_same_thread=False)
    try:
        version = _version(conn)
        if version != SCHEMA_VERSION:
            raise SchemaMismatch(version, SCHEMA_VERSION)
    except BaseException:
        conn.close()
        raise
    return conn
