"""create_ticket's checks over the whole account read the index (on both engines), brought up
to the moment through Atera's change feed first; without it they say when they saw only part."""

from __future__ import annotations

from pathlib import Path

import pytest

from atera_mcp.errors import RuleError
from atera_mcp.sandbox import sandbox_state
from atera_mcp.tools.tickets import create_ticket
from tests.harness import indexed_rig, rig, sandbox_app
from tests.index.helpers import create

pytestmark = pytest.mark.anyio


def _contact(app: object) -> int:
    return min(sandbox_state(app).store.contacts)  # type: ignore[arg-type]


async def test_a_duplicate_made_elsewhere_a_moment_ago_is_found_through_the_index(
    tmp_path: Path,
) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        made = await create(r.app, "Badge reader rejects every card")  # in Atera's web app
        with pytest.raises(RuleError, match=f"Ticket {made} 'Badge reader rejects every card'"):
            await create_ticket(
                r.ctx, "badge reader  rejects every card", "Again.", end_user_id=_contact(r.app)
            )
        feeds = [x for x in r.recorder.records if x.request.url.path.endswith("/lastmodified")]
        lists = [x for x in r.recorder.records if x.request.url.path.endswith("/tickets")]
        assert feeds, "the index caught up with Atera's change feed first"
        assert not lists, "no bounded list of the customer's tickets was read"


async def test_a_ticket_whose_answer_was_dropped_is_found_through_the_index(
    tmp_path: Path,
) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        sandbox_state(r.app).faults.drop_after_commit("POST", "/tickets")
        result = await create_ticket(
            r.ctx, "Projector in room 4 flickers", "Since Monday.", end_user_id=_contact(r.app)
        )
        store = sandbox_state(r.app).store
        [ticket] = [t for t in store.tickets.values() if t.title == "Projector in room 4 flickers"]
        assert result.ticket.ticket_id == ticket.id
        assert result.audit()["outcome"] == "settled after a dropped connection"


async def test_without_the_index_a_check_that_read_only_part_of_the_list_says_so() -> None:
    app = sandbox_app(tickets=300)
    store = sandbox_state(app).store
    contact = store.contacts[_contact(app)]
    async with rig(app) as r:
        # More open tickets for this customer than one list read covers without the index.
        for n in range(501):
            await create(app, f"Filler {n}")
        result = await create_ticket(
            r.ctx, "Mail rule deletes invoices", "Found today.", end_user_id=contact.id
        )
    assert "The duplicate check read only 500 of the customer's" in result.note
    assert "an open duplicate may have been missed" in result.note
