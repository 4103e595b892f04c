"""search_tickets with the index off (a bounded scan), checked against brute force over every
ticket.

Each expectation is computed here from all tickets read through the client, independently of
the tool's own matching and ordering code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest

from atera_mcp.domain.views import is_overdue
from atera_mcp.domain.wire import TicketDto
from atera_mcp.errors import RuleError
from atera_mcp.tools.search import search_tickets
from atera_mcp.tools.search_bounded import COMMENT_SEARCH_LIMIT, INDEX_OFF
from atera_mcp.tools.search_scan import SCAN_BUDGET
from tests.contract.openapi_check import assert_contract
from tests.harness import NOW, rig, sandbox_app
from tests.tools.search_oracle import (
    FILTERS,
    RANK,
    SLA_FILTERS,
    assert_foreign_and_garbled_cursors_are_refused,
    every_ticket,
    newest,
    paths,
    search_everything,
    soonest_due,
)

pytestmark = pytest.mark.anyio


async def test_default_search_returns_the_newest_tickets_first_and_covers_a_small_account() -> None:
    async with rig() as r:
        tickets = await every_ticket(r)
        result = await search_tickets(r.ctx)
        assert [t.ticket_id for t in result.tickets] == newest(tickets)[:20]
        assert result.total == len(tickets)
        assert result.complete
        assert result.note == INDEX_OFF
        assert result.next_cursor is not None
        assert_contract(r.recorder.records)


@pytest.mark.parametrize(
    ("params", "wanted"), [f[1:] for f in FILTERS], ids=[f[0] for f in FILTERS]
)
async def test_each_filter_returns_exactly_the_matching_tickets_newest_first(
    params: dict[str, Any], wanted: Callable[[TicketDto], bool]
) -> None:
    async with rig() as r:
        expected = newest([t for t in await every_ticket(r) if wanted(t)])
        assert expected, "the seed should hold matches for every filter"
        ids, first = await search_everything(r.ctx, **params)
        assert ids == expected
        assert first.total == len(expected)
        assert first.complete
        assert_contract(r.recorder.records)


async def test_overdue_filter_agrees_with_the_sla_rule_both_ways() -> None:
    async with rig() as r:
        tickets = await every_ticket(r)
        late = [t for t in tickets if is_overdue(t, r.ctx.rules, NOW)]
        assert 0 < len(late) < len(tickets)
        assert (await search_everything(r.ctx, overdue=True))[0] == newest(late)
        on_time = [t for t in tickets if t not in late]
        assert (await search_everything(r.ctx, overdue=False))[0] == newest(on_time)


async def test_sla_and_waiting_filters_work_on_what_was_read() -> None:
    async with rig(sandbox_app(tickets=1500, seed=5)) as r:
        tickets = await every_ticket(r)
        for name, params, wanted in SLA_FILTERS:
            expected = [t for t in tickets if wanted(t)]
            assert expected, name
            ids, first = await search_everything(r.ctx, **params)
            assert ids == newest(expected), name
            assert first.total == len(expected), name
            assert first.complete, name
        ids, _ = await search_everything(r.ctx, sort="sla_due")
        assert ids == soonest_due(tickets)


async def test_status_and_customer_are_pushed_down_to_atera_one_call_per_status() -> None:
    async with rig() as r:
        await search_tickets(r.ctx, status=["Open", "Pending"], customer_id=1)
        queries = [e.request.url.params for e in r.recorder.records]
        assert {(q["customerId"], q["ticketStatus"]) for q in queries} == {
            ("1", "Open"),
            ("1", "Pending"),
        }


async def test_custom_statuses_are_searchable_once_configured() -> None:
    async with rig(custom_statuses={"Waiting on vendor": "Pending"}) as r:
        expected = newest(
            [t for t in await every_ticket(r) if t.ticket_status == "Waiting on vendor"]
        )
        assert expected
        assert (await search_everything(r.ctx, status=["waiting ON vendor"]))[0] == expected


async def test_modified_after_uses_the_lastmodified_feed_and_filters_locally() -> None:
    async with rig() as r:
        since = NOW - timedelta(days=3)
        modified = (await r.ctx.atera.tickets_modified_since(since)).items
        expected = newest([t for t in modified if t.ticket_priority == "High"])
        ids, first = await search_everything(r.ctx, modified_after=since, priority=["High"])
        assert ids == expected
        assert first.complete
        assert any(p.endswith("/tickets/lastmodified") for p in paths(r))
        assert_contract(r.recorder.records)


def _terms(query: str) -> list[str]:
    return re.findall(r"\w+", query.lower())


def _score(terms: list[str], title: str, description: str, comments: str = "") -> int:
    total = 0
    for term in terms:
        if term in title.lower():
            total += 3
        elif term in description.lower():
            total += 2
        elif term in comments.lower():
            total += 1
        else:
            return 0
    return total


async def test_query_needs_every_term_in_title_or_description_ignoring_case() -> None:
    async with rig() as r:
        tickets = await every_ticket(r)
        word = max(_terms(tickets[0].ticket_title or ""), key=len)
        query = f"{word.upper()}, the"
        terms = _terms(query)
        expected = [
            t for t in tickets if _score(terms, t.ticket_title or "", t.first_comment or "")
        ]
        ids, first = await search_everything(r.ctx, query=query)
        # Hundreds of tickets miss on title and description: too many to read comments for.
        assert ids == newest(expected)
        assert not first.complete
        assert first.note
        assert "Comments were not searched" in first.note
        assert not any(p.endswith("/comments") for p in paths(r))


async def test_comments_are_searched_when_few_candidates_miss_on_title_and_description() -> None:
    async with rig() as r:
        # Northwind Dental holds fewer tickets than the comment-search limit.
        mine = [t for t in await every_ticket(r) if t.customer_id == 2]
        assert 0 < len(mine) <= COMMENT_SEARCH_LIMIT
        comments = {
            t.ticket_id: "\n".join(
                c.comment or "" for c in (await r.ctx.atera.list_comments(t.ticket_id)).items
            )
            for t in mine
        }
        # A word found in some ticket's comments but in no title or description.
        words = {w for text in comments.values() for w in _terms(text) if len(w) > 5}
        plain = " ".join(f"{t.ticket_title} {t.first_comment}" for t in mine).lower()
        word = sorted(w for w in words if w not in plain)[0]
        expected = [t for t in mine if word in comments[t.ticket_id].lower()]
        ids, first = await search_everything(r.ctx, query=word.upper(), customer_id=2)
        assert ids == newest(expected)
        assert first.complete
        assert first.note == INDEX_OFF


async def test_relevance_ranks_title_hits_above_description_above_comments() -> None:
    async with rig() as r:
        tickets = [t for t in await every_ticket(r) if t.customer_id == 1]
        query = "printer"
        ids, _first = await search_everything(r.ctx, query=query, customer_id=1, sort="relevance")
        comments = {
            i: "\n".join(c.comment or "" for c in (await r.ctx.atera.list_comments(i)).items)
            for i in ids
        }
        by_id = {t.ticket_id: t for t in tickets}
        scores = [
            _score([query], by_id[i].ticket_title or "", by_id[i].first_comment or "", comments[i])
            for i in ids
        ]
        assert scores
        assert all(s > 0 for s in scores)
        assert scores == sorted(scores, reverse=True)
        expected = sorted(
            ids,
            key=lambda i: (-scores[ids.index(i)], -by_id[i].ticket_created_date.timestamp(), -i),  # type: ignore[union-attr]
        )
        assert ids == expected


async def test_oldest_and_priority_sorts_are_total_orders() -> None:
    async with rig() as r:
        tickets = await every_ticket(r)
        oldest, _ = await search_everything(r.ctx, sort="oldest")
        assert oldest == newest(tickets)[::-1]
        by_priority, _ = await search_everything(r.ctx, sort="priority")
        expected = sorted(
            tickets,
            key=lambda t: (
                RANK[t.ticket_priority or "Low"],
                -t.ticket_created_date.timestamp(),  # type: ignore[union-attr]
                -t.ticket_id,
            ),
        )
        assert by_priority == [t.ticket_id for t in expected]


async def test_recently_modified_sort_follows_the_lastmodified_feed() -> None:
    async with rig() as r:
        feed = (await r.ctx.atera.tickets_modified_since(datetime(2000, 1, 1, tzinfo=UTC))).items
        ids, first = await search_everything(r.ctx, sort="recently_modified")
        assert ids == [t.ticket_id for t in reversed(feed)]
        assert first.complete


async def test_cursor_pages_join_up_to_the_single_page_result() -> None:
    async with rig() as r:
        params: dict[str, Any] = {"status": ["Closed"], "sort": "priority"}
        whole = await search_tickets(r.ctx, limit=50, **params)
        ids: list[int] = []
        cursor = None
        while True:
            page = await search_tickets(r.ctx, limit=7, cursor=cursor, **params)
            ids += [t.ticket_id for t in page.tickets]
            assert page.total == whole.total
            cursor = page.next_cursor
            if cursor is None or len(ids) >= 50:
                break
        assert ids[:50] == [t.ticket_id for t in whole.tickets]


async def test_a_cursor_from_another_search_or_a_garbled_one_is_refused_plainly() -> None:
    async with rig() as r:
        await assert_foreign_and_garbled_cursors_are_refused(r.ctx)


async def test_a_cursor_ignores_the_order_and_case_of_list_values() -> None:
    async with rig() as r:
        params: dict[str, Any] = {"status": ["Open", "Closed"], "priority": ["Low", "High"]}
        first = await search_tickets(r.ctx, limit=3, **params)
        assert first.next_cursor
        swapped: dict[str, Any] = {"status": ["closed", "OPEN"], "priority": ["high", "low"]}
        second = await search_tickets(r.ctx, limit=3, cursor=first.next_cursor, **swapped)
        whole = await search_tickets(r.ctx, limit=6, **params)
        assert [t.ticket_id for t in first.tickets + second.tickets] == [
            t.ticket_id for t in whole.tickets
        ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": ["Done"]}, "Status 'Done' is not valid. Use one of: Open, Pending"),
        ({"priority": ["urgent"]}, "Priority 'urgent' is not valid"),
        ({"type": "bug"}, "Ticket type 'bug' is not valid"),
        ({"sort": "relevance"}, "needs a query"),
        ({"customer_id": 1, "customer_name": "acme"}, "not both"),
        ({"limit": 0}, "between 1 and 50"),
        (
            {"created_after": NOW, "created_before": NOW - timedelta(days=1)},
            "created_after must be earlier",
        ),
        ({"customer_name": "Acne Corporation"}, "Close names: Acme Corporation"),
    ],
)
async def test_invalid_searches_are_refused_with_what_is_valid(
    params: dict[str, Any], message: str
) -> None:
    async with rig() as r:
        with pytest.raises(RuleError, match=re.escape(message)):
            await search_tickets(r.ctx, **params)


async def test_searching_teaches_the_technician_directory() -> None:
    async with rig(technicians=(), technician_id=None) as r:
        assert r.ctx.directory.all() == []
        await search_tickets(r.ctx)
        learned = {t.id for t in r.ctx.directory.all()}
        assert learned == {t.technician_contact_id for t in await every_ticket(r)} - {None}


async def test_a_large_account_is_scanned_within_budget_and_says_it_is_incomplete() -> None:
    async with rig(sandbox_app(tickets=3000, seed=7)) as r:
        tickets = await every_ticket(r)
        r.recorder.records.clear()
        result = await search_tickets(r.ctx, priority=["Critical"])
        assert not result.complete
        assert result.note == (
            f"{INDEX_OFF} Scanned the newest 2,000 of 3,000 tickets; "
            "narrow by customer, status or modified_after."
        )
        scanned = tickets[:SCAN_BUDGET]  # Atera's own order: what the bounded walk reads
        assert {t.ticket_id for t in scanned} == set(newest(tickets)[:SCAN_BUDGET])
        expected = newest([t for t in scanned if t.ticket_priority == "Critical"])
        assert result.total == len(expected)
        assert [t.ticket_id for t in result.tickets] == expected[:20]
        assert len(r.recorder.records) == SCAN_BUDGET // 50
        assert_contract(r.recorder.records)


async def test_a_narrow_search_on_a_large_account_is_complete() -> None:
    async with rig(sandbox_app(tickets=3000, seed=7)) as r:
        tickets = await every_ticket(r)
        ids, first = await search_everything(r.ctx, status=["Open"], customer_name="acme")
        expected = [t for t in tickets if t.ticket_status == "Open" and t.customer_id == 1]
        assert first.complete
        assert ids == newest(expected)


async def test_only_real_atera_operations_are_requested() -> None:
    async with rig() as r:
        await search_tickets(r.ctx, query="outlook", customer_name="acme", sort="relevance")
        await search_tickets(r.ctx, modified_after=NOW - timedelta(days=1))
        assert_contract(r.recorder.records)
        assert all(re.fullmatch(r"GET /api/v3/(tickets|customers)(/.*)?", p) for p in paths(r))


@cache
def big_account() -> Any:
    return sandbox_app(tickets=3000, seed=7)


async def test_statuses_share_the_page_budget_so_small_ones_are_read_in_full() -> None:
    async with rig(big_account()) as r:
        tickets = await every_ticket(r)
        open_ = [t for t in tickets if t.ticket_status == "Open"]
        closed = [t for t in tickets if t.ticket_status == "Closed"]
        assert len(open_) + len(closed) > SCAN_BUDGET
        r.recorder.records.clear()
        await search_tickets(r.ctx, status=["Open", "closed"], type="Request")
        assert len(r.recorder.records) == SCAN_BUDGET // 50  # one search reads 40 pages
        ids, first = await search_everything(r.ctx, status=["Open", "closed"], type="Request")
        assert not first.complete
        # Budgets are whole pages: every Open page, and Closed pages fill the rest, newest first.
        open_pages = -(-len(open_) // 50)
        scanned = open_ + closed[: 50 * (SCAN_BUDGET // 50 - open_pages)]
        assert first.note == (
            f"{INDEX_OFF} Scanned the newest {len(scanned):,} of "
            f"{len(open_) + len(closed):,} tickets; narrow by customer, status or modified_after."
        )
        assert ids == newest([t for t in scanned if t.ticket_type == "Request"])


async def test_a_name_matching_many_customers_is_filtered_locally_within_budget() -> None:
    async with rig(big_account()) as r:
        tickets = await every_ticket(r)
        customers = (await r.ctx.atera.list_customers()).items
        matching = {c.customer_id for c in customers if "a" in (c.customer_name or "").lower()}
        assert len(matching) > SCAN_BUDGET // 50
        ids, first = await search_everything(r.ctx, customer_name="A", priority=["critical"])
        assert not first.complete
        assert first.note is not None
        assert "Scanned the newest 2,000 of" in first.note
        scanned = tickets[:SCAN_BUDGET]
        expected = [
            t for t in scanned if t.customer_id in matching and t.ticket_priority == "Critical"
        ]
        assert ids == newest(expected)


async def test_recently_modified_on_a_large_account_reads_the_latest_window_that_fits() -> None:
    async with rig(big_account()) as r:
        feed = (await r.ctx.atera.tickets_modified_since(datetime(2000, 1, 1, tzinfo=UTC))).items
        assert len(feed) == 3000
        r.recorder.records.clear()
        ids, first = await search_everything(r.ctx, sort="recently_modified", priority=["High"])
        assert not first.complete
        assert first.note is not None
        found = re.search(
            r"Scanned the ([\d,]+) most recently modified of 3,000 tickets", first.note
        )
        assert found is not None
        scanned = int(found.group(1).replace(",", ""))
        assert SCAN_BUDGET // 2 <= scanned <= SCAN_BUDGET
        window = feed[-scanned:]
        assert ids == [t.ticket_id for t in reversed(window) if t.ticket_priority == "High"]
        assert_contract(r.recorder.records)


async def test_the_bounded_scan_reads_the_newest_tickets_when_atera_lists_oldest_first() -> None:
    async with rig(sandbox_app(tickets=3000, seed=7, order="oldest")) as r:
        tickets = await every_ticket(r)
        result = await search_tickets(r.ctx, priority=["Critical"])
        assert not result.complete
        newest_ids = set(newest(tickets)[: SCAN_BUDGET - 50])
        shown = [t.ticket_id for t in result.tickets]
        assert shown
        assert set(shown) <= newest_ids
        critical = [t for t in tickets if t.ticket_priority == "Critical"]
        assert shown == newest(critical)[: len(shown)]
