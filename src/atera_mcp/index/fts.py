"""User text as a text query that can only ever mean "these words": never query syntax.

The text is parsed once into terms (phrases of words, the last one maybe a prefix) that each
backend renders in its own language: an FTS5 MATCH string for SQLite, a tsquery for PostgreSQL.
Words joined by punctuation (`zebra-firewall`, `v2.1`) and text the user put in double quotes
are phrases; the last bare word also matches as a prefix (`outl` finds Outlook). All terms must
occur (AND). Quotes, `*`, `-`, `NEAR`, `AND`, brackets and emoji in the user's text are data.

`tokens()` splits a document the way SQLite's `unicode61 remove_diacritics 2` tokenizer does
(case-folded, accents stripped, split on anything not a letter or digit), so the PostgreSQL
backend indexes the very words FTS5 does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Letters and digits of any script: what SQLite's unicode61 tokenizer keeps as token characters.
_WORD = re.compile(r"[^\W_]+")
MAX_TERMS = 64  # a 10,000-character paste is still a valid query; past this, terms are dropped
MIN_PREFIX = 2  # a one-letter prefix would match half the dictionary
MAX_WORD_BYTES = 2000  # PostgreSQL's lexemes hold under 2 KiB: longer words are cut (both sides)


def tokens(text: str) -> list[str]:
    """The words of `text` as unicode61 with remove_diacritics sees them: accents removed
    (decomposed, combining marks dropped), case-folded, split on non-letters/digits. A word
    past PostgreSQL's lexeme limit is cut, in documents and queries alike."""
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    words: list[str] = _WORD.findall(bare.casefold())
    return [w if len(w) * 4 <= MAX_WORD_BYTES else _cut(w) for w in words]


def _cut(word: str) -> str:
    return word.encode()[:MAX_WORD_BYTES].decode(errors="ignore")


@dataclass(frozen=True)
class Term:
    """One phrase of the query: its words in order, the last one maybe a prefix."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class TextQuery:
    """The terms to match (all of them), the words they hold, and how many terms were dropped."""

    terms: tuple[Term, ...]
    dropped: int = 0

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(w for term in self.terms for w in term.words)

    @property
    def expression(self) -> str:
        """The FTS5 MATCH expression (SQLite)."""
        return " AND ".join(_fts5_phrase(term) for term in self.terms)


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
            continue
        lexemes = [f"'{w}'" for w in words]  # letters and digits only: nothing to escape
        if term.prefix:
            lexemes[-1] += ":*"
        parts.append(lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")")
    return " & ".join(parts)


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
