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

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from atera_mcp.domain.wire import TicketCommentDto, TicketDto

SCHEMA_VERSION = 1


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


class IndexStore:
    """The SQLite file of one account. Open it with `IndexStore.open(path)`."""

    path: Path

    @classmethod
    def open(cls, path: Path) -> IndexStore:
        """Open or create the file (mode 0600, parent 0700). A file of another schema version
        or a corrupt one is moved aside and rebuilt empty, with a warning logged."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # -- sync state ---------------------------------------------------------------------------

    def load_state(self) -> SyncState:
        raise NotImplementedError

    def save_state(self, state: SyncState) -> None:
        raise NotImplementedError

    # -- leases: one process syncs an account, any number read --------------------------------

    def try_lease(self, owner: str, now: datetime, seconds: float) -> bool:
        """Take or renew the sync lease for `owner`; False while another owner holds it."""
        raise NotImplementedError

    def release_lease(self, owner: str) -> None:
        raise NotImplementedError

    # -- tickets ------------------------------------------------------------------------------

    def upsert_tickets(self, tickets: Sequence[TicketDto], seen: Observation) -> int:
        """Insert or update tickets (one transaction); returns how many were new or changed.
        Last comments on the DTO (LastEndUserComment...) are indexed with the ticket."""
        raise NotImplementedError

    def delete_ticket(self, ticket_id: int) -> bool:
        """Remove a ticket Atera no longer has (a 404); True when it was indexed."""
        raise NotImplementedError

    def ticket_ids(self) -> set[int]:
        raise NotImplementedError

    def count(self) -> int:
        raise NotImplementedError

    # -- comments -----------------------------------------------------------------------------

    def replace_comments(self, ticket_id: int, comments: Sequence[TicketCommentDto]) -> None:
        """Store a ticket's whole comment thread (as read from Atera) and make it searchable;
        marks the ticket's comments as current."""
        raise NotImplementedError

    def comment_backlog(self, limit: int) -> list[int]:
        """Ids of Open and Pending tickets whose comments are missing or older than their last
        change, newest ticket first."""
        raise NotImplementedError

    # -- knowledge for modified_after ----------------------------------------------------------

    def settle_modified(self, since: datetime, modified: set[int], asked: set[int]) -> None:
        """Record what Atera's feed from `since` said: ids in `modified` were modified on or
        after `since`, the other ids of `asked` were not."""
        raise NotImplementedError

    def file_size(self) -> int:
        raise NotImplementedError
