"""SKILL.md and README.md stay true to the server: the tool table is `tools/list`, the triggers
are the skill document's, and the settings table names every ATERA_* variable the code reads."""

import re
from pathlib import Path

import pytest
from mcp import Client

from atera_mcp.server import build_server
from tests.harness import NOW, recording_transport, sandbox_app, settings
from tests.server.mcp_rig import MODES, Mode

ROOT = Path(__file__).resolve().parent.parent
SKILL = ROOT / "SKILL.md"
README = ROOT / "README.md"

# The `triggers` of the ticket skill document (shared/seed), copied so the test needs no ../shared.
SKILL_DOCUMENT_TRIGGERS = [
    "atera ticket",
    "service ticket atera",
    "create ticket atera",
    "ticket status atera",
    "ticket priority atera",
    "atera service desk",
    "ticket comments",
    "work hours atera",
    "billable hours",
    "resolve ticket atera",
]


def front_matter(text: str) -> list[str]:
    """The lines between the opening and closing `---`."""
    lines = text.splitlines()
    assert lines[0] == "---", "SKILL.md must start with YAML front matter"
    end = lines.index("---", 1)
    return lines[1:end]


def front_matter_keys(lines: list[str]) -> set[str]:
    return {line.split(":", 1)[0] for line in lines if re.match(r"^[a-z_]+:", line)}


def triggers(lines: list[str]) -> list[str]:
    start = lines.index("triggers:") + 1
    found: list[str] = []
    for line in lines[start:]:
        item = re.match(r"^\s+-\s+(.*)$", line)
        if item is None:
            break
        found.append(item.group(1).strip().strip("\"'"))
    return found


def table_first_column(text: str, header: str) -> list[str]:
    """First cells of the markdown table whose header row starts with `| header |`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    cells: list[str] = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells.append(line.split("|")[1].strip())
    return cells


# What the server adds to the skill document's triggers: its triage questions.
SERVER_TRIGGERS = [
    "what is about to breach",
    "who is waiting on us",
    "how did we fix",
    "sla breach",
    "morning triage",
]


def test_skill_front_matter_names_the_skill_and_copies_the_documents_triggers() -> None:
    lines = front_matter(SKILL.read_text(encoding="utf-8"))
    assert {"name", "description", "triggers"} <= front_matter_keys(lines)
    assert "name: atera-mcp" in lines
    assert triggers(lines) == SKILL_DOCUMENT_TRIGGERS + SERVER_TRIGGERS


def test_skill_tool_table_holds_only_backticked_tool_names() -> None:
    cells = table_first_column(SKILL.read_text(encoding="utf-8"), "tool")
    assert cells
    assert all(re.fullmatch(r"`[a-z_]+`", cell) for cell in cells), cells


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_skill_tool_table_equals_tools_list(mode: Mode) -> None:
    documented = [c.strip("`") for c in table_first_column(SKILL.read_text("utf-8"), "tool")]
    server = build_server(
        settings(), transport=recording_transport(sandbox_app(tickets=20)), clock=lambda: NOW
    )
    async with Client(server, mode=mode) as client:
        listed = [tool.name for tool in (await client.list_tools()).tools]
    assert sorted(documented) == sorted(listed)
    assert len(documented) == len(set(documented)), "a tool is documented twice"


def test_readme_settings_table_names_every_atera_variable_the_code_reads() -> None:
    source = "".join(p.read_text("utf-8") for p in (ROOT / "src" / "atera_mcp").rglob("*.py"))
    read = set(re.findall(r"[\"'](ATERA_[A-Z_]+)[\"']", source))
    documented = {c.strip("`") for c in table_first_column(README.read_text("utf-8"), "variable")}
    assert read == documented
