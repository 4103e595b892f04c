"""add_comment and list_comments against the seeded sandbox, through the real client."""

from __future__ import annotations

import json

import httpx
import pytest

from atera_mcp.client import AteraClient
from atera_mcp.errors import NotFoundError, RuleError
from atera_mcp.sandbox import sandbox_state
from atera_mcp.tools.comments import add_comment, list_comments
from atera_mcp.tools.context import ToolContext
from tests.contract.openapi_check import Exchange, assert_contract
from tests.harness import (
    API_KEY,
    BASE_URL,
    NOW,
    Rig,
    recording_transport,
    rig,
    sandbox_app,
    settings,
)

pytestmark = pytest.mark.anyio


def ticket_with_status(r: Rig, status: str) -> int:
    tickets = sandbox_state(r.app).store.tickets.values()
    return min(t.id for t in tickets if t.status == status)


def posts(r: Rig) -> list[Exchange]:
    return [x for x in r.recorder.records if x.request.method == "POST"]


async def test_internal_note_is_sent_with_technician_details_and_returned_as_stored() -> None:
    async with rig() as r:
        ticket_id = ticket_with_status(r, "Open")
        result = await add_comment(r.ctx, ticket_id, "Rebuilt the Outlook profile.", internal=True)

        [post] = posts(r)
        assert post.request.url.path.endswith(f"/tickets/{ticket_id}/comments")
        assert json.loads(post.request.content) == {
            "CommentText": "Rebuilt the Outlook profile.",
            "TechnicianCommentDetails": {
                "TechnicianId": 101,
                "IsInternal": True,
                "TechnicianEmail": "maya.patel@brightpath-it.com",
            },
        }
        assert result.read_back
        assert result.comment.internal
        assert result.comment.author == "Maya Patel"
        assert result.comment.author_kind == "technician"
        assert result.comment.text == "Rebuilt the Outlook profile."
        assert result.summary() == f"Added internal note to #{ticket_id} as Maya Patel"
        assert_contract(r.recorder.records)


async def test_public_reply_by_technician_email_is_the_newest_comment_listed() -> None:
    async with rig() as r:
        ticket_id = ticket_with_status(r, "Pending")
        result = await add_comment(
            r.ctx,
            ticket_id,
            "Please restart your laptop and try again.",
            internal=False,
            technician_email="Grace.Kim@brightpath-it.com",
        )
        assert not result.comment.internal
        assert result.comment.author == "Grace Kim"
        assert result.summary() == f"Added customer-visible reply to #{ticket_id} as Grace Kim"

        listed = await list_comments(r.ctx, ticket_id, limit=1)
        assert listed.comments == [result.comment]
        assert_contract(r.recorder.records)


async def test_blank_comment_is_refused_before_anything_is_sent() -> None:
    async with rig() as r:
        ticket_id = ticket_with_status(r, "Open")
        with pytest.raises(RuleError, match="empty"):
            await add_comment(r.ctx, ticket_id, " \n\t ", internal=True)
        assert r.recorder.records == []


async def test_unknown_technician_is_refused_with_the_known_ones_listed() -> None:
    async with rig() as r:
        ticket_id = ticket_with_status(r, "Open")
        with pytest.raises(RuleError, match=r"Technician with id 999 is not known.*Maya Patel"):
            await add_comment(r.ctx, ticket_id, "Hello", internal=False, technician_id=999)
        assert r.recorder.records == []


async def test_public_reply_on_a_closed_ticket_is_refused_but_an_internal_note_is_added() -> None:
    async with rig() as r:
        ticket_id = ticket_with_status(r, "Closed")
        with pytest.raises(RuleError, match=r"Closed.*internal=true"):
            await add_comment(r.ctx, ticket_id, "Following up", internal=False)
        assert posts(r) == []

        note = await add_comment(r.ctx, ticket_id, "Customer called; no action needed.", True)
        assert note.comment.internal
        assert len(posts(r)) == 1
        assert_contract(r.recorder.records)


async def test_comment_on_an_unknown_ticket_is_not_found_and_not_posted() -> None:
    async with rig() as r:
        with pytest.raises(NotFoundError, match="Ticket 99999 was not found"):
            await add_comment(r.ctx, 99999, "Hello", internal=True)
        assert posts(r) == []
        assert_contract(r.recorder.records)


async def test_cursor_pages_walk_every_comment_newest_first_without_repeats() -> None:
    async with rig() as r:
        ticket_id = ticket_with_status(r, "Open")
        for n in range(5):
            await add_comment(r.ctx, ticket_id, f"Step {n}", internal=n % 2 == 0)
        everything = await list_comments(r.ctx, ticket_id, limit=50)
        assert everything.next_cursor is None
        assert everything.total == len(everything.comments)
        assert [c.text for c in everything.comments[:5]] == [f"Step {n}" for n in (4, 3, 2, 1, 0)]

        walked, cursor = [], None
        while True:
            page = await list_comments(r.ctx, ticket_id, limit=2, cursor=cursor)
            assert len(page.comments) <= 2
            assert page.total == everything.total
            walked += page.comments
            cursor = page.next_cursor
            if cursor is None:
                break
        assert walked == everything.comments
        times = [c.at for c in walked]
        assert times == sorted(times, reverse=True)
        assert_contract(r.recorder.records)


async def test_internal_notes_can_be_left_out() -> None:
    async with rig() as r:
        ticket_id = ticket_with_status(r, "Open")
        await add_comment(r.ctx, ticket_id, "Internal only", internal=True)
        await add_comment(r.ctx, ticket_id, "For the customer", internal=False)
        public = await list_comments(r.ctx, ticket_id, include_internal=False, limit=50)
        every = await list_comments(r.ctx, ticket_id, limit=50)
        assert all(not c.internal for c in public.comments)
        assert "For the customer" in [c.text for c in public.comments]
        assert public.total == every.total - sum(c.internal for c in every.comments)


async def test_malformed_or_foreign_cursors_are_refused_clearly() -> None:
    async with rig() as r:
        ticket_id = ticket_with_status(r, "Open")
        for n in range(3):
            await add_comment(r.ctx, ticket_id, f"Note {n}", internal=True)
        first = await list_comments(r.ctx, ticket_id, limit=1)
        assert first.next_cursor is not None
        other = ticket_with_status(r, "Pending")
        for bad, ticket, internal in (
            ("not a cursor!", ticket_id, True),
            ("", ticket_id, True),
            (first.next_cursor, other, True),  # another ticket's cursor
            (first.next_cursor, ticket_id, False),  # a different listing
        ):
            with pytest.raises(RuleError, match="cursor is not one list_comments returned"):
                await list_comments(r.ctx, ticket, include_internal=internal, cursor=bad)


async def test_listing_comments_of_an_unknown_ticket_is_not_found() -> None:
    async with rig() as r:
        with pytest.raises(NotFoundError, match="Ticket 99999 was not found"):
            await list_comments(r.ctx, 99999)
        assert_contract(r.recorder.records)


async def test_the_same_text_again_within_ten_minutes_is_refused_naming_the_first() -> None:
    async with rig(sandbox_app(clock=lambda: NOW)) as r:
        ticket_id = ticket_with_status(r, "Open")
        await add_comment(r.ctx, ticket_id, "Reset the password.", internal=True)
        with pytest.raises(RuleError, match=r"already added this same text .* at 2026-11-26 15:0"):
            await add_comment(r.ctx, ticket_id, "  Reset the   password. ", internal=False)
        assert len(posts(r)) == 1


async def test_a_repeat_is_added_when_allowed_or_when_another_technician_writes_it() -> None:
    async with rig() as r:
        ticket_id = ticket_with_status(r, "Open")
        await add_comment(r.ctx, ticket_id, "Waiting for the vendor.", internal=True)
        await add_comment(
            r.ctx, ticket_id, "Waiting for the vendor.", internal=True, allow_duplicate=True
        )
        await add_comment(
            r.ctx,
            ticket_id,
            "Waiting for the vendor.",
            internal=True,
            technician_email="grace.kim@brightpath-it.com",
        )
        stored = sandbox_state(r.app).store.ticket(ticket_id).comments
        assert sum(c.text == "Waiting for the vendor." for c in stored) == 3


class HtmlOnlyComments(httpx.AsyncBaseTransport):
    """Atera answering comments with CommentHtml only (Comment null), as it may."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method != "GET" or not request.url.path.endswith("/comments"):
            return response
        body = json.loads(await response.aread())
        for item in body["items"]:
            item["Comment"] = None
        return httpx.Response(response.status_code, json=body, request=request)


async def test_comments_stored_only_as_html_match_the_text_sent() -> None:
    app = sandbox_app(clock=lambda: NOW)
    recorder = recording_transport(app)
    transport = HtmlOnlyComments(recorder)
    async with AteraClient(api_key=API_KEY, base_url=BASE_URL, rpm=0, transport=transport) as a:
        ctx = ToolContext.create(a, settings(), lambda: NOW)
        ticket_id = min(
            t.id for t in sandbox_state(app).store.tickets.values() if t.status == "Open"
        )
        text = "Swapped A & B\nthen <rebooted>"
        result = await add_comment(ctx, ticket_id, text, internal=True)
        assert result.comment.text == text
        with pytest.raises(RuleError, match="already added this same text"):
            await add_comment(ctx, ticket_id, text, internal=True)
    assert sum(1 for x in recorder.records if x.request.method == "POST") == 1
