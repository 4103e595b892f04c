"""Comment tools: add_comment, list_comments."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Literal, Self

from pydantic import Field, PrivateAttr

from atera_mcp.domain.directory import Technician
from atera_mcp.domain.text import clean_text, strip_html
from atera_mcp.domain.views import COMMENT_LIMIT, Timestamp, ToolResult, View
from atera_mcp.domain.wire import (
    AddCommentToTicketModel,
    TechnicianCommentDetails,
    TicketCommentDto,
)
from atera_mcp.errors import AteraError, RuleError
from atera_mcp.tools.common import load_ticket, record_thread
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.params import Cursor, Limit, TechnicianEmail, TechnicianId, TicketId
from atera_mcp.tools.settle import CannotTell, WriteResult, settle

# Comments are sorted locally (Atera documents no order), so the whole thread is read, up to this.
MAX_COMMENTS = 1000
# The same text by the same technician on the same ticket this soon is a model repeating itself.
REPEAT_WINDOW = timedelta(minutes=10)
_CURSOR_TAG = "c1"


class CommentView(View):
    at: Timestamp
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


class AddCommentResult(WriteResult):
    ticket_id: int
    comment: CommentView
    read_back: bool = Field(description="False: accepted but not found on reading back")
    _technician_id: int | None = PrivateAttr(None)

    def summary(self) -> str:
        kind = "internal note" if self.comment.internal else "customer-visible reply"
        unread = "" if self.read_back or self.note else " (accepted, but not found when read back)"
        return self.with_note(f"Added {kind} to #{self.ticket_id} as {self.comment.author}{unread}")

    def audit_ids(self) -> dict[str, object]:
        return {"ticket_id": self.ticket_id, "technician_id": self._technician_id}

    def by(self, technician_id: int) -> Self:
        """Record the author's id for the audit (the view shows a name, not an id)."""
        self._technician_id = technician_id
        return self


class ListCommentsResult(ToolResult):
    ticket_id: int
    comments: list[CommentView]
    total: int = Field(description="Comments matching include_internal")
    next_cursor: str | None = None
    complete: bool = Field(True, description=f"False if the ticket has over {MAX_COMMENTS}")

    def summary(self) -> str:
        more = " (more: pass next_cursor)" if self.next_cursor else ""
        return f"{len(self.comments)} of {self.total} comments on #{self.ticket_id}{more}"


def _encode_cursor(ticket_id: int, include_internal: bool, offset: int) -> str:
    raw = f"{_CURSOR_TAG}:{ticket_id}:{int(include_internal)}:{offset}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, ticket_id: int, include_internal: bool) -> int:
    """The offset a cursor points at; RuleError unless it came from this very listing."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        tag, ticket, internal, offset = raw.split(":")
        valid = (
            tag == _CURSOR_TAG
            and int(ticket) == ticket_id
            and internal == str(int(include_internal))
            and int(offset) >= 0
        )
    except (binascii.Error, UnicodeDecodeError, ValueError):
        valid = False
    if not valid:
        raise RuleError(
            f"The cursor is not one list_comments returned for ticket {ticket_id} with "
            f"include_internal={str(include_internal).lower()}. Pass that call's next_cursor "
            "unchanged, or omit cursor to start from the newest comment."
        )
    return int(offset)


def _observe_authors(ctx: ToolContext, items: Iterable[TicketCommentDto]) -> None:
    for c in items:
        if c.technician_contact_id:
            name = " ".join(p for p in (c.first_name, c.last_name) if p)
            ctx.directory.observe(c.technician_contact_id, name, c.email)


def _same_text(stored: TicketCommentDto, sent: str) -> bool:
    text = stored.comment or strip_html(stored.comment_html)
    return " ".join(text.split()) == " ".join(sent.split())


def _find_stored(
    items: Sequence[TicketCommentDto], tech: Technician, internal: bool, text: str
) -> TicketCommentDto | None:
    """The newest comment by `tech` with this visibility, preferring one with the same text."""
    mine = [c for c in items if c.technician_contact_id == tech.id and c.is_internal == internal]
    same = [c for c in mine if _same_text(c, text)]
    return max(same or mine, key=lambda c: c.date, default=None)


def _repeat_of(
    items: Sequence[TicketCommentDto], tech: Technician, text: str, now: datetime
) -> TicketCommentDto | None:
    """The newest comment with this text by `tech` from the last 10 minutes, if any."""
    recent = [
        c
        for c in items
        if c.technician_contact_id == tech.id
        and abs(now - c.date) <= REPEAT_WINDOW
        and _same_text(c, text)
    ]
    return max(recent, key=lambda c: c.date, default=None)


def _copies(items: Sequence[TicketCommentDto], tech: Technician, internal: bool, text: str) -> int:
    """How many comments could be this very write: same text, author and visibility."""
    return sum(
        1
        for c in items
        if c.technician_contact_id == tech.id and c.is_internal == internal and _same_text(c, text)
    )


async def add_comment(
    ctx: ToolContext,
    ticket_id: TicketId,
    text: Annotated[str, Field(min_length=1, max_length=20000, description="Atera CommentText")],
    internal: Annotated[
        bool, Field(description="Atera IsInternal: true = technicians only, false = customer sees")
    ],
    technician_id: TechnicianId = None,
    technician_email: TechnicianEmail = None,
    allow_duplicate: Annotated[
        bool, Field(description="Allow the same text within 10 min")
    ] = False,
) -> AddCommentResult:
    """Add an internal note or a reply the customer sees. Comments cannot be edited or
    deleted: choose `internal` deliberately. Customer replies are refused on Closed tickets."""
    if not text.strip():
        raise RuleError("The comment text is empty. Write what the comment should say.")
    tech = ctx.author(technician_id, technician_email, role="comment author")
    ticket = await load_ticket(ctx, ticket_id)
    if not internal and ctx.rules.base_of(ticket.ticket_status or "Open") == "Closed":
        raise RuleError(
            f"Ticket {ticket_id} is Closed, so the customer should not get a reply on it. Add an "
            "internal note (internal=true), or open a new ticket for the customer."
        )
    # The repeat check, the send and settling are one step: a second identical call made at
    # the same time waits, then sees this comment as a repeat (and settling cannot take it
    # for its own).
    async with ctx.write_locks.hold(("comment", ticket_id, tech.id)):
        return await _checked_send(ctx, ticket_id, tech, text, internal, allow_duplicate)


async def _checked_send(
    ctx: ToolContext,
    ticket_id: int,
    tech: Technician,
    text: str,
    internal: bool,
    allow_duplicate: bool,
) -> AddCommentResult:
    """add_comment once the ticket allows it: refuse a repeat, send, settle, read back."""
    thread = await ctx.atera.list_comments(ticket_id, max_items=MAX_COMMENTS)
    await record_thread(ctx, ticket_id, thread)
    before = thread.items
    _observe_authors(ctx, before)
    sent_at = ctx.now()
    if not allow_duplicate and (repeat := _repeat_of(before, tech, text, sent_at)) is not None:
        minutes = max(0, round((sent_at - repeat.date).total_seconds() / 60))
        raise RuleError(
            f"{tech.name} already added this same text to ticket {ticket_id} at "
            f"{repeat.date:%Y-%m-%d %H:%M:%S} UTC ({minutes} min ago), so it was not added again. "
            "Pass allow_duplicate=true if it really should appear twice."
        )
    body = AddCommentToTicketModel(
        comment_text=text,
        technician_comment_details=TechnicianCommentDetails(
            technician_id=tech.id, is_internal=internal, technician_email=tech.email
        ),
    )
    # Ours is a copy that was not there when the thread was read just before sending: that
    # needs no clock, where a window around the send would trust ours to agree with Atera's.
    earlier = _copies(before, tech, internal, text)

    async def send() -> bool:
        await ctx.atera.add_comment(ticket_id, body)
        return True

    async def find() -> bool | None:
        found = await ctx.atera.list_comments(ticket_id, max_items=MAX_COMMENTS)
        copies = _copies(found.items, tech, internal, text)
        # A partial read (Atera documents no order) proves only what it saw: more copies than
        # the whole thread held before means ours landed, no more in the whole thread now means
        # it did not; anything else is unknown.
        if copies > earlier and thread.complete:
            return True
        if copies <= earlier and found.complete:
            return None
        raise CannotTell(f"ticket {ticket_id} has more than the {MAX_COMMENTS} comments read")

    settled = await settle(send, find, what="the comment")
    try:
        found = await ctx.atera.list_comments(ticket_id, max_items=MAX_COMMENTS)
    except AteraError as exc:
        result = _as_sent(ctx, ticket_id, tech, internal, text).not_read_back(exc, "the comments")
    else:
        await record_thread(ctx, ticket_id, found)
        _observe_authors(ctx, found.items)
        stored = _find_stored(found.items, tech, internal, text)
        if stored is not None:
            view = comment_view(stored)
            result = AddCommentResult(ticket_id=ticket_id, comment=view, read_back=True)
        else:
            result = _as_sent(ctx, ticket_id, tech, internal, text)
    return result.by(tech.id).settled_by(settled)


def _as_sent(
    ctx: ToolContext, ticket_id: int, tech: Technician, internal: bool, text: str
) -> AddCommentResult:
    sent = CommentView(
        at=ctx.now(),
        author=tech.name,
        author_email=tech.email,
        author_kind="technician",
        internal=internal,
        text=clean_text(text, COMMENT_LIMIT),
    )
    return AddCommentResult(ticket_id=ticket_id, comment=sent, read_back=False)


async def list_comments(
    ctx: ToolContext,
    ticket_id: TicketId,
    include_internal: Annotated[
        bool, Field(description="Include internal notes (Atera IsInternal)")
    ] = True,
    limit: Limit = 20,
    cursor: Cursor | None = None,
) -> ListCommentsResult:
    """A ticket's comments, newest first, paged: for more than get_ticket's latest 20, or
    without internal notes."""
    offset = 0 if cursor is None else _decode_cursor(cursor, ticket_id, include_internal)
    found = await ctx.atera.list_comments(ticket_id, max_items=MAX_COMMENTS)
    if not found.items:
        await load_ticket(ctx, ticket_id)  # an unknown ticket is "not found", not "no comments"
    await record_thread(ctx, ticket_id, found)
    _observe_authors(ctx, found.items)
    views = comment_views(found.items, include_internal=include_internal)
    if offset > len(views):
        raise RuleError(
            f"The cursor points past the end of ticket {ticket_id}'s {len(views)} comments. "
            "Omit cursor to start from the newest comment."
        )
    page = views[offset : offset + limit]
    end = offset + len(page)
    return ListCommentsResult(
        ticket_id=ticket_id,
        comments=page,
        total=len(views),
        next_cursor=_encode_cursor(ticket_id, include_internal, end) if end < len(views) else None,
        complete=found.complete,
    )
