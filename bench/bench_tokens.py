"""What the model pays in o200k tokens: tools/list per tool and in total, and a search hit
against Atera's raw TicketDto.

Run on demand: `make bench-tokens` (installs the `bench` extra). Counts are exact o200k_base
tokens of compact JSON, as the SDK sends it, from bpe-openai (its Rust crate embeds the
vocabulary: nothing is downloaded at run time). The test suite keeps a chars/4 bound only;
this prints the chars-per-token ratio that bound rests on.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import anyio
import bpe_openai
import httpx
from mcp import Client
from tests.harness import API_KEY, BASE_URL, NOW, sandbox_app, settings

from atera_mcp.sandbox import sandbox_transport
from atera_mcp.server import build_server

BUDGET = 3_600  # every tool, once every open issue has landed
HIT_SHARE_GOAL = 0.22
ENCODING = bpe_openai.get_encoding("o200k_base")


def compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def tokens(value: object) -> int:
    return len(ENCODING.encode(compact(value)))


def _tools_table(listed: list[dict[str, Any]]) -> None:
    print(f"{'tool':18} {'tokens':>6} {'descr':>6} {'input':>6} {'output':>6} {'hints':>6}")
    for tool in listed:
        parts = [
            len(ENCODING.encode(tool.get("description", ""))),
            tokens(tool["inputSchema"]),
            tokens(tool["outputSchema"]),
            tokens(tool["annotations"]),
        ]
        print(f"{tool['name']:18} {tokens(tool):6} " + " ".join(f"{p:6}" for p in parts))
    whole = {"tools": listed}
    total, chars = tokens(whole), len(compact(whole))
    print(f"{'tools/list':18} {total:6}   of {BUDGET:,} ({total / BUDGET:.0%} of the budget)")
    print(f"compact JSON: {chars:,} chars, {chars / total:.2f} chars per o200k token")


async def _raw_tickets(app: Any) -> dict[int, dict[str, Any]]:
    raw: dict[int, dict[str, Any]] = {}
    transport = sandbox_transport(app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        page = 1
        while True:
            answer = await http.get(
                "/tickets", params={"page": page, "itemsInPage": 50}, headers={"X-API-KEY": API_KEY}
            )
            answer.raise_for_status()
            body = answer.json()
            raw.update({item["TicketID"]: item for item in body["items"]})
            if page >= body["totalPages"]:
                return raw
            page += 1


async def _search(client: Client, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool("search_tickets", arguments)
    content: dict[str, Any] | None = result.structured_content
    assert not result.is_error, result
    assert content is not None
    return content


async def _hits(client: Client) -> list[dict[str, Any]]:
    for _ in range(600):  # the index's first sync of the sandbox's 300 tickets: 60 s at most
        if (await _search(client, {"limit": 1}))["complete"]:
            break
        await anyio.sleep(0.1)
    else:
        raise TimeoutError("the index did not finish its first sync within 60 s")
    hits: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        content = await _search(client, {"limit": 50, **({"cursor": cursor} if cursor else {})})
        hits += content["tickets"]
        cursor = content.get("next_cursor")
        if not cursor:
            return hits


async def main() -> None:
    app = sandbox_app()
    with tempfile.TemporaryDirectory() as folder:
        server = build_server(
            settings(index_path=Path(folder) / "index.sqlite3"),
            transport=sandbox_transport(app),
            clock=lambda: NOW,
        )
        async with Client(server) as client:
            listed = [
                t.model_dump(mode="json", by_alias=True, exclude_none=True)
                for t in (await client.list_tools()).tools
            ]
            _tools_table(listed)
            hits = await _hits(client)
    raw = await _raw_tickets(app)
    hit_tokens = sum(tokens(hit) for hit in hits)
    raw_tokens = sum(tokens(raw[hit["ticket_id"]]) for hit in hits)
    share = hit_tokens / raw_tokens
    print(
        f"search hits: {len(hits)} sandbox tickets, {hit_tokens / len(hits):.1f} o200k tokens a "
        f"hit against {raw_tokens / len(hits):.1f} for the raw TicketDto: {share:.1%} "
        f"(goal {HIT_SHARE_GOAL:.0%})"
    )


if __name__ == "__main__":
    anyio.run(main)
