"""Cold start to tools/list over stdio: atera-mcp against a bare MCPServer with the same tools.

Run on demand: `make bench-startup`. Each run is a new process, driven as a desktop host drives
it: spawn, `initialize`, `notifications/initialized`, `tools/list`, timed from the spawn to the
tools/list answer, then stdin closed. The two servers alternate (bare, atera-mcp, bare, ...) so
the machine's load falls on both alike; the ratio of the medians is the figure (goal <= 1.3).

atera-mcp runs as a technician's plain start would: an API key, its SQLite index (made by the
untimed first start, opened by the timed ones, as a host opening another window finds it), no
Redis, PostgreSQL, OAuth or metrics. Its Atera is a closed loopback port, so
the background sync fails fast and nothing leaves the machine. The bare server is the SDK alone
(`--bare`): an `MCPServer` whose tools publish the reviewed snapshot's names, descriptions and
schemas, so both send the same tools/list.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RUNS = 3
GOAL = 1.3
SNAPSHOT = Path(__file__).parent.parent / "tests" / "server" / "tools_list.snapshot.json"
ANSWER_WITHIN = 60.0  # seconds: a start slower than this is a failure, not a figure


def _bare_server() -> None:
    """The baseline, run in its own process: the SDK's MCPServer and the same tools/list."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.tools import Tool
    from mcp.types import ToolAnnotations

    async def stub() -> dict[str, Any]:
        return {}

    tools = []
    for listed in json.loads(SNAPSHOT.read_text()):
        tool = Tool.from_function(
            stub,
            name=listed["name"],
            title=listed.get("title"),
            description=listed.get("description"),
            annotations=ToolAnnotations.model_validate(listed["annotations"]),
        )
        tool.parameters = listed["inputSchema"]
        tool.fn_metadata.output_schema = listed.get("outputSchema")
        tools.append(tool)
    MCPServer(name="bare", tools=tools).run("stdio")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the probe goes


def _send(process: subprocess.Popen[bytes], message: dict[str, Any]) -> None:
    assert process.stdin is not None
    process.stdin.write(json.dumps(message).encode() + b"\n")
    process.stdin.flush()


def _answer(process: subprocess.Popen[bytes], request_id: int) -> dict[str, Any]:
    assert process.stdout is not None
    while True:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the server exited before answering request {request_id}")
        message: dict[str, Any] = json.loads(line)
        if message.get("id") == request_id:
            return message


def _time_start(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Seconds from spawn to the tools/list answer, and how many tools it listed."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    try:
        _send(
            process,
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "bench_startup", "version": "1"},
                },
            },
        )
        _answer(process, 1)
        _send(process, {"jsonrpc": "2.0", "method": "notifications/initialized"})
        _send(process, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        tools = _answer(process, 2)["result"]["tools"]
        elapsed = time.perf_counter() - started
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=ANSWER_WITHIN)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if elapsed > ANSWER_WITHIN:
        raise RuntimeError(f"{command[0]} took {elapsed:.1f} s to list its tools")
    return elapsed, len(tools)


def main() -> None:
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as home:
        # Bytecode is written and read as on an installed copy (pip compiles it at install); a
        # first, untimed start of each writes it where PYTHONDONTWRITEBYTECODE kept it out.
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("ATERA_") and k != "PYTHONDONTWRITEBYTECODE"
        }
        bare_env = {**base, "HOME": home}
        ours_env = {
            **bare_env,
            "ATERA_API_KEY": "bench-startup-key-0123456789",
            "ATERA_BASE_URL": f"http://127.0.0.1:{_closed_port()}/api/v3",
            "ATERA_TECHNICIAN_ID": "101",
            "XDG_CACHE_HOME": str(Path(home) / "cache"),
        }
        commands = {
            "bare MCPServer": ([sys.executable, __file__, "--bare"], bare_env),
            "atera-mcp": ([str(bin_dir / "atera-mcp"), "serve", "--transport", "stdio"], ours_env),
        }
        timings: dict[str, list[float]] = {name: [] for name in commands}
        for command, env in commands.values():
            _time_start(command, env)
        print(f"cold start to tools/list over stdio, {RUNS} runs each, alternating")
        for run in range(1, RUNS + 1):
            for name, (command, env) in commands.items():
                seconds, listed = _time_start(command, env)
                timings[name].append(seconds)
                print(f"  run {run}  {name:15} {seconds * 1000:7.0f} ms  ({listed} tools)")
    bare, ours = (statistics.median(timings[name]) for name in commands)
    print(f"median: bare MCPServer {bare * 1000:.0f} ms, atera-mcp {ours * 1000:.0f} ms")
    print(f"ratio atera-mcp / bare: x{ours / bare:.2f} (goal <= x{GOAL})")


if __name__ == "__main__":
    if sys.argv[1:] == ["--bare"]:
        _bare_server()
    else:
        main()
