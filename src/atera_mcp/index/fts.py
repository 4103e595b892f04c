"""User text as an FTS5 query that can only ever mean "these words": never FTS syntax.

Every word becomes a double-quoted FTS5 string, so quotes, `*`, `-`, `NEAR`, `AND`, brackets
and emoji in the user's text are data. Words joined by punctuation (`zebra-firewall`,
`v2.1`) and text the user put in double quotes are phrases; the last bare word also matches as
a prefix (`outl` finds Outlook). All words must occur (AND).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Letters and digits of any script: what SQLite's unicode61 tokenizer keeps as token characters.
_WORD = re.compile(r"[^\W_]+")
MAX_TERMS = 64  # a 10,000-character paste is still a valid query; past this, terms are dropped
MIN_PREFIX = 2  # a one-letter prefix would match half the dictionary


@dataclass(frozen=True)
class TextQuery:
    """The MATCH expression, the words it searches for, and how many words were dropped."""

    expression: str
    words: tuple[str, ...]
    dropped: int = 0


def _phrase(words: list[str], prefix: bool) -> str:
    # Words hold letters and digits only, so no '"' can end the string early.
    return '"' + " ".join(words) + '"' + ("*" if prefix else "")


def text_query(text: str | None) -> TextQuery | None:
    """The FTS5 expression for `text`; None when it holds no letters or digits at all."""
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
    phrases = [_phrase(words, prefix=False) for words, _ in kept]
    last_words, last_bare = kept[-1]
    if last_bare and len(last_words[-1]) >= MIN_PREFIX:
        phrases[-1] = _phrase(last_words, prefix=True)
    return TextQuery(
        expression=" AND ".join(phrases),
        words=tuple(w for words, _ in kept for w in words),
        dropped=max(0, len(unique) - MAX_TERMS),
    )
