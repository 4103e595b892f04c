"""User text as a text query that can only ever mean "these words": never query syntax.

The text is parsed once into terms (phrases of words, the last one maybe a prefix) that each
backend renders in its own language: an FTS5 MATCH string for SQLite, a tsquery for PostgreSQL.
Words joined by punctuation (`zebra-firewall`, `v2.1`) and text the user put in double quotes
are phrases; the last bare word also matches as a prefix (`outl` finds Outlook). All terms must
occur (AND). Quotes, `*`, `-`, `NEAR`, `AND`, brackets and emoji in the user's text are data.

`tokens()` splits a document with SQLite's own `unicode61 remove_diacritics 2` tokenizer, so the
PostgreSQL backend indexes, and looks for, the very words FTS5 does. Its rules are not Python's:
it lower-cases without case-folding ("straße" and "ﬁle" stay as they are), strips accents from
Latin letters only (not Greek ones), and keeps emoji inside a word; a Python imitation of it
found other tickets than SQLite for such words.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass

# Letters and digits of any script: what SQLite's unicode61 tokenizer keeps as token characters.
_WORD = re.compile(r"[^\W_]+")
MAX_TERMS = 64  # a 10,000-character paste is still a valid query; past this, terms are dropped
MIN_PREFIX = 2  # a one-letter prefix would match half the dictionary
MAX_WORD_BYTES = 2000  # PostgreSQL's lexemes hold under 2 KiB: longer words are cut (both sides)


TOKENIZER = "unicode61 remove_diacritics 2"  # as the SQLite index's ticket_text (schema.py)
_tokenizers = threading.local()  # an in-memory FTS5 table per thread (sqlite3's rule)


def _tokenizer() -> sqlite3.Connection:
    conn: sqlite3.Connection | None = getattr(_tokenizers, "conn", None)
    if conn is None:
        conn = sqlite3.connect(":memory:")
        conn.execute(f"CREATE VIRTUAL TABLE doc USING fts5(text, tokenize = '{TOKENIZER}')")
        conn.execute("CREATE VIRTUAL TABLE words USING fts5vocab(doc, 'instance')")
        _tokenizers.conn = conn
    return conn


def tokens(text: str) -> list[str]:
    """The words of `text` in order, exactly as the SQLite index's FTS5 tokenizer finds them
    (it reads them: the text goes into an in-memory FTS5 table for one rolled-back
    transaction). A word past PostgreSQL's lexeme limit is cut, in documents and queries."""
    conn = _tokenizer()
    try:
        conn.execute("INSERT INTO doc (rowid, text) VALUES (1, ?)", (text,))
        words = [row[0] for row in conn.execute("SELECT term FROM words ORDER BY offset")]
    finally:
        conn.rollback()
    return [w if len(w) * 4 <= MAX_WORD_BYTES else _cut(w) for w in words]


def literal(word: str) -> str:
    """A word as a tsvector/tsquery lexeme literal. FTS5's words hold no ASCII punctuation,
    but other scripts' marks may be in them: quoted, with ' and \\ escaped, never syntax."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _cut(word: str) -> str:
    return word.encode()[:MAX_WORD_BYTES].decode(errors="ignore")


@dataclass(frozen=True)
class Term:
    """One phrase of the query: its words in order, the last one maybe a prefix."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class TextQuery:
    """The terms to match (all of them, or with `any_term` at least one), the words they
    hold, and how many terms were dropped."""

    terms: tuple[Term, ...]
    dropped: int = 0
    any_term: bool = False  # OR: a long text's words, ranked by relevance (similar.py)

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(w for term in self.terms for w in term.words)

    @property
    def expression(self) -> str:
        """The FTS5 MATCH expression (SQLite)."""
        return (" OR " if self.any_term else " AND ").join(_fts5_phrase(t) for t in self.terms)


def _fts5_phrase(term: Term) -> str:
    # Words hold letters and digits only, so no '"' can end the string early.
    return '"' + " ".join(term.words) + '"' + ("*" if term.prefix else "")


def tsquery(text: TextQuery) -> str:
    """The PostgreSQL tsquery (its literal text, cast with ::tsquery, never parsed by a text
    search configuration): each phrase as `'a' <-> 'b'`, a prefix as `:*`, terms ANDed. Words
    are folded as `tokens()` folds documents, as FTS5 folds both."""
    parts: list[str] = []
    for term in text.terms:
        words = tokens(" ".join(term.words))
        if not words:
            # A phrase of letters FTS5 does not count as letters (some scripts' vowel signs):
            # FTS5 matches no ticket for it, whatever the other terms; nor does an empty tsquery.
            if text.any_term:
                continue  # ... and with OR, the other terms still match
            return ""
        lexemes = [literal(w) for w in words]
        if term.prefix:
            lexemes[-1] += ":*"
        parts.append(lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")")
    return (" | " if text.any_term else " & ").join(parts)


def text_query(text: str | None) -> TextQuery | None:
    """The terms of `text`; None when it holds no letters or digits at all."""
    parts: list[tuple[list[str], bool]] = []  # (words, bare)
    for index, segment in enumerate((text or "").split('"')):
        if index % 2 == 1:  # inside double quotes (an unbalanced quote runs to the end)
            words = _WORD.findall(segment)
            if words:
                parts.append((words, False))
            continue
        for chunk in segment.split():
            words = _WORD.findall(chunk)
            if words:
                parts.append((words, True))
    unique: dict[str, tuple[list[str], bool]] = {}
    for words, bare in parts:
        unique.setdefault(" ".join(words).casefold(), (words, bare))
    kept = list(unique.values())[:MAX_TERMS]
    if not kept:
        return None
    terms = [Term(tuple(words)) for words, _ in kept]
    last_words, last_bare = kept[-1]
    if last_bare and len(last_words[-1]) >= MIN_PREFIX:
        terms[-1] = Term(tuple(last_words), prefix=True)
    return TextQuery(terms=tuple(terms), dropped=max(0, len(unique) - MAX_TERMS))
