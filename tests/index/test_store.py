"""The index store: the SQLite file (permissions, rebuilds, leases), and on both backends
upserts, modification bounds, comments and sync state."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from atera_mcp.domain.wire import TicketCommentDto, TicketDto
from atera_mcp.index.backend import IndexBackend
from atera_mcp.index.fts import text_query
from atera_mcp.index.query import TicketQuery, search
from atera_mcp.index.store import IndexStore, Observation, SyncState
from tests.index_backends import open_store_at

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def dto(ticket_id: int, **fields: object) -> TicketDto:
    base: dict[str, object] = {
        "TicketID": ticket_id,
        "TicketTitle": f"Ticket {ticket_id}",
        "TicketStatus": "Open",
        "TicketPriority": "Medium",
        "TicketCreatedDate": (T0 + timedelta(minutes=ticket_id)).isoformat(),
        "CustomerID": 1,
        "CustomerName": "Acme Corporation",
        "FirstComment": "The printer is jammed",
    }
    base.update(fields)
    return TicketDto.model_validate(base)


def ids(store: IndexBackend, **query: object) -> list[int]:
    page = search(store, TicketQuery(**query), limit=50)  # type: ignore[arg-type]
    return [h.row["id"] for h in page.hits]


def test_a_new_index_file_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "account.sqlite3"
    store = IndexStore.open(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert store.count() == 0
    store.close()


def test_a_corrupt_file_is_moved_aside_and_rebuilt_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "account.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING):
        store = IndexStore.open(path)
    assert store.count() == 0
    assert "rebuilding" in caplog.text
    assert (tmp_path / "account.sqlite3.old").exists()
    store.upsert_tickets([dto(1)], Observation(at=T0))
    assert store.count() == 1
    store.close()


def test_an_index_file_that_cannot_be_opened_for_now_is_left_in_place(
    tmp_path: Path,
) -> None:
    path = tmp_path / "account.sqlite3"
    IndexStore.open(path).close()
    content = path.read_bytes()
    os.mkdir(f"{path}-wal")  # SQLite cannot open the write-ahead log: an I/O error
    with pytest.raises(sqlite3.OperationalError):
        IndexStore.open(path)
    assert path.read_bytes() == content
    assert not list(tmp_path.glob("*.old"))


def test_a_file_of_an_older_schema_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "account.sqlite3"
    store = IndexStore.open(path)
    store.upsert_tickets([dto(1)], Observation(at=T0))
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    reopened = IndexStore.open(path)
    assert reopened.count() == 0
    reopened.close()


def test_sync_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "account.sqlite3"
    store = open_store_at(path)
    state = SyncState(phase="sweeping", sweep_started=T0, pages_total=9, pages_done={1, 4})
    store.save_state(state)
    store.close()
    again = open_store_at(path)
    assert again.load_state() == state
    again.close()


def test_upserts_count_only_new_or_changed_tickets(tmp_path: Path) -> None:
    store = open_store_at(tmp_path / "a.sqlite3")
    assert store.upsert_tickets([dto(1), dto(2)], Observation(at=T0)) == 2
    assert store.upsert_tickets([dto(1), dto(2)], Observation(at=T0)) == 0
    assert store.upsert_tickets([dto(1, TicketStatus="Pending")], Observation(at=T0)) == 1
    assert ids(store, statuses=("pending",)) == [1]
    assert store.ticket_ids() == {1, 2}
    assert store.delete_ticket(2)
    assert not store.delete_ticket(2)
    assert store.ticket_ids() == {1}


def test_an_answer_without_the_description_keeps_the_indexed_one(tmp_path: Path) -> None:
    store = open_store_at(tmp_path / "a.sqlite3")
    store.upsert_tickets([dto(1)], Observation(at=T0))
    store.upsert_tickets([dto(1, FirstComment=None)], Observation(at=T0))
    match = text_query("printer")
    assert match is not None
    assert ids(store, match=match) == [1]


def test_modification_bounds_follow_what_each_observation_proves(tmp_path: Path) -> None:
    store = open_store_at(tmp_path / "a.sqlite3")
    swept, later = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    store.upsert_tickets([dto(1), dto(2)], Observation(at=swept))
    # A sweep proves nothing about when a ticket last changed: both sides are possible.
    assert store.uncertain_since(T0) == {1, 2}
    assert store.uncertain_since(swept + timedelta(seconds=1)) == set()
    # The feed from `later` listed ticket 2: its last change is on or after `later`.
    store.upsert_tickets([dto(2)], Observation(at=later + timedelta(seconds=5), since=later))
    assert store.uncertain_since(T0) == {1}
    assert ids(store, modified_after=later.timestamp()) == [2]
    # Atera's feed from T0 listed ticket 2 only: ticket 1 was not modified since.
    store.settle_modified(T0, modified={2}, asked={1, 2})
    assert store.uncertain_since(T0) == set()
    assert ids(store, modified_after=T0.timestamp()) == [2]


def test_thread_text_is_searchable_and_clears_the_backlog(tmp_path: Path) -> None:
    store = open_store_at(tmp_path / "a.sqlite3")
    store.upsert_tickets([dto(1), dto(2, TicketStatus="Closed"), dto(3)], Observation(at=T0))
    assert store.comment_backlog(10) == [3, 1]
    comment = TicketCommentDto.model_validate(
        {"Date": T0.isoformat(), "Comment": "Replaced the fuser unit", "IsInternal": True}
    )
    store.replace_comments(1, [comment])
    assert store.comment_backlog(10) == [3]
    match = text_query("fuser")
    assert match is not None
    assert ids(store, match=match) == [1]
    # A later change (a new reply seen on the ticket) puts it back in the backlog.
    store.upsert_tickets(
        [dto(1, LastEndUserComment="Still jammed")], Observation(at=T0 + timedelta(days=1))
    )
    assert store.comment_backlog(10) == [3, 1]
    assert ids(store, match=text_query("fuser jammed")) == [1]


def test_one_owner_holds_the_sync_lease_until_it_expires(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    one, two = IndexStore.open(path), IndexStore.open(path)
    assert one.try_lease("one", T0, 30)
    assert not two.try_lease("two", T0 + timedelta(seconds=10), 30)
    assert one.try_lease("one", T0 + timedelta(seconds=20), 30)
    assert two.try_lease("two", T0 + timedelta(seconds=51), 30)
    two.release_lease("two")
    assert one.try_lease("one", T0 + timedelta(seconds=52), 30)


def test_an_answered_ticket_without_a_close_date_is_simply_not_overdue(tmp_path: Path) -> None:
    store = open_store_at(tmp_path / "a.sqlite3")
    answered = dto(
        1,
        TechnicianFirstCommentDate=(T0 + timedelta(minutes=5)).isoformat(),
        ClosedTicketDueDate=None,
    )
    late = dto(2, ClosedTicketDueDate=T0.isoformat())
    store.upsert_tickets([answered, late], Observation(at=T0))
    later = (T0 + timedelta(days=3)).timestamp()
    assert ids(store, overdue=True, now=later) == [2]
    assert ids(store, overdue=False, now=later) == [1]
    assert sorted(ids(store, now=later)) == [1, 2]


def test_both_backends_find_the_same_words_the_same_way(tmp_path: Path) -> None:
    store = open_store_at(tmp_path / "a.sqlite3")
    store.upsert_tickets(
        [
            dto(
                1,
                TicketTitle="Printer broken",
                FirstComment="Jammed tray. Mail john.doe@example.com: the café's VPN-gateway v2.1",
            ),
            dto(2, TicketTitle="Cafe wifi", FirstComment="Nothing else"),
        ],
        Observation(at=T0),
    )

    def found(text: str) -> list[int]:
        return sorted(ids(store, match=text_query(text)))

    assert found("john.doe@example.com") == [1]
    assert found("example") == [1]
    assert found("CAFÉ") == [1, 2]  # case and accents folded
    assert found("vpn gateway") == [1]
    assert found('"gateway vpn"') == []  # a phrase keeps its order
    assert found("gatew") == [1]  # the last word is a prefix
    assert found("v2.1") == [1]
    assert found("broken jammed") == [1]
    assert found('"broken jammed"') == []  # a phrase never spans the title and the description


def test_relevance_puts_the_title_above_the_description_above_comments(tmp_path: Path) -> None:
    store = open_store_at(tmp_path / "a.sqlite3")
    store.upsert_tickets(
        [
            dto(1, TicketTitle="Other", FirstComment="x", LastEndUserComment="the fuser again"),
            dto(2, TicketTitle="Other", FirstComment="the fuser is hot"),
            dto(3, TicketTitle="Fuser fault", FirstComment="x"),
        ],
        Observation(at=T0),
    )
    assert ids(store, match=text_query("fuser"), sort="relevance") == [3, 2, 1]


def test_a_ticket_with_nul_characters_is_indexed_and_found(tmp_path: Path) -> None:
    store = open_store_at(tmp_path / "a.sqlite3")
    nul = dto(
        1,
        TicketTitle="Printer\x00jam",
        FirstComment="toner\x00low",
        CustomerName="Nul\x00 Industries",
        LastEndUserComment="still\x00broken",
    )
    assert store.upsert_tickets([nul, dto(2, FirstComment="x")], Observation(at=T0)) == 2
    comment = TicketCommentDto.model_validate(
        {"Date": T0.isoformat(), "Comment": "fuser\x00replaced", "IsInternal": True}
    )
    store.replace_comments(1, [comment])
    for words in ("printer jam", "toner", "broken", "fuser replaced"):
        assert ids(store, match=text_query(words)) == [1], words
    assert ids(store, customer_text="industries") == [1]
    assert ids(store, customer_text="\x00", type="\x00") == []  # a search with one is no error


@pytest.mark.parametrize(
    ("text", "query", "found"),
    [
        ("Straße closed", "strasse", False),  # FTS5 lower-cases, it does not case-fold
        ("Straße closed", "STRAẞE", True),
        ("ﬁle server", "file", False),  # nor split ligatures
        ("άλφα backup", "αλφα", False),  # it strips accents from Latin letters only
        ("Café backup", "cafe", True),
        ("a🙂b", "a b", False),  # an emoji inside a word is part of it
        ("a🙂b", "a🙂b", False),  # (a query's words are letters and digits)
    ],
)
def test_both_backends_fold_words_as_fts5_does(
    tmp_path: Path, text: str, query: str, found: bool
) -> None:
    store = open_store_at(tmp_path / "a.sqlite3")
    store.upsert_tickets([dto(1, TicketTitle=text, FirstComment="x")], Observation(at=T0))
    assert ids(store, match=text_query(query)) == ([1] if found else [])


def test_a_term_fts5_finds_no_word_in_matches_nothing_on_both_backends(tmp_path: Path) -> None:
    store = open_store_at(tmp_path / "a.sqlite3")
    store.upsert_tickets([dto(1, TicketTitle="Printer jam")], Observation(at=T0))
    vowel_sign = "\u19b0"  # a letter to Python, not to FTS5's tokenizer
    assert ids(store, match=text_query(f"printer {vowel_sign}")) == []
    assert ids(store, match=text_query(vowel_sign)) == []


def test_text_matching_many_tickets_finds_the_same_pages_driven_by_the_filters(
    tmp_path: Path,
) -> None:
    store = open_store_at(tmp_path / "a.sqlite3")
    statuses = ("Open", "Pending", "Resolved", "Closed")
    store.upsert_tickets(
        [
            dto(
                n,
                TicketStatus=statuses[n % 4],
                TicketPriority=("Low", "Medium", "High", "Critical")[n % 3],
                CustomerID=1 + n % 2,
                CustomerName=("Acme Corporation", "Globex")[n % 2],
                TicketTitle=f"Printer {'jammed' if n % 5 else 'offline'} {n}",
            )
            for n in range(1, 121)
        ],
        Observation(at=T0),
    )
    printer, jammed = text_query("printer"), text_query("jammed")
    queries = [
        TicketQuery(match=printer),
        TicketQuery(match=jammed, statuses=("open", "pending")),
        TicketQuery(match=jammed, customer_ids=(2,), sort="oldest"),
        TicketQuery(match=printer, customer_text="acme", sort="priority"),
        TicketQuery(match=jammed, statuses=("closed",), sort="relevance"),
    ]
    for query in queries:
        pages: list[list[tuple[list[int], int]]] = []
        for few in (0, 10_000):  # every plan: by the filters and the order, or by the matches
            after, seen = None, []
            while True:
                page = search(store, query, limit=7, after=after, few_matches=few)
                seen.append(([h.row["id"] for h in page.hits], page.total))
                if len(page.hits) < 7:
                    break
                after = page.hits[-1].key
            pages.append(seen)
        assert pages[0] == pages[1]
        assert sum(len(ids) for ids, _ in pages[0]) == pages[0][0][1] > 0
