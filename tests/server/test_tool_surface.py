"""tools/list: the fixed surface, explicit hints, a reviewed snapshot and a small size."""

import json
import os
from pathlib import Path
from typing import Any

import pytest

from atera_mcp.errors import ConfigError
from atera_mcp.server import build_server
from atera_mcp.tools import TOOLS
from tests.harness import settings
from tests.server.mcp_rig import MODES, Mode, mcp_rig

SNAPSHOT = Path(__file__).with_name("tools_list.snapshot.json")
CONTRACT_TOOLS = [
    "search_tickets",
    "get_ticket",
    "create_ticket",
    "update_ticket",
    "add_comment",
    "list_comments",
    "log_hours",
    "get_work_hours",
    "get_billable",
    "find_customers",
    "find_contacts",
    "list_technicians",
    "link_tickets",
    "similar_tickets",
]
WRITE_TOOLS = {"create_ticket", "update_ticket", "add_comment", "log_hours", "link_tickets"}


async def _listed(mode: Mode = "auto", **changes: Any) -> list[dict[str, Any]]:
    async with mcp_rig(mode, **changes) as rig:
        listed = await rig.client.list_tools()
        return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed.tools]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_the_fourteen_contract_tools_are_listed_in_a_fixed_order(mode: Mode) -> None:
    assert [t["name"] for t in await _listed(mode)] == CONTRACT_TOOLS


@pytest.mark.anyio
async def test_every_tool_states_all_four_hints_explicitly() -> None:
    for tool in await _listed():
        hints = tool["annotations"]
        for hint in ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"):
            assert isinstance(hints.get(hint), bool), f"{tool['name']} lacks {hint}"
        assert hints["readOnlyHint"] is (tool["name"] not in WRITE_TOOLS)


@pytest.mark.anyio
async def test_every_tool_has_an_output_schema_and_strict_client_friendly_inputs() -> None:
    for tool in await _listed():
        assert tool["outputSchema"]["type"] == "object", tool["name"]
        schema = json.dumps(tool["inputSchema"])
        assert "$defs" not in schema, tool["name"]
        assert '{"type": "null"}' not in schema, tool["name"]


@pytest.mark.anyio
async def test_tools_list_matches_the_reviewed_snapshot() -> None:
    listed = await _listed()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(listed, indent=1, sort_keys=True) + "\n")
    assert json.loads(SNAPSHOT.read_text()) == listed, (
        "tools/list changed: review the diff, then run UPDATE_SNAPSHOTS=1 pytest to accept it"
    )


# The whole tools/list may cost 3,600 o200k tokens once every open issue has landed.
# `make bench-tokens` counts them exactly and measured 4.21 characters of compact JSON per
# o200k token on this surface (12,531 characters, 2,980 tokens): the budget in characters.
TOKEN_BUDGET = 3_600
CHARS_PER_TOKEN = 4.2


@pytest.mark.anyio
async def test_tools_list_stays_within_its_token_budget() -> None:
    # Measured as it travels: compact JSON, as the SDK serialises it.
    size = len(json.dumps({"tools": await _listed()}, separators=(",", ":")))
    assert size <= TOKEN_BUDGET * CHARS_PER_TOKEN, (
        f"tools/list is {size:,} characters, about {size / CHARS_PER_TOKEN:,.0f} o200k tokens"
    )


@pytest.mark.anyio
async def test_read_only_mode_lists_only_read_tools() -> None:
    names = [t["name"] for t in await _listed(read_only=True)]
    assert names == [n for n in CONTRACT_TOOLS if n not in WRITE_TOOLS]


@pytest.mark.anyio
async def test_allow_list_keeps_only_the_named_tools() -> None:
    names = [t["name"] for t in await _listed(tools=frozenset({"get_ticket", "create_ticket"}))]
    assert names == ["get_ticket", "create_ticket"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "changes",
    [{"read_only": True}, {"tools": frozenset({"get_ticket"})}],
    ids=["read-only", "allow-list"],
)
async def test_a_hidden_tool_called_by_name_answers_like_an_unknown_tool_and_sends_nothing(
    changes: dict[str, Any],
) -> None:
    async with mcp_rig(**changes) as rig:
        hidden = await rig.call(
            "create_ticket", title="Printer jam", description="x", end_user_id=1
        )
        unknown = await rig.call("no_such_tool")
        assert hidden.is_error
        assert unknown.is_error
        texts = [b.model_dump()["text"] for b in (hidden.content[0], unknown.content[0])]
        assert texts[0] == texts[1].replace("no_such_tool", "create_ticket")
        assert rig.recorder.records == []


def test_an_unknown_name_in_the_allow_list_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="ATERA_TOOLS names unknown tools: get_tickets"):
        build_server(settings(tools=frozenset({"get_tickets"})))


def test_every_tool_in_the_table_is_a_contract_tool() -> None:
    assert [spec.name for spec in TOOLS] == CONTRACT_TOOLS
