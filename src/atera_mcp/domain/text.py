"""Free text that came from customers is data: clean it and bound it before a model reads it."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from atera_mcp.domain.wire import TicketCommentDto

# Bidirectional overrides/isolates and zero-width characters can hide or reorder text
# (prompt injection, "Trojan Source"); Cf is Unicode's "format" category that holds them.
_KEEP = {"\n", "\t"}
_HTML_TAG = re.compile(r"<[^>]+>")
# Tags that break a line: without a space for them "line1<br>line2" would read "line1line2".
_HTML_BREAK = re.compile(
    r"<\s*/?\s*(?:br|p|div|li|ul|ol|tr|td|th|table|h[1-6]|blockquote|pre|hr)\b[^>]*>", re.I
)
_BLANK_RUN = re.compile(r"\n{3,}")


def clean_text(value: str | None, limit: int = 2000) -> str:
    """Strip invisible, control and bidirectional characters; cut past `limit` with a marker."""
    if not value:
        return ""
    kept = "".join(
        ch
        for ch in value
        if ch in _KEEP or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs")
    )
    kept = _BLANK_RUN.sub("\n\n", kept.replace("\r\n", "\n")).strip()
    if len(kept) <= limit:
        return kept
    return f"{kept[:limit]}… [cut: {len(kept) - limit} more characters]"


def count(number: int, noun: str) -> str:
    """`1 ticket`, `3 tickets`: for summaries."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def strip_html(value: str | None) -> str:
    """Plain text from Atera's CommentHtml when the plain comment is missing: line-breaking
    tags become line breaks, other tags go, and entities are decoded last ("A &amp; B" is
    "A & B", while "&lt;b&gt;" stays the text "<b>" rather than becoming a tag)."""
    text = _HTML_BREAK.sub("\n", value or "")
    return html.unescape(_HTML_TAG.sub("", text))


def thread_text(comments: Iterable[TicketCommentDto]) -> str:
    """A comment thread as the plain text that search matches, one comment a line: the same
    for the bounded scan of Atera and for both index backends, so they find the same tickets."""
    return "\n".join(c.comment or strip_html(c.comment_html) for c in comments)
