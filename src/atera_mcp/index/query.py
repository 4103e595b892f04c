"""A ticket search as SQL over the index: filters, exact totals, sorts and keyset cursors.

Blocking: run it through `TicketIndex.run`. Every user value travels as a bound parameter; the
only text spliced into SQL is this module's own column names and operators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from atera_mcp.index.backend import DONE_STATUS_KEYS, Dialect, IndexBackend
from atera_mcp.index.fts import TextQuery

Sort = Literal["newest", "oldest", "priority", "recently_modified", "relevance", "sla_due"]
Direction = Literal["ASC", "DESC"]
# The sla_due sort key of a ticket without a running clock: after every time. Spelled as the
# index on the sort key (tickets_sla_order) spells it, so the planner can use that index.
NO_DUE = "1e+300"

# Each order ends on the ticket id, so it is total: a keyset cursor never skips or repeats.
SORTS: dict[Sort, tuple[tuple[str, Direction], ...]] = {
    "newest": (("t.created", "DESC"), ("t.id", "DESC")),
    "oldest": (("t.created", "ASC"), ("t.id", "ASC")),
    "priority": (("t.priority_rank", "ASC"), ("t.created", "DESC"), ("t.id", "DESC")),
    # By the proven earliest time of the last change (Atera's tickets carry no modified time):
    # it only ever moves forward, so a page already read is never served again.
    "recently_modified": (("coalesce(t.mod_lo, -1.0)", "DESC"), ("t.id", "DESC")),
    "relevance": (("f.rank", "ASC"), ("t.created", "DESC"), ("t.id", "DESC")),
    # Soonest first; tickets without a running clock last ({live_due} is filled in per query).
    "sla_due": ((f"coalesce({{live_due}}, {NO_DUE})", "ASC"), ("t.id", "ASC")),
}

HIT_COLUMNS = (
    "id",
    "number",
    "title",
    "status",
    "priority",
    "type",
    "impact",
    "customer_id",
    "customer_name",
    "end_user_id",
    "end_user_name",
    "technician_id",
    "technician_name",
    "created",
    "resolved",
)


@dataclass(frozen=True)
class TicketQuery:
    """A validated search. Keys (`statuses`, emails, `customer_text`) are case-folded; times
    are Unix seconds (UTC); `done_statuses` are the keys of statuses counted as resolved."""

    match: TextQuery | None = None
    statuses: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    type: str | None = None
    customer_ids: tuple[int, ...] | None = None
    customer_text: str | None = None
    technician_id: int | None = None
    technician_email: str | None = None
    technician_ids_for_email: tuple[int, ...] = ()
    end_user_email: str | None = None
    created_after: float | None = None
    created_before: float | None = None
    modified_after: float | None = None
    overdue: bool | None = None
    open_only: bool = False  # only tickets not counted as resolved (`done_statuses`)
    sla: tuple[str, ...] = ()  # any of "breached", "at_risk"
    sla_window: float = 3600.0  # seconds: what counts as at risk
    waiting_on: str | None = None  # "us" | "customer"
    unassigned: bool = False  # unresolved, with no technician
    now: float = 0.0
    done_statuses: tuple[str, ...] = ("resolved", "closed")
    pending_statuses: tuple[str, ...] = ("pending",)
    sort: Sort = "newest"


@dataclass(frozen=True)
class Hit:
    """One matching ticket: the shown columns, whether it is overdue, its sort key, and its
    SLA as of the query (`sla_due` in Unix seconds, None without a running clock)."""

    row: dict[str, Any]
    overdue: bool
    key: tuple[float, ...]
    sla_due: float | None = None
    sla_estimated: bool = False
    waiting_on: str | None = None


@dataclass(frozen=True)
class ResultPage:
    hits: list[Hit]
    total: int


class _Sql:
    """WHERE clauses and their named parameters, built up one filter at a time."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.where: list[str] = []
        self.params: dict[str, Any] = {}

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return self.dialect.placeholder.format(name)

    def any_of(self, column: str, values: tuple[Any, ...]) -> None:
        self.where.append(f"{column} IN ({', '.join(self.param(v) for v in values)})")


def _unresolved(sql: _Sql, q: TicketQuery) -> str:
    """The ticket is not done. The built-in done statuses are spelled literally so the
    planner can use the partial indexes of open tickets; custom ones are parameters."""
    builtin = ", ".join(f"'{key}'" for key in DONE_STATUS_KEYS)
    clause = f"t.status_key NOT IN ({builtin})"
    custom = [s for s in q.done_statuses if s not in DONE_STATUS_KEYS]
    if custom:
        clause += f" AND t.status_key NOT IN ({', '.join(sql.param(s) for s in custom)})"
    return clause


def _overdue(sql: _Sql, q: TicketQuery) -> str:
    """due_at (the first response if not given, or the close date, whichever is first) has
    passed and the ticket is not done."""
    # Spelled so it is never NULL (a ticket without a due date is simply not overdue), which
    # `NOT (...)` for overdue=false relies on.
    return f"(t.due_at IS NOT NULL AND t.due_at < {sql.param(q.now)} AND {_unresolved(sql, q)})"


def _sla(sql: _Sql, q: TicketQuery) -> str:
    """sla_due (stored whatever the status) against the query's own time: breached is due
    before now, at_risk due from now to now + the window; both at once is one range."""
    upper = q.now if set(q.sla) == {"breached"} else q.now + q.sla_window
    clause = f"t.sla_due < {sql.param(upper)} AND {_unresolved(sql, q)}"
    if "breached" not in q.sla:
        clause += f" AND t.sla_due >= {sql.param(q.now)}"
    return f"({clause})"


def _waiting(sql: _Sql, q: TicketQuery) -> str:
    """Who the ticket waits on ('us', 'customer' or NULL), from who wrote last and its status."""
    pending = ", ".join(sql.param(s) for s in q.pending_statuses) or "NULL"
    return (
        f"CASE WHEN t.wait_basis = 'us' AND {_unresolved(sql, q)} THEN 'us' "
        f"WHEN t.wait_basis = 'technician_last' AND t.status_key IN ({pending}) "
        "THEN 'customer' END"
    )


def _live_due(sql: _Sql, q: TicketQuery) -> str:
    """sla_due as the contract means it: none once the ticket is done."""
    return f"CASE WHEN {_unresolved(sql, q)} THEN t.sla_due END"


def _filters(q: TicketQuery, dialect: Dialect) -> tuple[_Sql, str]:
    sql = _Sql(dialect)
    if q.statuses:
        sql.any_of("t.status_key", q.statuses)
    if q.priorities:
        sql.any_of("t.priority", q.priorities)
    if q.type is not None:
        sql.where.append(f"t.type = {sql.param(q.type)}")
    if q.customer_ids is not None:
        sql.any_of("t.customer_id", q.customer_ids or (-1,))
    if q.customer_text is not None:
        needle = sql.param(q.customer_text)
        sql.where.append(dialect.contains.format(haystack="t.customer_key", needle=needle))
    if q.technician_id is not None:
        sql.where.append(f"t.technician_id = {sql.param(q.technician_id)}")
    if q.technician_email is not None:
        by_email = f"t.technician_email_key = {sql.param(q.technician_email)}"
        ids = ", ".join(sql.param(i) for i in q.technician_ids_for_email)
        sql.where.append(f"({by_email} OR t.technician_id IN ({ids}))" if ids else by_email)
    if q.end_user_email is not None:
        sql.where.append(f"t.end_user_email_key = {sql.param(q.end_user_email)}")
    if q.created_after is not None:
        sql.where.append(f"t.created >= {sql.param(q.created_after)}")
    if q.created_before is not None:
        sql.where.append(f"t.created < {sql.param(q.created_before)}")
    if q.modified_after is not None:
        sql.where.append(f"t.mod_lo >= {sql.param(q.modified_after)}")
    if q.open_only:
        sql.where.append(
            f"t.status_key NOT IN ({', '.join(sql.param(s) for s in q.done_statuses)})"
        )
    overdue = _overdue(sql, q)
    if q.overdue is not None:
        sql.where.append(overdue if q.overdue else f"NOT {overdue}")
    if q.unassigned:
        nobody = "t.technician_id IS NULL AND t.technician_email_key IS NULL"
        sql.where.append(f"({nobody} AND {_unresolved(sql, q)})")
    if q.sla:
        sql.where.append(_sla(sql, q))
    if q.waiting_on == "us":
        sql.where.append(f"(t.wait_basis = 'us' AND {_unresolved(sql, q)})")
    elif q.waiting_on == "customer":
        pending = ", ".join(sql.param(s) for s in q.pending_statuses) or "NULL"
        # Pending is never done; saying so lets the planner use the index of open tickets.
        sql.where.append(
            f"(t.wait_basis = 'technician_last' AND t.status_key IN ({pending}) "
            f"AND {_unresolved(sql, q)})"
        )
    return sql, overdue


# Text matches up to this many are read row by row from their ids; past it the filters' own
# indexes and the order's drive the search and each candidate is probed in the set of matches
# (read once): reading 30,000 matching rows by id only to keep 20 of them scales badly.
FEW_MATCHES = 2_000


def _source(sql: _Sql, q: TicketQuery, matches: int | None, few: int) -> tuple[str, str]:
    """(WITH clause, FROM clause). The text matches are read once per statement (a set, or
    for relevance a materialised CTE with their rank), never once per candidate row."""
    if q.match is None:
        return "", "tickets t"
    match = sql.param(sql.dialect.render(q.match))
    if q.sort != "relevance":
        # `+t.id`: the same test, but SQLite then uses no index for it (a no-op elsewhere).
        column = "t.id" if matches is not None and matches <= few else "+t.id"
        sql.where.append(f"{column} IN ({sql.dialect.text_ids.format(match=match)})")
        return "", "tickets t"
    ranked = sql.dialect.text_ranked.format(match=match)
    return f"WITH f AS MATERIALIZED ({ranked}) ", "f JOIN tickets t ON t.id = f.rid"


def _after(sql: _Sql, keys: tuple[tuple[str, Direction], ...], values: tuple[float, ...]) -> str:
    """Rows strictly after `values` in the order `keys`: (k1 > v1) OR (k1 = v1 AND (...))."""
    (expr, direction), *rest = keys
    value = sql.param(values[0])
    beyond = f"{expr} {'>' if direction == 'ASC' else '<'} {value}"
    if not rest:
        return beyond
    return f"({beyond} OR ({expr} = {value} AND {_after(sql, tuple(rest), values[1:])}))"


def search(
    store: IndexBackend,
    q: TicketQuery,
    *,
    limit: int,
    after: tuple[float, ...] | None = None,
    few_matches: int = FEW_MATCHES,
) -> ResultPage:
    """The page of hits after the cursor key `after` (None: the first page) and the exact
    total of matches. `few_matches`: see FEW_MATCHES (tests run both plans on small data)."""
    if q.sort == "relevance" and q.match is None:
        raise ValueError("relevance needs a text query")
    sql, overdue = _filters(q, store.dialect)
    matches = _count_matches(store, q.match)
    alone = not sql.where  # nothing but the text to match
    with_clause, source = _source(sql, q, matches, few_matches)
    where = " AND ".join(sql.where) or store.dialect.true
    if alone and matches is not None:
        total = matches  # every indexed ticket has its text indexed with it, in one write
    else:
        count = f"{with_clause}SELECT count(*) FROM {source} WHERE {where}"
        total = store.execute(count, sql.params)[0][0]
    live_due = _live_due(sql, q)
    keys = tuple((expr.format(live_due=live_due), d) for expr, d in SORTS[q.sort])
    if after is not None:
        if len(after) != len(keys):
            raise ValueError("cursor key does not fit the sort")
        where = f"{where} AND {_after(sql, keys, after)}"
    order = ", ".join(f"{expr} {direction}" for expr, direction in keys)
    columns = ", ".join(f"t.{c}" for c in HIT_COLUMNS)
    key_columns = ", ".join(expr for expr, _ in keys)
    shown = f"{overdue}, {live_due}, t.sla_estimated, {_waiting(sql, q)}"
    # The page's ids first, sorted over what the indexes hold; then only those tickets' rows.
    # Sorting whole rows read every candidate's row (thousands) to keep a page of them.
    page = f"SELECT t.id FROM {source} WHERE {where} ORDER BY {order} LIMIT {sql.param(limit)}"
    rows = store.execute(
        f"{with_clause}SELECT {columns}, {shown}, {key_columns} FROM {source} "
        f"WHERE t.id IN ({page}) ORDER BY {order}",
        sql.params,
    )
    width = len(HIT_COLUMNS)
    hits = [
        Hit(
            row=dict(zip(HIT_COLUMNS, row[:width], strict=True)),
            overdue=bool(row[width]),
            sla_due=row[width + 1],
            sla_estimated=bool(row[width + 1] is not None and row[width + 2]),
            waiting_on=row[width + 3],
            key=tuple(float(v) for v in row[width + 4 :]),
        )
        for row in rows
    ]
    return ResultPage(hits=hits, total=int(total))


def _count_matches(store: IndexBackend, match: TextQuery | None) -> int | None:
    """How many tickets the text matches, from the text index alone (quick at any size)."""
    if match is None:
        return None
    text = store.dialect.render(match)
    ids = store.dialect.text_ids.format(match=store.dialect.placeholder.format("match"))
    return int(store.execute(f"SELECT count(*) FROM ({ids}) m", {"match": text})[0][0])


def customer_names(store: IndexBackend) -> list[str]:
    """Every customer name the indexed tickets carry (for "did you mean")."""
    rows = store.execute("SELECT DISTINCT customer_name FROM tickets WHERE customer_name != ''", {})
    return sorted(row[0] for row in rows)


def end_user_tickets(store: IndexBackend, end_user_id: int, created_after: float) -> list[Any]:
    """Every ticket of `end_user_id` created at or after `created_after` (Unix seconds), as
    (id, title, status, created) rows, newest first: create_ticket's duplicate check and its
    settling, exact whatever the account's size."""
    sql = _Sql(store.dialect)
    return store.execute(
        "SELECT id, title, status, created FROM tickets "
        f"WHERE created >= {sql.param(created_after)} AND end_user_id = {sql.param(end_user_id)} "
        "ORDER BY created DESC, id DESC",
        sql.params,
    )
