"""similar_tickets: ranked from the index, each hit with its fix and time read from Atera."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from atera_mcp.domain.wire import CreateTicketModel
from atera_mcp.errors import RuleError
from atera_mcp.sandbox import sandbox_state
from atera_mcp.sandbox.families import FAMILIES
from atera_mcp.sandbox.records import Comment, apply_comment
from atera_mcp.tools.similar import similar_tickets
from tests.harness import Rig, indexed_rig, rig

pytestmark = pytest.mark.anyio
FIXES = {fix for family in FAMILIES for fix in family.fixes}


def _reads(r: Rig) -> list[str]:
    return [f"{e.request.method} {e.request.url.path}" for e in r.recorder.records]


async def test_a_description_finds_resolved_tickets_of_its_cause_with_the_fix_and_time(
    tmp_path: Path,
) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        store = sandbox_state(r.app).store
        result = await similar_tickets(
            r.ctx, text="GlobalProtect VPN client just spins at connecting", limit=3
        )
        assert [store.families.get(t.ticket_id) for t in result.tickets] == ["globalprotect"] * 3
        for hit in result.tickets:
            ticket = store.tickets[hit.ticket_id]
            fix = [c for c in ticket.comments if c.technician_id is not None][-1]
            assert hit.resolution is not None
            assert (hit.resolution.text, hit.resolution.internal) == (fix.text, fix.is_internal)
            assert hit.resolution.text in FIXES
            author = store.technicians[fix.technician_id or 0]
            assert hit.resolved_by == author.full_name
            logged = sum((w.end - w.start).total_seconds() for w in ticket.work) / 3600
            assert hit.hours_logged == round(logged, 2)
            assert ticket.resolved is not None
            took = (ticket.resolved - ticket.created).total_seconds() / 3600
            assert hit.hours_to_resolve == round(took, 1)
        # The ranking asked Atera nothing: two reads per hit, its thread and its time.
        ids = [t.ticket_id for t in result.tickets]
        assert sorted(_reads(r)) == sorted(
            f"GET /api/v3/tickets/{i}/{what}" for i in ids for what in ("comments", "workhours")
        )


async def test_a_ticket_finds_its_kin_but_never_itself(tmp_path: Path) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        store = sandbox_state(r.app).store
        member = next(i for i, key in store.families.items() if key == "mailbox-full")
        result = await similar_tickets(r.ctx, ticket_id=member, limit=10)
        ids = [t.ticket_id for t in result.tickets]
        assert member not in ids
        assert store.families.get(ids[0]) == "mailbox-full"
        assert all(store.tickets[i].status in ("Resolved", "Closed") for i in ids)
        assert not any(path.endswith(f"/tickets/{member}") for path in _reads(r))


async def test_a_ticket_the_index_has_not_seen_yet_is_read_once_from_atera(
    tmp_path: Path,
) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        store = sandbox_state(r.app).store
        body = CreateTicketModel(
            ticket_title="Kyocera output is garbled",
            description="Pages of random symbols from the Kyocera.",
            end_user_id=1001,
        )
        new = await r.ctx.atera.create_ticket(body)  # behind the index's back
        r.recorder.records.clear()
        result = await similar_tickets(r.ctx, ticket_id=new, limit=2)
        assert _reads(r)[0] == f"GET /api/v3/tickets/{new}"
        assert len(_reads(r)) == 1 + 2 * len(result.tickets)
        assert {store.families.get(t.ticket_id) for t in result.tickets} == {"kyocera-driver"}


async def test_the_fix_is_the_last_technician_reply_up_to_the_resolution(tmp_path: Path) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        store = sandbox_state(r.app).store
        member = next(i for i, key in store.families.items() if key == "bitlocker-recovery")
        ticket = store.tickets[member]
        assert ticket.resolved is not None
        tech = ticket.technician_id
        fix = [c for c in ticket.comments if c.technician_id is not None][-1]
        later = ticket.resolved + timedelta(hours=3)
        apply_comment(ticket, Comment(later, "Closing this out.", None, tech, False))
        result = await similar_tickets(r.ctx, text=ticket.title, limit=10)
        [hit] = [t for t in result.tickets if t.ticket_id == member]
        assert hit.resolution is not None
        assert hit.resolution.text == fix.text


@pytest.mark.parametrize(
    "arguments",
    [{}, {"ticket_id": 5, "text": "printer"}, {"text": "   "}, {"text": "the and of, please"}],
    ids=["neither", "both", "blank", "only-stop-words"],
)
async def test_it_needs_a_ticket_or_some_words(
    tmp_path: Path, arguments: dict[str, object]
) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        with pytest.raises(RuleError, match=r"ticket_id or text|no words"):
            await similar_tickets(r.ctx, **arguments)  # type: ignore[arg-type]
        assert r.recorder.records == []


async def test_without_the_index_it_says_so() -> None:
    async with rig() as r:
        with pytest.raises(RuleError, match="needs the ticket index"):
            await similar_tickets(r.ctx, text="printer")
