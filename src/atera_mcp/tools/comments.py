"""Comment tools: add_comment, list_comments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from atera_mcp.domain.text import clean_text, strip_html
from atera_mcp.domain.views import COMMENT_LIMIT, View
from atera_mcp.domain.wire import TicketCommentDto, UtcDateTime


class CommentView(View):
    at: UtcDateTime
    author: str
    author_email: str | None = None
    author_kind: Literal["technician", "end_user"]
    internal: bool
    text: str


def comment_view(dto: TicketCommentDto) -> CommentView:
    name = " ".join(p for p in (dto.first_name, dto.last_name) if p)
    return CommentView(
        at=dto.date,
        author=clean_text(name, 120) or (dto.email or "unknown"),
        author_email=dto.email,
        author_kind="technician" if dto.technician_contact_id else "end_user",
        internal=dto.is_internal,
        text=clean_text(dto.comment or strip_html(dto.comment_html), COMMENT_LIMIT),
    )


def comment_views(
    items: Iterable[TicketCommentDto], *, include_internal: bool
) -> list[CommentView]:
    """Newest first; internal notes dropped unless asked for."""
    kept = (c for c in items if include_internal or not c.is_internal)
    return sorted((comment_view(c) for c in kept), key=lambda v: v.at, reverse=True)
