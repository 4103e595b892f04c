"""The apps as served: one self-contained document each, declared by its tool, and nothing
changed for a client that shows no apps."""

import re
from pathlib import Path

import pytest
from mcp import MCPError
from mcp.types import TextResourceContents

from atera_mcp.apps import APP_OF_TOOL, resource_uri
from atera_mcp.apps.inline import MAX_BYTES, build
from atera_mcp.auth.tokens import TokenFile
from tests.harness import NOW, TECHNICIANS, settings
from tests.server.http_rig import http_rig
from tests.server.mcp_rig import mcp_rig, text_of

pytestmark = pytest.mark.anyio
SOURCE = Path(__file__).parents[2] / "src" / "atera_mcp" / "apps"


@pytest.mark.parametrize("app", sorted(APP_OF_TOOL.values()))
def test_each_app_is_one_small_html5_document_that_loads_nothing(app: str) -> None:
    html = build(app)
    assert html.startswith("<!DOCTYPE html>")
    assert len(html.encode()) <= MAX_BYTES
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html)
    assert not re.search(r"<script\s+src|@import|url\(|https?://(?!www\.w3\.org/2000/svg)", html)


def test_no_app_source_writes_markup_from_data() -> None:
    for path in SOURCE.rglob("*.js"):
        source = path.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in source, f"{path.name} uses {sink}"


async def test_each_app_tool_declares_its_resource_both_ways_and_the_host_can_read_it() -> None:
    async with mcp_rig() as rig:
        tools = {t.name: t for t in (await rig.client.list_tools()).tools}
        listed = {str(r.uri): r for r in (await rig.client.list_resources()).resources}
        for tool, app in APP_OF_TOOL.items():
            uri = resource_uri(app)
            assert tools[tool].meta == {"ui": {"resourceUri": uri}, "ui/resourceUri": uri}
            assert listed[uri].mime_type == "text/html;profile=mcp-app"
            assert "ui" not in (listed[uri].meta or {})  # no csp: the spec's default
            (content,) = (await rig.client.read_resource(uri)).contents
            assert isinstance(content, TextResourceContents)
            assert content.text == build(app)
        assert all(t.meta is None for name, t in tools.items() if name not in APP_OF_TOOL)


async def test_an_allow_list_without_the_tool_serves_no_app_for_it() -> None:
    async with mcp_rig(tools=frozenset({"get_ticket", "update_ticket"})) as rig:
        uris = [str(r.uri) for r in (await rig.client.list_resources()).resources]
        assert resource_uri("card") in uris
        assert resource_uri("queue") not in uris
        assert resource_uri("billing") not in uris


async def test_a_token_sees_only_the_apps_of_the_tools_it_may_use(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token, _ = TokenFile(path).add(
        technician_id=TECHNICIANS[0].id, name="", read_only=True, tools=("get_billable",), now=NOW
    )
    async with http_rig(settings(tokens_file=path), tickets=20) as rig, rig.client(token) as client:
        uris = [str(r.uri) for r in (await client.list_resources()).resources]
        with pytest.raises(MCPError, match="Unknown resource"):
            await client.read_resource(resource_uri("card"))
        assert (await client.read_resource(resource_uri("billing"))).contents
    assert [u for u in uris if u.startswith("ui://")] == [resource_uri("billing")]


async def test_a_text_only_client_reads_the_same_text_as_before() -> None:
    async with mcp_rig() as rig:
        result = await rig.call("get_ticket", ticket_id=300)
        assert text_of(result) == (
            "#300 [Pending/Low] Laptop replacement for David Reed (Cedar Ridge Veterinary Clinic)"
            " - Grace Kim\nEnd user: David Reed"
        )
        content = result.structured_content
        assert content is not None
        assert content["allowed_statuses"] == ["Open", "Resolved", "Closed"]
