"""The PostgreSQL backend's schema: one schema per Atera account, `atera_{fingerprint[:16]}`.

The same tables as the SQLite file (schema.py), with the searchable text as a `tsvector`
(title weight A, description B, comments C) under a GIN index. The document is built here, in
Python, from the words `fts.tokens()` finds, so PostgreSQL indexes exactly the words FTS5 does
(its own parser would split e-mail addresses, hosts and hyphenated words differently). A schema
of another version is dropped and rebuilt, with a warning: the index is a cache of Atera.
"""

from __future__ import annotations

import hashlib
import logging
import re

import psycopg
from psycopg import sql

from atera_mcp.index.backend import SEARCH_INDEXES
from atera_mcp.index.fts import literal, tokens
from atera_mcp.index.ledger import LEDGER_DDL
from atera_mcp.index.people import PEOPLE_DDL

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4  # 2: customers and contacts; 3: work entries; 4: sla_due, wait_basis
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

MAX_POSITION = 16383  # PostgreSQL's largest tsvector position (later words share it)
MAX_DOCUMENT = 900_000  # bytes: a tsvector holds at most 1 MiB; a longer thread is cut here

_DDL = (
    """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tickets (
    id BIGINT PRIMARY KEY,
    number TEXT,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    status_key TEXT NOT NULL,
    priority TEXT,
    priority_rank INTEGER NOT NULL,
    type TEXT,
    impact TEXT,
    customer_id BIGINT,
    customer_name TEXT NOT NULL,
    customer_key TEXT NOT NULL,
    end_user_id BIGINT,
    end_user_name TEXT NOT NULL,
    end_user_email_key TEXT,
    technician_id BIGINT,
    technician_name TEXT,
    technician_email_key TEXT,
    created DOUBLE PRECISION NOT NULL,
    resolved DOUBLE PRECISION,
    response_due DOUBLE PRECISION,
    first_response_at DOUBLE PRECISION,
    close_due DOUBLE PRECISION,
    due_at DOUBLE PRECISION,
    sla_due DOUBLE PRECISION,
    sla_estimated INTEGER NOT NULL DEFAULT 0,
    wait_basis TEXT,
    mod_lo DOUBLE PRECISION,
    mod_hi DOUBLE PRECISION NOT NULL,
    digest TEXT NOT NULL,
    last_comments TEXT NOT NULL,
    changed_at DOUBLE PRECISION NOT NULL,
    comments_at DOUBLE PRECISION
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
CREATE TABLE threads (ticket_id BIGINT PRIMARY KEY, body TEXT NOT NULL,
                      stored_at DOUBLE PRECISION NOT NULL);
CREATE TABLE ticket_text (id BIGINT PRIMARY KEY, description TEXT NOT NULL, doc TSVECTOR NOT NULL);
CREATE INDEX ticket_text_doc ON ticket_text USING gin (doc);
"""
    + PEOPLE_DDL
    + ";\n"
    + LEDGER_DDL
)


def schema_for(fingerprint: str) -> str:
    """The schema of the account whose settings fingerprint is `fingerprint`."""
    return f"atera_{fingerprint[:16]}"


def check_name(schema: str) -> str:
    if not _NAME.match(schema):
        raise ValueError(f"not a schema name this index uses: {schema!r}")
    return schema


def lock_key(schema: str) -> int:
    """A signed 64-bit advisory lock key naming the schema's sync lease."""
    return int.from_bytes(hashlib.blake2b(schema.encode(), digest_size=8).digest(), signed=True)


def creation_lock_key(schema: str) -> int:
    """The advisory lock key replicas take turns on to create (or rebuild) the schema. Not the
    lease's: the syncing replica holds that one for as long as it lives, and a replica starting
    meanwhile must not wait for it to die."""
    return lock_key(f"{schema}/create")


def row_lock_space(schema: str) -> int:
    """The first key (signed 32-bit) of the two-key advisory locks on the schema's rows."""
    return int.from_bytes(hashlib.blake2b(schema.encode(), digest_size=4).digest(), signed=True)


def document(title: str, description: str, comments: str) -> str:
    """The tsvector literal of a ticket: every word at its position, with the weight of the
    field it is in. A gap between fields keeps a phrase from spanning two of them (FTS5's
    phrases stay within a column)."""
    positions: dict[str, list[str]] = {}
    size, at = 0, 0
    for text, weight in ((title, "A"), (description, "B"), (comments, "C")):
        for word in tokens(text):
            at += 1
            spots = positions.get(word)
            if spots is None:
                size += len(word.encode()) + 8
                if size > MAX_DOCUMENT:
                    break
                spots = positions[word] = []
            if len(spots) < 256:  # PostgreSQL keeps at most 256 positions of a word
                spots.append(f"{min(at, MAX_POSITION)}{weight}")
                size += 2
        at += 1  # the gap
    return " ".join(f"{literal(word)}:{','.join(spots)}" for word, spots in positions.items())


class SchemaRefused(psycopg.Error):
    """The account's schema exists but this process must not rebuild it: a newer atera-mcp
    wrote it (a rolling upgrade: the old replicas must not drop the new ones' index, nor the
    new ones the old's back and forth), or it is not an index schema at all (never drop what
    we did not make). A `psycopg.Error`, so callers treat it as the store failing."""


def schema_version(conn: psycopg.Connection[tuple[object, ...]], schema: str) -> int | None:
    """The schema's version; None when it does not exist, -1 when it is not ours."""
    found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
    if found is None:
        return None
    meta = conn.execute("SELECT to_regclass(%s)", (f"{schema}.meta",)).fetchone()
    if meta is None or meta[0] is None:
        return -1
    row = conn.execute(
        sql.SQL("SELECT value FROM {}.meta WHERE key = 'schema_version'").format(
            sql.Identifier(schema)
        )
    ).fetchone()
    value = str(row[0]) if row else ""
    return int(value) if value.isdigit() else -1


def prepare(conn: psycopg.Connection[tuple[object, ...]], schema: str) -> None:
    """Create the schema when missing; drop and rebuild one of an older version (refuse a
    newer one, or a schema that is not an index: `SchemaRefused`). Replicas
    starting at once take turns (a transaction-level advisory lock on the schema's key)."""
    name = sql.Identifier(check_name(schema))
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (creation_lock_key(schema),))
        version = schema_version(conn, schema)
        if version == SCHEMA_VERSION:
            # Only the search indexes an older release did not make.
            conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(name))
            for statement in SEARCH_INDEXES:
                conn.execute(statement)  # our own DDL
            return
        if version == -1:
            raise SchemaRefused(
                f"PostgreSQL schema {schema} exists but is not an atera-mcp index; "
                "it is left alone. Drop or rename it to let the index be built there."
            )
        if version is not None and version > SCHEMA_VERSION:
            raise SchemaRefused(
                f"The ticket index schema {schema} was written by a newer atera-mcp (schema "
                f"version {version}, this one knows {SCHEMA_VERSION}); it is left as it is. "
                "Upgrade this replica."
            )
        if version is not None:
            log.warning(
                "The ticket index schema %s has version %s, not %s; rebuilding it from Atera.",
                schema,
                version,
                SCHEMA_VERSION,
            )
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(name))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(name))
        conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(name))
        for statement in (*_DDL.split(";\n"), *SEARCH_INDEXES):
            conn.execute(statement)  # our own DDL
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', %s)", (str(SCHEMA_VERSION),)
        )
