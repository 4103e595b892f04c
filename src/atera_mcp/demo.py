"""`atera-mcp demo`: the skill document's two workflows, played through a real MCP session.

The server is spawned as `atera-mcp serve --sandbox` over stdio and driven with the official MCP
client, exactly as an assistant would: every tool call and a readable result are printed
(coloured in a terminal, plain when piped). Exit status 0 when every step succeeds, 1 when one
comes back as a tool error or the session fails.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

import anyio
from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult

REQUESTER = "john.smith@acme.com"
SESSION_TIMEOUT = 180.0  # seconds for the whole demo, server start included

# Per tool, the fields worth showing beside the text summary (dotted paths into the result).
KEY_FIELDS: Mapping[str, tuple[str, ...]] = {
    "find_contacts": ("contacts.0.id", "contacts.0.customer.name", "contacts.0.customer.id"),
    "list_technicians": ("technicians.0.name", "technicians.1.name"),
    "create_ticket": (
        "ticket.ticket_id",
        "ticket.status",
        "ticket.priority",
        "ticket.impact",
        "ticket.technician.name",
        "ticket.response_due",
    ),
    "add_comment": ("comment.internal", "comment.author"),
    "log_hours": ("entry.minutes", "entry.billable", "totals.billable_hours"),
    "update_ticket": ("changes.0.field", "changes.0.before", "changes.0.after"),
    "get_ticket": (
        "ticket.status",
        "ticket.resolved_at",
        "ticket.last_technician_comment.text",
        "time.billable_hours",
        "time.non_billable_hours",
    ),
}


class StepFailed(Exception):
    """A tool came back with isError; the demo stops there."""


@dataclass(frozen=True)
class Style:
    """ANSI styling when writing to a terminal; identity functions when piped."""

    enabled: bool

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def call(self, text: str) -> str:
        return self._wrap("36", text)

    def ok(self, text: str) -> str:
        return self._wrap("32", text)

    def error(self, text: str) -> str:
        return self._wrap("1;31", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)


def pick(data: object, path: str) -> object:
    """`pick({"a": [{"b": 1}]}, "a.0.b") == 1`; a missing step gives None."""
    for part in path.split("."):
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _shorten(value: object, limit: int = 72) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Player:
    """Plays tool calls on a connected client and prints each call and its outcome."""

    def __init__(self, out: TextIO, style: Style) -> None:
        self.out = out
        self.style = style
        self.step = 0
        self._client: Client | None = None

    def attach(self, client: Client) -> Player:
        self._client = client
        return self

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def section(self, title: str) -> None:
        self.say()
        self.say(self.style.bold(f"== {title} =="))

    async def call(self, purpose: str, name: str, **arguments: Any) -> dict[str, Any]:
        self.step += 1
        s = self.style
        self.say()
        self.say(s.bold(f"[{self.step}] {purpose}"))
        self.say("    " + s.call(f"-> {name} {json.dumps(arguments, ensure_ascii=False)}"))
        assert self._client is not None, "attach() a connected client first"
        result = await self._client.call_tool(name, arguments)
        if not isinstance(result, CallToolResult):
            raise StepFailed(f"{name} did not return a tool result")
        text = "\n".join(getattr(block, "text", "") for block in result.content)
        if result.is_error:
            self.say("    " + s.error(f"<- ERROR: {text}"))
            raise StepFailed(f"{name} returned an error: {text}")
        for n, line in enumerate(text.splitlines() or ["(no text)"]):
            self.say("    " + s.ok(("<- " if n == 0 else "   ") + line))
        data = result.structured_content or {}
        for path in KEY_FIELDS.get(name, ()):
            value = pick(data, path)
            if value is not None:
                self.say("       " + s.dim(f"{path}: {_shorten(value)}"))
        return data


async def play(player: Player, now: Callable[[], datetime]) -> None:
    """The creation workflow, then the resolution workflow, on one new ticket."""
    player.section("Creation workflow: a new request from Acme")
    found = await player.call(
        "Validate the customer: find the requester's contact", "find_contacts", email=REQUESTER
    )
    contacts = found.get("contacts") or []
    if not contacts:
        raise StepFailed(f"no contact found for {REQUESTER}")
    john = contacts[0]
    techs = await player.call("Choose who takes it: the known technicians", "list_technicians")
    technicians = techs.get("technicians") or []
    assignee = next((t for t in technicians if not t.get("acting")), None) or (
        technicians[0] if technicians else None
    )
    assign = {"technician_id": assignee["id"]} if assignee else {}
    created = await player.call(
        "Set the priority (a whole team cannot work: High) and assign a technician",
        "create_ticket",
        title="Outlook down for the whole sales team",
        description=(
            "John Smith reports that Outlook has been disconnected for the whole sales team "
            "(5 users) since 9am. Webmail works."
        ),
        priority="High",
        type="Incident",
        impact="Major",
        end_user_id=john["id"],
        **assign,
    )
    ticket_id = created["ticket"]["ticket_id"]
    await player.call(
        "Acknowledge to the customer (public reply)",
        "add_comment",
        ticket_id=ticket_id,
        text=(
            f"Hi John, thanks for reporting this. Ticket {ticket_id} is open with High priority "
            "and a technician is looking at it now; you will hear from us within 4 hours."
        ),
        internal=False,
    )

    player.section("Resolution workflow: fix, document, bill, tell the customer")
    await player.call(
        "Document the findings (internal note, the customer does not see it)",
        "add_comment",
        ticket_id=ticket_id,
        text=(
            "Root cause: the Exchange SSL certificate expired at 08:55. Renewed it, rebound it "
            "to the IIS and SMTP services, restarted the transport service; Outlook reconnects."
        ),
        internal=True,
    )
    start = (now() - timedelta(hours=2)).replace(second=0, microsecond=0)
    await player.call(
        "Log the time worked: 90 minutes, billable",
        "log_hours",
        ticket_id=ticket_id,
        start=start.isoformat(),
        duration_minutes=90,
        billable=True,
        description="Diagnosed Outlook disconnects; renewed the Exchange certificate.",
    )
    await player.call(
        "Set the ticket to Resolved", "update_ticket", ticket_id=ticket_id, status="Resolved"
    )
    await player.call(
        "Notify the customer with a resolution summary (public reply)",
        "add_comment",
        ticket_id=ticket_id,
        text=(
            "Hi John, Outlook is working again for the sales team. The cause was an expired "
            "security certificate on the mail server, which we have renewed. Please restart "
            "Outlook if it still shows 'Disconnected', and reply here if anything is not right."
        ),
        internal=False,
    )
    await player.call(
        "Read the ticket back with its time",
        "get_ticket",
        ticket_id=ticket_id,
        include_time=True,
    )


def server_parameters() -> StdioServerParameters:
    """`atera-mcp serve --sandbox` in this interpreter; a real key in the environment is unused."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATERA_")}
    env["ATERA_LOG_LEVEL"] = os.environ.get("ATERA_LOG_LEVEL", "WARNING")
    return StdioServerParameters(
        command=sys.executable, args=["-m", "atera_mcp.cli", "serve", "--sandbox"], env=env
    )


Script = Callable[[Player, Callable[[], datetime]], Awaitable[None]]


async def run_session(out: TextIO, style: Style, script: Script = play) -> int:
    """Spawn the server, play `script` on it, and return the exit status."""
    player = Player(out, style)
    failure: str | None = None
    try:
        with anyio.fail_after(SESSION_TIMEOUT):
            async with Client(server_parameters()) as client:
                tools = await client.list_tools()
                player.say(
                    style.bold("atera-mcp demo")
                    + ": the ticket skill's creation and resolution workflows, played through "
                    "a real MCP session"
                )
                player.say(
                    f"Server: atera-mcp serve --sandbox over stdio (seeded demo data), "
                    f"{len(tools.tools)} tools"
                )
                # Caught inside the session: leaving it by exception would wrap it in a group.
                try:
                    await script(player.attach(client), lambda: datetime.now(UTC))
                except StepFailed as exc:
                    failure = str(exc)
    except TimeoutError:
        failure = f"no answer within {SESSION_TIMEOUT:g} s"
    if failure is not None:
        player.say(f"\n{style.error('Demo stopped')}: {failure}")
        return 1
    player.say(f"\n{style.ok('Done')}: {player.step} tool calls, all succeeded.")
    return 0


def run_demo() -> int:
    """Play the demo on stdout; formatted when stdout is a terminal. Returns the exit status."""
    out = sys.stdout
    style = Style(enabled=out.isatty() and "NO_COLOR" not in os.environ)
    return anyio.run(run_session, out, style)
