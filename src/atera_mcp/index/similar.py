"""Resolved tickets most like a text, from the index alone: `similar()`.

A ticket's title and description are a long query, and no earlier ticket holds all of its
words: so the text's significant words (stop words dropped) are matched with OR, and the
engine's relevance ranks the matches (BM25 on SQLite, `ts_rank` on PostgreSQL) over the
text's rarer words where it has some, among the tickets holding one of its rarest (`_ranked`).
Title above description above comments, as in search. Among near-equal scores the customer's
own tickets come first.

Blocking: run it through `TicketIndex.run`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from atera_mcp.index.backend import (
    COMMENTS_WEIGHT,
    DESCRIPTION_WEIGHT,
    TITLE_WEIGHT,
    IndexBackend,
)
from atera_mcp.index.fts import Term, TextQuery, tokens, tsquery
from atera_mcp.index.query import HIT_COLUMNS

MAX_WORDS = 32  # the significant words of a long text that are matched
CANDIDATES = 50  # the best matches re-ordered for "the same customer first among equals"
BANDS = 20  # scores within 1/BANDS of the best one's scale count as equals
# Words in more than RANK_SHARE of tickets (and more than MIN_COMMON of them) are left out
# while rarer ones remain, so "printer" does not outweigh "kyocera" (ts_rank has no IDF); and
# only tickets holding a word of at most MATCH_SHARE are ranked, not thousands of them.
RANK_SHARE = 0.05
MATCH_SHARE = 0.01
MIN_COMMON = 20
# ts_rank's weights {D, C, B, A} (comments C, description B, title A) as search uses them.
_PG_WEIGHTS = [w / TITLE_WEIGHT for w in (0.0, COMMENTS_WEIGHT, DESCRIPTION_WEIGHT, TITLE_WEIGHT)]

# English function words and the small talk of a ticket: they say nothing about its cause.
_STOP_TEXT = """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can cannot could did do does doing don down during
    each few for from further had has have having he her here hers him his how i if in into
    is it its itself just me more most my no nor not now of off on once only or other our ours
    out over own same she should so some such than that the their theirs them then there these
    they this those through to too under until up very was we were what when where which while
    who whom why will with would you your yours yourself ll re ve isn aren wasn weren won
    wouldn couldn shouldn doesn didn hasn haven hadn im ive please thanks thank hi hello dear
    regards help issue problem today yesterday morning since still anymore get gets got keep
    keeps one someone anyone everyone something anything everything again able need needs
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


def significant_words(text: str) -> tuple[str, ...]:
    """The words of `text` worth matching, as the index's tokenizer writes them: no stop
    words, no single letters, each once, the first MAX_WORDS in order."""
    seen: dict[str, None] = {}
    for word in tokens(text):
        if len(word) > 1 and word not in STOP_WORDS:
            seen.setdefault(word, None)
    return tuple(seen)[:MAX_WORDS]


@dataclass(frozen=True)
class SimilarQuery:
    """What to look for: the words, which statuses count as resolved (keys, case-folded),
    the ticket to leave out and the customer whose tickets come first among equals."""

    words: tuple[str, ...]
    done_statuses: tuple[str, ...]
    exclude_id: int | None = None
    customer_id: int | None = None
    limit: int = 5


@dataclass(frozen=True)
class SimilarHit:
    row: dict[str, Any]  # HIT_COLUMNS
    score: float  # higher is more alike


def source_text(store: IndexBackend, ticket_id: int) -> tuple[str, int | None] | None:
    """A ticket's title and description as the index holds them, and its customer; None
    when the ticket is not indexed."""
    mark = store.dialect.placeholder.format("id")
    key = "x.rowid" if store.dialect.name == "sqlite" else "x.id"
    rows = store.execute(
        f"SELECT t.title, x.description, t.customer_id FROM tickets t "
        f"JOIN ticket_text x ON {key} = t.id WHERE t.id = {mark}",
        {"id": ticket_id},
    )
    if not rows:
        return None
    title, description, customer = rows[0]
    return f"{title}\n{description}", customer


def _counts(store: IndexBackend, words: tuple[str, ...]) -> tuple[dict[str, float], float]:
    """How many tickets hold each word, where the engine knows it cheaply, and how many
    tickets there are.

    SQLite: exactly, from an `fts5vocab` table over the text index (a temporary one, on this
    connection only: the file's schema stays as it is). PostgreSQL: estimated from the
    planner's statistics (ANALYZE), which list the common words only; a word missing there is
    rare (None when there are no statistics yet)."""
    if store.dialect.name == "sqlite":
        store.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.ticket_vocab "
            "USING fts5vocab(main, ticket_text, row)"
        )
        marks = ", ".join(f":w{n}" for n in range(len(words)))
        found = store.execute(
            f"SELECT term, doc FROM temp.ticket_vocab WHERE term IN ({marks})",
            {f"w{n}": w for n, w in enumerate(words)},
        )
        return {w: 0.0 for w in words} | {term: float(doc) for term, doc in found}, store.count()
    rows = store.execute(
        "SELECT most_common_elems::text::text[], most_common_elem_freqs, "
        "(SELECT reltuples FROM pg_class WHERE oid = 'ticket_text'::regclass) FROM pg_stats "
        "WHERE schemaname = current_schema() AND tablename = 'ticket_text' AND attname = 'doc'"
    )
    if not rows or rows[0][0] is None:
        return {}, 0.0
    elements, shares, total = rows[0]
    return {w: f * total for w, f in zip(elements, shares, strict=False)}, float(total)


def _rarer_than(counts: dict[str, float], words: tuple[str, ...], most: float) -> tuple[str, ...]:
    """The words held by at most `most` tickets (never ones no ticket holds); all the words
    some ticket holds when none is that rare."""
    rare = tuple(w for w in words if 0.0 < counts.get(w, 1.0) <= most)
    return rare or tuple(w for w in words if counts.get(w) != 0.0)


def _any_of(words: tuple[str, ...]) -> TextQuery:
    return TextQuery(terms=tuple(Term((w,)) for w in words), any_term=True)


def _ranked(store: IndexBackend, words: tuple[str, ...], params: dict[str, Any]) -> str | None:
    """(rid, rank) of the tickets holding one of the text's rarest words, ranked by all of its
    rarer words (lower is more alike); None when no ticket holds any of them.

    A common word adds little to a match (BM25 weighs it little; ts_rank would weigh it as
    much as a rare one) and would have thousands of tickets ranked."""
    counts, total = _counts(store, words)
    ranked = _rarer_than(counts, words, max(RANK_SHARE * total, MIN_COMMON))
    required = _rarer_than(counts, ranked, max(MATCH_SHARE * total, MIN_COMMON))
    if not ranked:
        return None
    by, within = _any_of(ranked), _any_of(required)
    if store.dialect.name == "sqlite":
        # bm25() scores the MATCH expression itself: the required words count twice.
        params["match"] = f"({by.expression}) AND ({within.expression})"
        return store.dialect.text_ranked.format(match=":match")
    params |= {"by": tsquery(by), "match": tsquery(within), "weights": _PG_WEIGHTS}
    return (
        "SELECT id AS rid, (-ts_rank(%(weights)s::float4[], doc, %(by)s::tsquery))::float8 "
        "AS rank FROM ticket_text WHERE doc @@ %(match)s::tsquery"
    )


def similar(store: IndexBackend, q: SimilarQuery) -> list[SimilarHit]:
    """The resolved tickets most like `q.words`, best first: at most `q.limit`."""
    if not q.words or not q.done_statuses:
        return []
    mark = store.dialect.placeholder.format
    params: dict[str, Any] = {"n": CANDIDATES}
    ranked = _ranked(store, q.words, params)
    if ranked is None:
        return []
    statuses = []
    for n, status in enumerate(q.done_statuses):
        params[f"s{n}"] = status
        statuses.append(mark(f"s{n}"))
    where = f"t.status_key IN ({', '.join(statuses)})"
    if q.exclude_id is not None:
        params["x"] = q.exclude_id
        where += f" AND t.id != {mark('x')}"
    columns = ", ".join(f"t.{c}" for c in HIT_COLUMNS)
    rows = store.execute(
        f"WITH f AS MATERIALIZED ({ranked}) SELECT {columns}, f.rank "
        f"FROM f JOIN tickets t ON t.id = f.rid WHERE {where} "
        f"ORDER BY f.rank, t.id DESC LIMIT {mark('n')}",
        params,
    )
    width = len(HIT_COLUMNS)
    hits = [
        SimilarHit(dict(zip(HIT_COLUMNS, row[:width], strict=True)), -float(row[width]))
        for row in rows
    ]
    return _customer_first(hits, q.customer_id)[: q.limit]


def _customer_first(hits: list[SimilarHit], customer_id: int | None) -> list[SimilarHit]:
    """Scores in the same band (a twentieth of the best score wide, from the best one down)
    count as equal: within one, the customer's own tickets come first, then the higher score."""
    if not hits or customer_id is None:
        return hits
    best = hits[0].score
    scale = abs(best) or 1.0

    def key(hit: SimilarHit) -> tuple[int, bool, float]:
        band = math.floor((best - hit.score) / scale * BANDS)
        return (band, hit.row["customer_id"] != customer_id, -hit.score)

    return sorted(hits, key=key)
