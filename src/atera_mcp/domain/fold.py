"""Names as a lookup compares them: accents and case folded, and one typo forgiven.

Pure functions shared by the index (which stores the folded keys) and the directory tools.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")
# Letters NFKD leaves whole, written as the ASCII a user types for them.
_SPELLED = str.maketrans({"ß": "ss", "ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe", "ı": "i"})


def fold(text: str | None) -> str:
    """Lower case without accents: "Zoë Ørsted" -> "zoe orsted"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPELLED))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str | None) -> list[str]:
    """The folded words of `text`, in order."""
    return _WORD.findall(fold(text))


def name_key(text: str | None) -> str:
    """What a name is matched on: its folded words, then the same words run together, so a
    fragment of either is a substring ("obrien" finds O'Brien, "brien" finds it too). A query
    term has no space, so it never matches across the two halves."""
    found = words(text)
    return f"{' '.join(found)} {''.join(found)}" if found else ""


def within_one_edit(a: str, b: str) -> bool:
    """Whether `b` is `a` with at most one letter inserted, deleted, replaced, or two
    neighbours swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    start = 0
    while start < len(a) and a[start] == b[start]:
        start += 1
    if len(a) < len(b):  # one letter inserted into `a`
        return a[start:] == b[start + 1 :]
    if a[start + 1 :] == b[start + 1 :]:  # one letter replaced
        return True
    swapped = start + 1 < len(a) and a[start] == b[start + 1] and a[start + 1] == b[start]
    return swapped and a[start + 2 :] == b[start + 2 :]


def near_words(term: str, vocabulary: list[str]) -> list[str]:
    """The words of `vocabulary` one edit from `term` (never `term` itself). Terms of fewer
    than four letters are left exact: one edit of a short word matches too much."""
    if len(term) < 4:
        return []
    return [w for w in vocabulary if w != term and within_one_edit(term, w)]
