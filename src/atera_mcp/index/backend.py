"""What the index asks of its storage, whichever engine holds it: `IndexBackend`.

Two backends implement it: `IndexStore` (store.py, one SQLite file per account, the default)
and `PostgresStore` (postgres.py, one schema per account, shared by every replica). Sync,
upkeep, the service, the query builder and the tools use only what is declared here.

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
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from atera_mcp.domain.wire import TicketCommentDto, TicketDto
from atera_mcp.index.fts import TextQuery
from atera_mcp.index.rows import timestamp

if TYPE_CHECKING:
    from atera_mcp.index.people import Batch, Kind, PeopleState, PersonRow, Query

# Resolved and Closed are always done; the overdue index leaves them out (query.py says the same).
DONE_STATUS_KEYS = ("resolved", "closed")

# Indexes for searches at scale (500,000 tickets), the same on both engines: each filter that is
# common with a status answers from the index alone (the count, and the page's sort keys).
# Made on open when missing, so an existing index gains them without a rebuild.
SEARCH_INDEXES = (
    "CREATE INDEX IF NOT EXISTS tickets_status_customer ON tickets "
    "(status_key, customer_key, created)",
    "CREATE INDEX IF NOT EXISTS tickets_status_priority ON tickets "
    "(status_key, priority, priority_rank, created)",
    "CREATE INDEX IF NOT EXISTS tickets_due_open_created ON tickets (due_at, status_key, created) "
    "WHERE status_key NOT IN ('resolved', 'closed')",
    "DROP INDEX IF EXISTS tickets_due_open",  # the one above holds what it did, and more
)
# Relevance weights: the title above the description above comments.
TITLE_WEIGHT, DESCRIPTION_WEIGHT, COMMENTS_WEIGHT = 10.0, 4.0, 1.0
EPSILON = 0.001  # seconds: "before `since`" when Atera's feed says a ticket was not modified


@dataclass(frozen=True)
class Observation:
    """How tickets were seen: `at` when they were read, `since` a proven lower bound of their
    last modification (None when unknown)."""

    at: datetime
    since: datetime | None = None


@dataclass
class SyncState:
    """Where the account's sync stands; persisted by the backend.

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
    # Open first: the statuses (case-folded) whose every ticket was read before the rest of the
    # first sync, then kept by the delta feed; a search within them is complete meanwhile.
    statuses_read: frozenset[str] = frozenset()

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
                "statuses_read": sorted(self.statuses_read),
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
            statuses_read=frozenset(str(s) for s in data.get("statuses_read", [])),
        )


def merge_saved(current: SyncState, incoming: SyncState) -> SyncState:
    """What a save of `incoming` leaves stored over `current`, which another replica may have
    saved since `incoming` was loaded (a delta before a search needs no lease; a syncer learns
    it lost its lease only at its next page), or a delta while the first sync reads the rest
    of the history. A finished first sync is never put back to an unfinished one, and within
    one sweep or once ready the watermark and the times of the last delta and sweep never move
    back."""
    if current.phase == "ready" and incoming.phase != "ready":
        return current
    if incoming.phase != "ready" and incoming.sweep_started != current.sweep_started:
        return incoming  # another sweep begins: nothing of the last one carries over

    def later(a: datetime | None, b: datetime | None) -> datetime | None:
        return a if b is None or (a is not None and a > b) else b

    return replace(
        incoming,
        watermark=later(current.watermark, incoming.watermark),
        last_delta_at=later(current.last_delta_at, incoming.last_delta_at),
        last_full_sweep_at=later(current.last_full_sweep_at, incoming.last_full_sweep_at),
        statuses_read=current.statuses_read | incoming.statuses_read,
    )


class SchemaMismatch(Exception):
    """An index opened read-only is missing or empty (version None) or holds another schema
    version: never rebuilt by a read-only open."""

    def __init__(self, version: int | None, expected: int) -> None:
        super().__init__(f"schema version {version}, not {expected}")
        self.version = version


@dataclass(frozen=True)
class Dialect:
    """The few places the search SQL differs between engines (query.py builds the rest).

    Templates take `{match}` (the text query's parameter), `{haystack}` and `{needle}`."""

    name: str
    placeholder: str  # a named parameter: ":{}" (sqlite3) or "%({})s" (psycopg)
    true: str  # an always-true WHERE
    contains: str  # substring test
    text_ids: str  # the ids of tickets whose text matches
    text_ranked: str  # (rid, rank) of matching tickets; a lower rank is more relevant
    render: Callable[[TextQuery], str]  # the text query in the engine's own language


class SameOnBothEngines(ABC):
    """The reads whose SQL is the same on SQLite and PostgreSQL but for the parameter marks:
    both stores inherit them, over their own `execute`."""

    dialect: Dialect

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]: ...

    def load_state(self) -> SyncState:
        rows = self.execute("SELECT value FROM meta WHERE key = 'sync_state'")
        return SyncState.from_json(rows[0][0]) if rows else SyncState()

    def ticket_ids(self) -> set[int]:
        return {row[0] for row in self.execute("SELECT id FROM tickets")}

    def count(self) -> int:
        return int(self.execute("SELECT count(*) FROM tickets")[0][0])

    def count_status(self, key: str) -> int:
        """How many indexed tickets have the status whose case-folded name is `key`."""
        where = f"status_key = {self.dialect.placeholder.format('key')}"
        return int(self.execute(f"SELECT count(*) FROM tickets WHERE {where}", {"key": key})[0][0])

    def comment_backlog(self, limit: int) -> list[int]:
        """Ids of unresolved tickets whose comments are missing or older than their last
        change, newest ticket first."""
        rows = self.execute(
            "SELECT id FROM tickets WHERE status_key NOT IN ('resolved', 'closed') "
            "AND (comments_at IS NULL OR comments_at < changed_at) "
            f"ORDER BY created DESC, id DESC LIMIT {self.dialect.placeholder.format('limit')}",
            {"limit": limit},
        )
        return [row[0] for row in rows]

    def uncertain_since(self, since: datetime) -> set[int]:
        """Tickets the index cannot place before or after `since`: their last modification
        may be either side of it. Only Atera's feed can settle them."""
        moment = self.dialect.placeholder.format("moment")
        rows = self.execute(
            f"SELECT id FROM tickets WHERE (mod_lo IS NULL OR mod_lo < {moment}) "
            f"AND mod_hi >= {moment}",
            {"moment": timestamp(since)},
        )
        return {row[0] for row in rows}


class IndexBackend(Protocol):
    """One account's index storage. Every method blocks and is quick; async callers go
    through `TicketIndex.run`, one call at a time from one worker thread."""

    dialect: Dialect
    # Errors meaning the store could not do it (busy, down, full, damaged): a search answers
    # from the index as it is and a live read's copy is skipped, never failing a tool.
    failures: tuple[type[Exception], ...]
    # The subset worth retrying later as they are (busy, unreachable, disk full).
    transient: tuple[type[Exception], ...]
    # Seconds between lease attempts of a process that does not hold it (None: the refresh).
    lease_poll: float | None
    # Seconds between checks, while syncing, that the lease is still held (None: a third of
    # the lease). A lease that is a lock on a connection is checked after every page: when that
    # connection ends, another process may take over within seconds.
    lease_check: float | None

    def close(self) -> None: ...
    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        """Run one read-only statement of query.py; its rows as tuples."""
        ...

    def describe(self) -> str:
        """Where the index lives, for messages (never a password)."""
        ...

    def load_state(self) -> SyncState: ...
    def save_state(self, state: SyncState) -> None: ...
    def analyze(self) -> None: ...
    def try_lease(self, owner: str, now: datetime, seconds: float) -> bool: ...
    def release_lease(self, owner: str) -> None: ...
    def upsert_tickets(self, tickets: Sequence[TicketDto], seen: Observation) -> int: ...
    def delete_ticket(self, ticket_id: int) -> bool: ...
    def ticket_ids(self) -> set[int]: ...
    def count(self) -> int: ...
    def count_status(self, key: str) -> int: ...
    def replace_comments(
        self, ticket_id: int, comments: Sequence[TicketCommentDto], at: datetime | None = None
    ) -> None: ...
    def comment_backlog(self, limit: int) -> list[int]: ...
    def uncertain_since(self, since: datetime) -> set[int]: ...
    def settle_modified(self, since: datetime, modified: set[int], asked: set[int]) -> None: ...
    def size(self) -> int:
        """Bytes the index takes on disk."""
        ...

    # Customers and contacts (people.py).
    def write_many(self, batches: Sequence[Batch]) -> None: ...
    def load_people_state(self) -> PeopleState: ...
    def save_people_state(self, state: PeopleState) -> None: ...
    def upsert_people(self, kind: Kind, rows: Sequence[PersonRow], seen_at: float) -> None: ...
    def drop_people_unseen(self, kind: Kind, since: float) -> None: ...
    def match_people(self, kind: Kind, query: Query) -> list[tuple[int, str]]: ...
    def people_bodies(self, kind: Kind, ids: Sequence[int]) -> dict[int, str]: ...
    def name_vocabulary(self, kind: Kind, shortest: int, longest: int) -> list[str]: ...

    # Work-hour entries (ledger.py).
    def add_work_entries(
        self, rows: Sequence[dict[str, Any]], days: Sequence[str] = (), read_at: float = 0.0
    ) -> None: ...
    def days_read(self, days: Sequence[str]) -> dict[str, float]: ...
    def work_entries_between(self, lo: float, hi: float) -> list[tuple[Any, ...]]: ...
    def billable_seconds(self, ticket_ids: Sequence[int]) -> dict[int, int]: ...
    def ticket_owner(self, ticket_id: int) -> tuple[int | None, int | None]: ...
