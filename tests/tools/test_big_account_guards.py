"""create_ticket on a 50,000-ticket account: the duplicate check finds a ticket that a bounded
read of the customer's open tickets (500) does not reach, and a create whose answer was lost
is settled although more than 500 tickets changed since it was sent.

The account and its index are built once for the module (about a minute: the index's first
sync reads every page). `GET /tickets` answers oldest first here, so the newest tickets are
the ones past the first 500; with the index the order does not matter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest
from starlette.applications import Starlette

from atera_mcp.domain.wire import CreateTicketModel
from atera_mcp.errors import RuleError
from atera_mcp.index.service import TicketIndex
from atera_mcp.sandbox import sandbox_state
from atera_mcp.tools.tickets import create_ticket
from tests.harness import Rig, rig, sandbox_app

FILLERS = 520  # open tickets added for one customer: more than one bounded read covers
TARGET = "Printer on floor 3 jams on every job"


@dataclass(frozen=True)
class Account:
    app: Starlette
    index_path: Path
    customer_id: int
    contact_id: int
    target_id: int


async def _build(app: Starlette, index_path: Path) -> Account:
    store = sandbox_state(app).store
    contact = min(store.contacts.values(), key=lambda c: c.id)
    async with rig(app) as r:
        index = await TicketIndex.open(index_path, r.ctx.atera)
        try:
            await index.first_sync()
        finally:
            await index.close()
        # Made after the sync: the index learns of them only by catching up with the feed.
        for n in range(FILLERS):
            body = CreateTicketModel(
                ticket_title=f"Filler {n}", description="Bulk.", end_user_id=contact.id
            )
            await r.ctx.atera.create_ticket(body)
        target = await r.ctx.atera.create_ticket(
            CreateTicketModel(ticket_title=TARGET, description="Jams.", end_user_id=contact.id)
        )
    return Account(app, index_path, contact.customer_id, contact.id, target)


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Account:
    app = sandbox_app(tickets=50_000, order="oldest")
    path = tmp_path_factory.mktemp("big") / "index.sqlite3"
    return anyio.run(_build, app, path)


@asynccontextmanager
async def _indexed(account: Account) -> AsyncIterator[Rig]:
    async with rig(account.app) as r:
        index = await TicketIndex.open(account.index_path, r.ctx.atera)
        try:
            r.ctx.index = index
            yield r
        finally:
            await index.close()


@pytest.mark.anyio
async def test_a_duplicate_past_the_first_500_open_tickets_is_found(account: Account) -> None:
    async with _indexed(account) as r:
        bounded = await r.ctx.atera.list_tickets(
            customer_id=account.customer_id, status="Open", max_items=500
        )
        assert not bounded.complete
        assert account.target_id not in {t.ticket_id for t in bounded.items}
        with pytest.raises(RuleError, match=f"Ticket {account.target_id} '{TARGET}'"):
            await create_ticket(r.ctx, TARGET, "Again.", end_user_id=account.contact_id)


@pytest.mark.anyio
async def test_a_lost_answer_is_settled_although_500_tickets_changed_since(
    account: Account,
) -> None:
    async with _indexed(account) as r:
        sandbox_state(account.app).faults.drop_after_commit("POST", "/tickets")
        result = await create_ticket(
            r.ctx, "Scanner on floor 2 is offline", "Since noon.", end_user_id=account.contact_id
        )
    store = sandbox_state(account.app).store
    made = [t.id for t in store.tickets.values() if t.title == "Scanner on floor 2 is offline"]
    assert made == [result.ticket.ticket_id]
    assert result.audit()["outcome"] == "settled after a dropped connection"
