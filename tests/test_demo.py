"""`atera-mcp demo` end to end: a real process, the server spawned over stdio, output piped."""

import io
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime

import pytest

from atera_mcp.demo import Player, Style, pick, run_session

STEPS = [
    "-> find_contacts",
    "-> list_technicians",
    "-> create_ticket",
    "-> add_comment",  # public acknowledgement
    "-> add_comment",  # internal findings
    "-> log_hours",
    "-> update_ticket",
    "-> add_comment",  # public resolution summary
    "-> get_ticket",
]


@pytest.mark.slow
def test_demo_plays_both_workflows_and_exits_zero_with_plain_output_when_piped() -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    done = subprocess.run(
        [sys.executable, "-m", "atera_mcp.cli", "demo"],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "\033[" not in out, "piped output must be plain"
    position = 0
    for step in STEPS:
        found = out.find(step, position)
        assert found >= 0, f"{step} missing after position {position}:\n{out}"
        position = found + len(step)
    assert '"email": "john.smith@acme.com"' in out
    assert "Outlook down for the whole sales team" in out
    assert '"internal": false' in out
    assert '"internal": true' in out
    assert '"duration_minutes": 90' in out
    assert '"status": "Resolved"' in out
    assert "ERROR" not in out
    assert out.rstrip().endswith("Done: 9 tool calls, all succeeded.")
    assert "SANDBOX MODE" in done.stderr  # the server's banner stays off the protocol stream


def test_pick_walks_mappings_and_lists_and_gives_none_when_missing() -> None:
    data = {"contacts": [{"customer": {"name": "Acme"}}]}
    assert pick(data, "contacts.0.customer.name") == "Acme"
    assert pick(data, "contacts.1.customer.name") is None
    assert pick(data, "ticket.status") is None


def test_style_colours_only_when_enabled() -> None:
    assert Style(enabled=False).bold("x") == "x"
    assert Style(enabled=True).bold("x") == "\033[1mx\033[0m"


async def _ask_for_a_missing_ticket(player: Player, now: Callable[[], datetime]) -> None:
    await player.call("Read a ticket that does not exist", "get_ticket", ticket_id=987654)
    await player.call("Never reached", "list_technicians")


@pytest.mark.anyio
@pytest.mark.slow
async def test_demo_stops_with_status_1_at_the_first_tool_error() -> None:
    out = io.StringIO()
    status = await run_session(out, Style(enabled=False), script=_ask_for_a_missing_ticket)
    text = out.getvalue()
    assert status == 1
    assert "<- ERROR: Ticket 987654 was not found" in text
    assert "Never reached" not in text
    assert "Demo stopped: get_ticket returned an error" in text
