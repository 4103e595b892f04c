"""A plain stdio start pays nothing for the features it does not use.

With no Redis, PostgreSQL, OAuth or metrics configured, building the server for a stdio run
and answering tools/list loads none of their libraries (redis-py, psycopg, prometheus_client,
PyJWT) nor the sandbox. Checked in a fresh interpreter: modules other tests imported into this
one would hide an import. The same probe with Redis configured shows it does see them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from atera_mcp.tools import TOOLS

# Top-level packages, and the project's own modules that import them or are heavy themselves.
HEAVY = (
    "redis",
    "psycopg",
    "psycopg_binary",
    "prometheus_client",
    "jwt",
    "atera_mcp.auth.jwks",
    "atera_mcp.auth.oauth",
    "atera_mcp.index.postgres",
    "atera_mcp.ops.metrics",
    "atera_mcp.sandbox",
    "atera_mcp.shared.redis_budget",
    "atera_mcp.shared.redis_link",
    "atera_mcp.shared.redis_locks",
)

PROBE = """
import json, sys
import anyio
from mcp import Client
from atera_mcp.cli import main  # what the console script imports first
from atera_mcp.config import Settings
from atera_mcp.launch import stdio_server

settings = Settings.from_env(json.loads(sys.argv[1]))

async def list_tools():
    async with Client(stdio_server(settings)) as client:
        return [tool.name for tool in (await client.list_tools()).tools]

listed = anyio.run(list_tools)
heavy = json.loads(sys.argv[2])
loaded = sorted(h for h in heavy if any(m == h or m.startswith(h + ".") for m in sys.modules))
print(json.dumps({"listed": len(listed), "loaded": loaded}))
"""


def _start(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(env), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return answer


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "ATERA_API_KEY": "plain-start-key-0123456789",
        # A closed port: the index's background sync fails at once, nothing leaves the machine.
        "ATERA_BASE_URL": "http://127.0.0.1:9/api/v3",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        **extra,
    }


@pytest.mark.slow
def test_a_plain_stdio_start_up_to_tools_list_loads_no_optional_feature(tmp_path: Path) -> None:
    started = _start(_env(tmp_path))
    assert started == {"listed": len(TOOLS), "loaded": []}


@pytest.mark.slow
def test_the_probe_sees_redis_when_redis_is_configured(tmp_path: Path) -> None:
    started = _start(_env(tmp_path, ATERA_REDIS_URL="redis://127.0.0.1:9/0"))
    assert started["listed"] == len(TOOLS)
    assert "redis" in started["loaded"]
    assert "atera_mcp.shared.redis_link" in started["loaded"]
