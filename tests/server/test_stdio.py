"""`atera-mcp serve --sandbox` as a real subprocess over stdio: the official client works, and
nothing but protocol ever reaches stdout."""

import json
import os
import sys
from collections.abc import Mapping

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult

SERVE = ["-m", "atera_mcp.cli", "serve", "--sandbox", "--tickets", "60"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATERA_")}
    env["ATERA_LOG_LEVEL"] = "INFO"  # chatty on purpose: logs must still stay off stdout
    return env


@pytest.mark.anyio
async def test_the_official_client_lists_and_calls_tools_over_stdio() -> None:
    params = StdioServerParameters(command=sys.executable, args=SERVE, env=_env())
    with anyio.fail_after(60):
        async with Client(params) as client:
            tools = await client.list_tools()
            assert len(tools.tools) == 14
            found = await client.call_tool("find_customers", {"query": "acme"})
            assert isinstance(found, CallToolResult)
            assert not found.is_error
            assert found.structured_content is not None
            assert found.structured_content["customers"][0]["name"] == "Acme Corporation"
            missing = await client.call_tool("get_ticket", {"ticket_id": 987654})
            assert isinstance(missing, CallToolResult)
            assert missing.is_error
            assert "Ticket 987654 was not found" in missing.content[0].model_dump()["text"]


def _request(ident: int, method: str, params: Mapping[str, object]) -> bytes:
    message = {"jsonrpc": "2.0", "id": ident, "method": method, "params": params}
    return (json.dumps(message) + "\n").encode()


@pytest.mark.anyio
async def test_nothing_but_json_rpc_reaches_stdout() -> None:
    init = {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "stdout-purity-test", "version": "1"},
    }
    notification = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    script = (
        _request(1, "initialize", init)
        + (json.dumps(notification) + "\n").encode()
        + _request(2, "tools/list", {})
        + _request(3, "tools/call", {"name": "get_ticket", "arguments": {"ticket_id": 1}})
        + _request(4, "tools/call", {"name": "get_ticket", "arguments": {"ticket_id": 0}})
    )
    with anyio.fail_after(60):
        process = await anyio.open_process([sys.executable, *SERVE], env=_env())
        async with process:
            assert process.stdin is not None
            assert process.stdout is not None
            assert process.stderr is not None
            await process.stdin.send(script)
            out = b""
            while out.count(b"\n") < 4:
                out += await process.stdout.receive()
            await process.stdin.aclose()
            async for chunk in process.stdout:
                out += chunk
            err = b"".join([chunk async for chunk in process.stderr])
            await process.wait()
    lines = out.decode().splitlines()
    messages = [json.loads(line) for line in lines]
    assert all(m.get("jsonrpc") == "2.0" for m in messages)
    assert sorted(m["id"] for m in messages if "id" in m) == [1, 2, 3, 4]
    assert "SANDBOX MODE" in err.decode()
