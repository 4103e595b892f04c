"""Customers and contacts in the index: their tables, and name lookups over them.

The SQL is the same on SQLite and PostgreSQL but for the parameter marks, so both stores
inherit `PeopleTables`. Each row keeps Atera's DTO as it was read (`body`, JSON) beside the
folded keys a lookup compares (domain/fold.py): a match is a substring of a key, as Atera's
own contains-filters are, with accents and case folded. When no name matches exactly, each
query word may instead be a word of a stored name one typo away (`name_words` holds the
distinct words, so that pass reads a few thousand short strings, not every contact).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from atera_mcp.domain.fold import fold, name_key, near_words, words
from atera_mcp.domain.text import clean_text
from atera_mcp.domain.wire import ContactDto, CustomerDto
from atera_mcp.index.backend import Dialect

if TYPE_CHECKING:
    from atera_mcp.index.backend import IndexBackend

Kind = Literal["customers", "contacts"]
Params = dict[str, Any]
Batch = tuple[str, list[Params]]

# Appended to both engines' schemas (the same DDL is valid on each).
PEOPLE_DDL = """
CREATE TABLE customers (id BIGINT PRIMARY KEY, customer_id BIGINT, name_key TEXT NOT NULL,
    other_key TEXT NOT NULL, sort_key TEXT NOT NULL, body TEXT NOT NULL,
    seen_at DOUBLE PRECISION NOT NULL);
CREATE TABLE contacts (id BIGINT PRIMARY KEY, customer_id BIGINT, name_key TEXT NOT NULL,
    other_key TEXT NOT NULL, sort_key TEXT NOT NULL, body TEXT NOT NULL,
    seen_at DOUBLE PRECISION NOT NULL);
CREATE INDEX contacts_customer ON contacts (customer_id);
CREATE TABLE name_words (kind TEXT NOT NULL, word TEXT NOT NULL, PRIMARY KEY (kind, word))"""

_KINDS: tuple[Kind, ...] = ("customers", "contacts")


@dataclass(frozen=True)
class PersonRow:
    """A customer or contact as stored: `other_key` is the domain (customers) or the email."""

    id: int
    customer_id: int | None
    name_key: str
    other_key: str
    sort_key: str
    body: str

    def params(self, seen_at: float) -> Params:
        return {**self.__dict__, "seen_at": seen_at}


def full_name(c: ContactDto) -> str:
    return clean_text(" ".join(p for p in (c.firstname, c.lastname) if p), 120)


def customer_row(c: CustomerDto) -> PersonRow | None:
    if c.customer_id is None:
        return None
    return PersonRow(
        id=c.customer_id,
        customer_id=c.customer_id,
        name_key=name_key(c.customer_name),
        other_key=fold(c.domain),
        sort_key=(c.customer_name or "").casefold(),
        body=c.model_dump_json(exclude_none=True),
    )


def contact_row(c: ContactDto) -> PersonRow | None:
    if c.end_user_id is None:
        return None
    return PersonRow(
        id=c.end_user_id,
        customer_id=c.customer_id,
        name_key=name_key(" ".join(p for p in (c.firstname, c.lastname) if p)),
        other_key=fold(c.email),
        sort_key=full_name(c).casefold(),
        body=c.model_dump_json(exclude_none=True),
    )


@dataclass
class PeopleState:
    """When each kind was last read in full (None: never) and last caught up by date."""

    full: dict[str, datetime] = field(default_factory=dict)
    delta: dict[str, datetime] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "full": {k: v.timestamp() for k, v in self.full.items()},
                "delta": {k: v.timestamp() for k, v in self.delta.items()},
            }
        )

    @classmethod
    def from_json(cls, text: str) -> PeopleState:
        data: dict[str, dict[str, float]] = json.loads(text)

        def times(key: str) -> dict[str, datetime]:
            found = data.get(key, {})
            return {k: datetime.fromtimestamp(v, UTC) for k, v in found.items() if k in _KINDS}

        return cls(full=times("full"), delta=times("delta"))


@dataclass(frozen=True)
class Query:
    """A lookup: every group must match the name key (any word of a group will do), `other`
    the domain or email; `either` is (name fragment, other fragment), one of which must match.
    """

    groups: list[list[str]] = field(default_factory=list)
    other: str | None = None
    either: tuple[str, str] | None = None
    customer_id: int | None = None


class PeopleTables(ABC):
    """The directory's reads and writes, over each store's own `execute` and `write_many`."""

    dialect: Dialect

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]: ...

    @abstractmethod
    def write_many(self, batches: Sequence[Batch]) -> None:
        """Run each statement once per parameter set, all in one transaction."""

    def _mark(self, name: str) -> str:
        return self.dialect.placeholder.format(name)

    def load_people_state(self) -> PeopleState:
        rows = self.execute("SELECT value FROM meta WHERE key = 'people_state'")
        return PeopleState.from_json(rows[0][0]) if rows else PeopleState()

    def save_people_state(self, state: PeopleState) -> None:
        mark = self._mark("value")
        sql = (
            f"INSERT INTO meta (key, value) VALUES ('people_state', {mark}) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        )
        self.write_many([(sql, [{"value": state.to_json()}])])

    def upsert_people(self, kind: Kind, rows: Sequence[PersonRow], seen_at: float) -> None:
        """Insert or update rows (in id order, so two writers never wait in a circle)."""
        ordered = sorted({r.id: r for r in rows}.values(), key=lambda r: r.id)
        if not ordered:
            return
        columns = ("id", "customer_id", "name_key", "other_key", "sort_key", "body", "seen_at")
        marks = ", ".join(self._mark(c) for c in columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        upsert = (
            f"INSERT INTO {kind} ({', '.join(columns)}) VALUES ({marks}) "  # our own names
            f"ON CONFLICT (id) DO UPDATE SET {updates}"
        )
        vocabulary = sorted({w for r in ordered for w in r.name_key.split()[:-1]})
        add_word = (
            f"INSERT INTO name_words (kind, word) VALUES ({self._mark('kind')}, "
            f"{self._mark('word')}) ON CONFLICT (kind, word) DO NOTHING"
        )
        self.write_many(
            [
                (upsert, [r.params(seen_at) for r in ordered]),
                (add_word, [{"kind": kind, "word": w} for w in vocabulary]),
            ]
        )

    def drop_people_unseen(self, kind: Kind, since: float) -> None:
        """Delete the rows no read has seen since `since` (a complete full read began then)."""
        sql = f"DELETE FROM {kind} WHERE seen_at < {self._mark('since')}"
        self.write_many([(sql, [{"since": since}])])

    def match_people(self, kind: Kind, query: Query) -> list[tuple[int, str]]:
        """(id, sort key) of every row matching `query`."""
        contains = self.dialect.contains
        params: Params = {}
        where: list[str] = []
        for g, group in enumerate(query.groups):
            alternatives = []
            for w, word in enumerate(group):
                params[f"g{g}_{w}"] = word
                needle = self._mark(f"g{g}_{w}")
                alternatives.append(contains.format(haystack="name_key", needle=needle))
            where.append(f"({' OR '.join(alternatives)})")
        if query.other is not None:
            params["other"] = query.other
            where.append(contains.format(haystack="other_key", needle=self._mark("other")))
        if query.either is not None:
            params["either_name"], params["either_other"] = query.either
            name = contains.format(haystack="name_key", needle=self._mark("either_name"))
            other = contains.format(haystack="other_key", needle=self._mark("either_other"))
            where.append(f"({name} OR {other})")
        if query.customer_id is not None:
            params["customer"] = query.customer_id
            where.append(f"customer_id = {self._mark('customer')}")
        condition = " AND ".join(where) or self.dialect.true
        rows = self.execute(f"SELECT id, sort_key FROM {kind} WHERE {condition}", params)
        return [(int(row[0]), str(row[1])) for row in rows]

    def people_bodies(self, kind: Kind, ids: Sequence[int]) -> dict[int, str]:
        if not ids:
            return {}
        params = {f"i{n}": i for n, i in enumerate(ids)}
        marks = ", ".join(self._mark(name) for name in params)
        rows = self.execute(f"SELECT id, body FROM {kind} WHERE id IN ({marks})", params)
        return {int(row[0]): str(row[1]) for row in rows}

    def name_vocabulary(self, kind: Kind, shortest: int, longest: int) -> list[str]:
        rows = self.execute(
            f"SELECT word FROM name_words WHERE kind = {self._mark('kind')} "
            f"AND length(word) BETWEEN {self._mark('lo')} AND {self._mark('hi')}",
            {"kind": kind, "lo": shortest, "hi": longest},
        )
        return [str(row[0]) for row in rows]


def near_groups(store: IndexBackend, kind: Kind, terms: list[str]) -> list[list[str]] | None:
    """Each term with the stored name words one typo from it; None when no term has any (a
    second pass would find nothing new)."""
    groups, widened = [], False
    for term in terms:
        vocabulary = store.name_vocabulary(kind, len(term) - 1, len(term) + 1)
        near = near_words(term, vocabulary)
        widened = widened or bool(near)
        groups.append([term, *near])
    return groups if widened else None


def lookup(
    store: IndexBackend, kind: Kind, query: Query, name: str | None
) -> list[tuple[int, str]]:
    """The rows matching `query` exactly; when none do, the rows whose name has every word of
    `name`, each exactly or one typo away (with `query`'s other conditions but `either`)."""
    found = store.match_people(kind, query)
    terms = words(name)
    if found or not terms:
        return found
    groups = near_groups(store, kind, terms)
    if groups is None:
        return found
    return store.match_people(kind, Query(groups, query.other, None, query.customer_id))
