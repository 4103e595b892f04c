"""The queue read from the index, checked against brute force over every ticket (both engines)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from atera_mcp.domain.wire import TicketDto
from atera_mcp.errors import RuleError
from atera_mcp.tools.queue import QUEUE_LIMIT, read_queue
from tests.harness import NOW, indexed_rig, rig, sandbox_app
from tests.tools.search_oracle import every_ticket, sla_due_of, soonest_due, waiting_on_of

pytestmark = pytest.mark.anyio


def is_open(t: TicketDto) -> bool:
    return t.ticket_status not in ("Resolved", "Closed")


async def test_each_list_is_exact_soonest_due_first_and_capped(tmp_path: Path) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3", sandbox_app(tickets=1500, seed=5)) as r:
        tickets = await every_ticket(r)
        r.recorder.records.clear()
        queue = await read_queue(r.ctx, refresh=False)
        far = datetime.max.replace(tzinfo=UTC)
        expected = {
            "breached": [t for t in tickets if (sla_due_of(t) or far) < NOW],
            "at_risk": [t for t in tickets if NOW <= (sla_due_of(t) or far) < NOW.replace(hour=16)],
            "waiting_on_us": [t for t in tickets if waiting_on_of(t) == "us"],
            "unassigned": [t for t in tickets if is_open(t) and t.technician_contact_id is None],
        }
        for name, wanted in expected.items():
            shown = getattr(queue, name)
            assert shown.total == len(wanted) > 0, name
            assert [t.ticket_id for t in shown.tickets] == soonest_due(wanted)[:QUEUE_LIMIT], name
        assert queue.breached.total > QUEUE_LIMIT  # the cap is exercised
        assert r.recorder.records == []


async def test_the_content_key_ignores_as_of_but_not_the_passing_of_time(
    tmp_path: Path,
) -> None:
    async with indexed_rig(tmp_path / "i.sqlite3") as r:
        first = await read_queue(r.ctx, refresh=False)
        assert first.model_copy(update={"as_of": NOW}).content_key() == first.content_key()
        r.ctx.clock = lambda: NOW + timedelta(days=1)  # due times pass: tickets get breached
        later = await read_queue(r.ctx, refresh=False)
        assert later.breached.total > first.breached.total
        assert later.content_key() != first.content_key()


async def test_without_the_index_the_queue_says_how_to_search_instead() -> None:
    async with rig() as r:
        with pytest.raises(RuleError, match="sla or waiting_on"):
            await read_queue(r.ctx)
