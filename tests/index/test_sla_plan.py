"""The SLA searches read their own indexes: the planner must be able to use them (SQLite)."""

from __future__ import annotations

from pathlib import Path

from atera_mcp.index.query import SORTS, TicketQuery, _filters, _live_due
from atera_mcp.index.store import IndexStore


def plan(store: IndexStore, q: TicketQuery, order: bool) -> str:
    sql, _ = _filters(q, store.dialect)
    where = " AND ".join(sql.where) or "1"
    by = SORTS["sla_due"][0][0].format(live_due=_live_due(sql, q))
    query = f"SELECT t.id FROM tickets t WHERE {where}" + (f" ORDER BY {by}, t.id" if order else "")
    return " ".join(str(row) for row in store.execute(f"EXPLAIN QUERY PLAN {query}", sql.params))


def test_the_sla_filters_and_the_sla_due_order_use_their_indexes(tmp_path: Path) -> None:
    store = IndexStore.open(tmp_path / "i.sqlite3")
    try:
        assert "tickets_sla_order" in plan(store, TicketQuery(sort="sla_due"), order=True)
        breached = plan(store, TicketQuery(sla=("breached",), now=1.0), order=False)
        assert "COVERING INDEX tickets_sla_open" in breached
        for waiting in ("us", "customer"):
            assert "COVERING INDEX tickets_wait_open" in plan(
                store, TicketQuery(waiting_on=waiting), order=False
            )
    finally:
        store.close()
