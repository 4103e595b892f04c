"""Which index backend the index-backed tests run on: SQLite files or PostgreSQL schemas.

A test whose body opens the index through the shared wiring (`indexed_rig`, `open_index`,
`open_store`) runs once per backend (conftest.py parametrizes it). `location(path)` maps the
file path such a test names to the current backend's place: the path itself, or a schema of
the test's own on the real PostgreSQL (the same path, the same schema), dropped afterwards.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import CodeType

import psycopg
import pytest
from psycopg import sql

from atera_mcp.index.backend import IndexBackend
from atera_mcp.index.postgres import PostgresTarget
from atera_mcp.index.service import Location, open_store

BACKENDS = ("sqlite", "postgres")
# The names a test body uses to reach the index: such a test runs on both backends, unless
# it also reaches the SQLite file itself (its permissions, its lease rows, its errors, raw SQL).
WIRING = frozenset({"indexed_rig", "open_index", "open_store_at"})
SQLITE_ONLY = frozenset({"IndexStore", "sqlite3", "execute"})

_current: tuple[str, str] | None = None  # (database URL, schema prefix) while on PostgreSQL
_opened: list[IndexBackend] = []  # stores a test opened with open_store_at, closed after it


def on_backend(backend: str) -> pytest.MarkDecorator:
    """Run a test on one backend only (one about that backend's own behaviour)."""
    return pytest.mark.parametrize("index_backend", [backend], indirect=True)


def _names(code: CodeType) -> set[str]:
    """The global and attribute names `code` and the functions nested in it use."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _names(const)
    return names


def uses_every_backend(function: Callable[..., object]) -> bool:
    names = _names(function.__code__)
    return bool(WIRING & names) and not SQLITE_ONLY & names


@contextmanager
def on_postgres(url: str) -> Iterator[None]:
    """Point `location` at PostgreSQL for one test; drop the schemas it made afterwards."""
    global _current
    prefix = f"atera_t{secrets.token_hex(4)}"
    _current = (url, prefix)
    try:
        yield
    finally:
        _current = None
        while _opened:
            _opened.pop().close()
        with psycopg.connect(url, autocommit=True) as conn:
            names = conn.execute(
                "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", (prefix,)
            ).fetchall()
            for (name,) in names:
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def location(path: Path) -> Location:
    """Where the index a test names by `path` lives on the current backend."""
    if _current is None:
        return path
    url, prefix = _current
    return PostgresTarget(url, f"{prefix}_{hashlib.sha256(str(path).encode()).hexdigest()[:8]}")


def open_store_at(path: Path) -> IndexBackend:
    """The store a test names by `path`, on the current backend (closed after the test)."""
    store = open_store(location(path))
    _opened.append(store)
    return store
