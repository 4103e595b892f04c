"""search_tickets answered from the local index, checked against brute force over every ticket.

Each expectation is computed here from all tickets read through the client, independently of
the index's own SQL.
"""

from __future__ import annotations

import base64
import json
import re
import unicodedata
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atera_mcp.domain.views import is_overdue
from atera_mcp.domain.wire import (
    AddCommentToTicketModel,
    CreateTicketModel,
    TechnicianCommentDetails,
    TicketDto,
)
from atera_mcp.errors import RuleError
from atera_mcp.index.service import TicketIndex
from atera_mcp.index.store import Observation
from atera_mcp.sandbox import sandbox_state
from atera_mcp.sandbox.config import TicketOrder
from atera_mcp.tools.search import search_tickets
from tests.harness import NOW, Rig, indexed_rig, rig, sandbox_app
from tests.tools.search_oracle import (
    FILTERS,
    RANK,
    SLA_FILTERS,
    assert_foreign_and_garbled_cursors_are_refused,
    every_ticket,
    newest,
    search_everything,
    sla_due_of,
    soonest_due,
    waiting_on_of,
)

pytestmark = pytest.mark.anyio

_WORD = re.compile(r"[^\W_]+")


def _words(text: str | None) -> set[str]:
    plain = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return {w.casefold() for w in _WORD.findall(plain)}


def _text_of(t: TicketDto) -> set[str]:
    return (
        _words(t.ticket_title)
        | _words(t.first_comment)
        | _words(t.last_end_user_comment)
        | _words(t.last_technician_comment)
    )


def matches_words(t: TicketDto, words: list[str]) -> bool:
    """Every word occurs as a word; the last one may be a prefix (two letters or more)."""
    bag = _text_of(t)
    *whole, last = words
    return all(w in bag for w in whole) and (
        last in bag or (len(last) >= 2 and any(b.startswith(last) for b in bag))
    )


async def add_ticket(r: Rig, title: str, description: str) -> int:
    new_id = await r.ctx.atera.create_ticket(
        CreateTicketModel(ticket_title=title, description=description, end_user_id=1001)
    )
    await refresh(r, new_id)
    return new_id


async def refresh(r: Rig, *ticket_ids: int) -> None:
    """Put the tickets as Atera has them now into the index (as a delta would)."""
    assert r.ctx.index is not None
    for ticket_id in ticket_ids:
        ticket = await r.ctx.atera.get_ticket(ticket_id)
        await r.ctx.index.record_ticket(ticket, Observation(at=r.ctx.index.now()))


async def test_a_search_answers_from_the_index_without_a_request(tmp_path: Path) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        tickets = await every_ticket(r)
        r.recorder.records.clear()
        result = await search_tickets(r.ctx)
        assert [t.ticket_id for t in result.tickets] == newest(tickets)[:20]
        assert result.total == len(tickets)
        assert result.complete
        assert result.as_of is not None
        assert result.note is None
        assert r.recorder.records == []


@pytest.mark.parametrize(
    ("params", "wanted"), [f[1:] for f in FILTERS], ids=[f[0] for f in FILTERS]
)
async def test_each_filter_returns_exactly_the_matching_tickets_newest_first(
    tmp_path: Path, params: dict[str, Any], wanted: Any
) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        expected = newest([t for t in await every_ticket(r) if wanted(t)])
        assert expected, "the seed should hold matches for every filter"
        ids, first = await search_everything(r.ctx, **params)
        assert ids == expected
        assert first.total == len(expected)
        assert first.complete


async def test_overdue_filter_agrees_with_the_sla_rule_both_ways(tmp_path: Path) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        tickets = await every_ticket(r)
        late = [t for t in tickets if is_overdue(t, r.ctx.rules, NOW)]
        assert 0 < len(late) < len(tickets)
        ids, first = await search_everything(r.ctx, overdue=True)
        assert ids == newest(late)
        assert all(t.overdue for t in first.tickets)
        on_time = [t for t in tickets if t not in late]
        assert (await search_everything(r.ctx, overdue=False))[0] == newest(on_time)


async def test_each_sla_and_waiting_filter_is_exact_against_brute_force_without_a_request(
    tmp_path: Path,
) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3", sandbox_app(tickets=1500, seed=5)) as r:
        tickets = await every_ticket(r)
        r.recorder.records.clear()
        for name, params, wanted in SLA_FILTERS:
            expected = [t for t in tickets if wanted(t)]
            assert 0 < len(expected) < len(tickets), name
            ids, first = await search_everything(r.ctx, **params)
            assert ids == newest(expected), name
            assert first.total == len(expected), name
            ids, first = await search_everything(r.ctx, sort="sla_due", **params)
            assert ids == soonest_due(expected), name
        assert r.recorder.records == []


async def test_sla_due_sort_puts_the_soonest_first_and_tickets_without_a_clock_last(
    tmp_path: Path,
) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        tickets = await every_ticket(r)
        ids, _ = await search_everything(r.ctx, sort="sla_due")
        assert ids == soonest_due(tickets)


async def test_hits_carry_the_sla_and_who_the_ticket_waits_on(tmp_path: Path) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        by_id = {t.ticket_id: t for t in await every_ticket(r)}
        _, first = await search_everything(r.ctx, sort="sla_due")
        result = await search_tickets(r.ctx, limit=50)
        seen_estimated = False
        for hit in first.tickets + result.tickets:
            t = by_id[hit.ticket_id]
            assert hit.sla_due == sla_due_of(t)
            assert hit.waiting_on == waiting_on_of(t)
            if hit.sla_due is not None:
                assert hit.sla_state == ("breached" if hit.sla_due < NOW else hit.sla_state)
            estimated = (
                t.first_response_due_date is None and t.technician_first_comment_date is None
            )
            assert hit.sla_estimated == (estimated and hit.sla_due is not None)
            seen_estimated |= hit.sla_estimated
            compact = hit.model_dump(mode="json")
            assert "sla_estimated" not in compact or compact["sla_estimated"] is True
            assert None not in compact.values()
        assert seen_estimated


async def test_sla_parameters_out_of_range_are_refused_plainly(tmp_path: Path) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        for window in (0, 10081):
            with pytest.raises(RuleError, match="sla_window_minutes must be between 1 and"):
                await search_tickets(r.ctx, sla=["at_risk"], sla_window_minutes=window)


async def test_custom_statuses_count_as_their_base_status(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite3"
    async with indexed_rig(path, custom_statuses={"Waiting on vendor": "Resolved"}) as r:
        tickets = await every_ticket(r)
        waiting = [t for t in tickets if t.ticket_status == "Waiting on vendor"]
        assert waiting
        assert (await search_everything(r.ctx, status=["waiting ON vendor"]))[0] == newest(waiting)
        # Counted as resolved, a waiting ticket is never overdue.
        late = [t for t in tickets if is_overdue(t, r.ctx.rules, NOW)]
        assert not any(t in late for t in waiting)
        assert (await search_everything(r.ctx, overdue=True))[0] == newest(late)


async def test_oldest_and_priority_sorts_are_total_orders(tmp_path: Path) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        tickets = await every_ticket(r)
        assert (await search_everything(r.ctx, sort="oldest"))[0] == newest(tickets)[::-1]
        expected = sorted(
            tickets,
            key=lambda t: (
                RANK[t.ticket_priority or "Low"],
                -t.ticket_created_date.timestamp(),  # type: ignore[union-attr]
                -t.ticket_id,
            ),
        )
        by_priority, _ = await search_everything(r.ctx, sort="priority")
        assert by_priority == [t.ticket_id for t in expected]


async def test_words_must_all_occur_and_the_last_may_be_a_prefix(tmp_path: Path) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        tickets = await every_ticket(r)
        for query in ("printer", "PRINTER jam", "outlook pass", "vpn, the", "server disk"):
            words = [w.casefold() for w in _WORD.findall(query)]
            expected = newest([t for t in tickets if matches_words(t, words)])
            ids, first = await search_everything(r.ctx, query=query)
            assert ids == expected, query
            assert first.total == len(expected)


async def test_needles_in_titles_descriptions_and_replies_are_all_found(tmp_path: Path) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        in_title = [
            await add_ticket(r, f"Zebra-firewall rule {n} blocks VPN", "Nothing else")
            for n in (1, 2)
        ]
        in_text = await add_ticket(r, "Network trouble", "Since Monday the zebra-firewall drops")
        loose = await add_ticket(r, "Zebra stripes and a firewall", "zebra here, firewall there")
        ids, first = await search_everything(r.ctx, query="zebra-firewall")
        assert sorted(ids) == sorted([*in_title, in_text])
        assert first.total == 3
        quoted, _ = await search_everything(r.ctx, query='"zebra firewall"')
        assert sorted(quoted) == sorted(ids)
        both, _ = await search_everything(r.ctx, query="zebra firewall")
        assert loose in both
        # A reply carries a word no title or description has.
        await r.ctx.atera.add_comment(
            in_text,
            AddCommentToTicketModel(
                comment_text="Replaced the quokkabridge module",
                technician_comment_details=TechnicianCommentDetails(
                    technician_id=101, is_internal=False
                ),
            ),
        )
        await refresh(r, in_text)
        assert (await search_everything(r.ctx, query="quokkabridge"))[0] == [in_text]


async def test_relevance_ranks_title_above_description_above_replies(tmp_path: Path) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        in_comment = await add_ticket(r, "Slow laptop", "It is slow")
        await r.ctx.atera.add_comment(
            in_comment,
            AddCommentToTicketModel(
                comment_text="The wombatgate service was hung",
                technician_comment_details=TechnicianCommentDetails(
                    technician_id=101, is_internal=False
                ),
            ),
        )
        await refresh(r, in_comment)
        in_title = await add_ticket(r, "Wombatgate service down", "Users cannot log in")
        in_text = await add_ticket(r, "Login failures", "The wombatgate service is down")
        ids, first = await search_everything(r.ctx, query="wombatgate", sort="relevance")
        assert ids == [in_title, in_text, in_comment]
        assert first.total == 3


HOSTILE = [
    '"unbalanced',
    "zebra*",
    "-firewall",
    "NEAR(zebra firewall)",
    "printer AND OR NOT",
    "((( printer",
    "a:b",
    "title:printer",
    "^start",
    "😀 printer 🖨️",
    "‮printer‬",
    "printer" * 2000,
    " ".join(f"word{n}" for n in range(200)),
    "'; DROP TABLE tickets; --",
    "printer\x00jam",
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
async def test_any_user_text_is_data_never_query_syntax(tmp_path: Path, query: str) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        result = await search_tickets(r.ctx, query=query, sort="relevance")
        assert result.total >= 0
        assert len(result.tickets) <= 20


async def test_text_without_letters_or_digits_is_refused_plainly(tmp_path: Path) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        for query in ("😀🖨️", "***", '""', "- - -"):
            with pytest.raises(RuleError, match="no letters or digits"):
                await search_tickets(r.ctx, query=query)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(min_size=1, max_size=80))
async def test_random_text_never_breaks_the_query(tmp_path: Path, text: str) -> None:
    async with indexed_rig(tmp_path / "r.sqlite3") as r:
        if text.strip() and not re.search(r"[^\W_]", text):
            with pytest.raises(RuleError, match="no letters or digits"):
                await search_tickets(r.ctx, query=text)
            return
        result = await search_tickets(r.ctx, query=text)
        assert result.total >= 0


async def test_modified_after_asks_atera_once_where_the_index_cannot_know(tmp_path: Path) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        since = NOW - timedelta(days=3)
        modified = (await r.ctx.atera.tickets_modified_since(since)).items
        expected = newest([t for t in modified if t.ticket_priority == "High"])
        r.recorder.records.clear()
        ids, first = await search_everything(r.ctx, modified_after=since, priority=["High"])
        assert ids == expected
        assert first.complete
        asked = [e.request.url.path for e in r.recorder.records]
        assert asked
        assert all(p.endswith("/tickets/lastmodified") for p in asked)
        # The index remembers what the feed said: asking again costs nothing.
        r.recorder.records.clear()
        again, _ = await search_everything(r.ctx, modified_after=since, priority=["High"])
        assert again == expected
        assert r.recorder.records == []


async def test_pages_never_skip_or_repeat_while_tickets_change(tmp_path: Path) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        tickets = await every_ticket(r)
        matching = newest([t for t in tickets if t.ticket_status in ("Open", "Pending")])
        seen: list[int] = []
        page = await search_tickets(r.ctx, status=["Open", "Pending"], limit=7)
        newcomers: list[int] = []
        while True:
            seen += [t.ticket_id for t in page.tickets]
            # Underneath: a new ticket arrives and a ticket not yet reached changes priority.
            newcomers.append(await add_ticket(r, f"Arrived while paging {len(seen)}", "new"))
            if page.next_cursor is None:
                break
            page = await search_tickets(
                r.ctx, status=["Open", "Pending"], limit=7, cursor=page.next_cursor
            )
        assert seen == matching
        assert not set(newcomers) & set(seen)


async def test_a_cursor_from_another_search_or_a_garbled_one_is_refused_plainly(
    tmp_path: Path,
) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        await assert_foreign_and_garbled_cursors_are_refused(r.ctx)


async def test_a_hit_costs_under_a_fifth_of_atera_s_ticket_in_tokens(tmp_path: Path) -> None:
    # The goal is 22% of the raw TicketDto in o200k tokens (`make bench-tokens` measures it:
    # 20.9% on the sandbox's tickets). Characters run about a point above tokens here.
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        found = await r.ctx.atera.list_tickets_page(items_in_page=50)
        raw = [
            json.dumps(t.model_dump(mode="json", by_alias=True), separators=(",", ":"))
            for t in found.items or []
        ]
        result = await search_tickets(r.ctx, limit=50)
        hits = [
            json.dumps(h.model_dump(mode="json"), separators=(",", ":")) for h in result.tickets
        ]
        assert len(hits) == len(raw) == 50
        ratio = sum(map(len, hits)) / sum(map(len, raw))
        assert ratio <= 0.23, ratio


@pytest.mark.parametrize("order", ["newest", "oldest"])
async def test_exact_on_a_large_account_whatever_atera_lists_first(
    tmp_path: Path, order: TicketOrder
) -> None:
    app = sandbox_app(tickets=3000, seed=7, order=order)
    async with indexed_rig(tmp_path / "i.sqlite3", app) as r:
        tickets = await every_ticket(r)
        critical = [
            t for t in tickets if t.ticket_status == "Open" and t.ticket_priority == "Critical"
        ]
        ids, first = await search_everything(r.ctx, status=["Open"], priority=["Critical"])
        assert ids == newest(critical)
        assert first.total == len(critical)
        recent = [t for t in tickets if t.ticket_created_date >= NOW - timedelta(days=2)]  # type: ignore[operator]
        ids, first = await search_everything(r.ctx, created_after=NOW - timedelta(days=2))
        assert ids == newest(recent)
        assert recent
        assert first.total == len(recent)


async def test_exact_at_fifty_thousand_tickets_against_the_sandbox_s_own_data(
    tmp_path: Path,
) -> None:
    app = sandbox_app(tickets=50_000, seed=3, order="oldest")
    store = sandbox_state(app).store
    async with rig(app) as r:
        titled = [
            await r.ctx.atera.create_ticket(
                CreateTicketModel(
                    ticket_title=f"Zebra-firewall blocks site {n}",
                    description="Traffic stops at the edge",
                    end_user_id=1001,
                )
            )
            for n in range(7)
        ]
        described = [
            await r.ctx.atera.create_ticket(
                CreateTicketModel(
                    ticket_title=f"Branch {n} offline",
                    description="The zebra-firewall dropped every session",
                    end_user_id=1002,
                )
            )
            for n in range(5)
        ]
        index = await TicketIndex.open(tmp_path / "big.sqlite3", r.ctx.atera)
        try:
            await index.first_sync()
            r.ctx.index = index
            ids, first = await search_everything(r.ctx, query="zebra-firewall", sort="relevance")
            assert first.total == 12
            assert set(ids[:7]) == set(titled)
            assert set(ids[7:]) == set(described)
            critical = [
                t.id
                for t in store.tickets.values()
                if t.status == "Open" and t.priority == "Critical"
            ]
            result = await search_tickets(r.ctx, status=["Open"], priority=["Critical"])
            assert result.total == len(critical)
            recent = [t.id for t in store.tickets.values() if t.created >= NOW - timedelta(days=2)]
            result = await search_tickets(r.ctx, created_after=NOW - timedelta(days=2), limit=50)
            assert result.total == len(recent)
            assert {t.ticket_id for t in result.tickets} <= set(recent)
            assert result.complete
            # Months of changes are more than one search reads from Atera's feed: it says so
            # after one probe instead of spending the account's budget.
            r.recorder.records.clear()
            result = await search_tickets(r.ctx, modified_after=NOW - timedelta(days=150))
            assert not result.complete
            assert result.note is not None
            assert "more than one search reads" in result.note
            assert len(r.recorder.records) <= 2
        finally:
            await index.close()


async def test_a_forged_cursor_with_a_huge_number_is_refused_plainly(tmp_path: Path) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        first = await search_tickets(r.ctx, limit=5)
        assert first.next_cursor
        owner = json.loads(
            base64.urlsafe_b64decode(first.next_cursor + "=" * (-len(first.next_cursor) % 4))
        )["f"]
        forged = base64.urlsafe_b64encode(
            json.dumps({"o": [10**400, 1], "f": owner}).encode()
        ).decode()
        with pytest.raises(RuleError, match="cursor is not valid"):
            await search_tickets(r.ctx, limit=5, cursor=forged)


async def test_recently_modified_pages_never_repeat_after_the_index_learns_more(
    tmp_path: Path,
) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        assert r.ctx.index is not None
        first = await search_tickets(r.ctx, sort="recently_modified", limit=10)
        # Atera's feed is asked about the last three days: bounds of many tickets move.
        await search_tickets(r.ctx, modified_after=NOW - timedelta(days=3))
        seen = [t.ticket_id for t in first.tickets]
        page = first
        while page.next_cursor:
            page = await search_tickets(
                r.ctx, sort="recently_modified", limit=50, cursor=page.next_cursor
            )
            seen += [t.ticket_id for t in page.tickets]
        assert len(seen) == len(set(seen))
