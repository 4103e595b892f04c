"""A team on one server: concurrent MCP sessions over streamable HTTP, each with its own token.

Run on demand: `.venv/bin/python bench/bench_load.py [--sessions 20] [--seconds 60]`.
Two loopback servers, each in its own thread: the sandbox (Atera's 700 requests/minute limit
on) and `atera-mcp` over streamable HTTP with bearer tokens, exactly as `serve --transport http`
builds it. Each session signs in with its own technician's token and loops over a mix of reads
and writes until the time is up. Prints per-tool p50/p95, tool errors (refusals such as an
overlapping time entry included, by first words), and what the sandbox answered, 429s
included, from the sandbox's own request log. Bounded: it stops by itself.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult
from pydantic import SecretStr
from tests.ports import free_port, serving

from atera_mcp.auth.access import http_access
from atera_mcp.auth.tokens import TokenFile
from atera_mcp.config import Settings
from atera_mcp.domain.directory import Technician
from atera_mcp.launch import http_app
from atera_mcp.sandbox import (
    SANDBOX_TECHNICIANS,
    RequestLog,
    SandboxConfig,
    create_app,
    sandbox_state,
)
from atera_mcp.server import build_server
from bench.figures import percentile

KEY = "bench-key-0123456789"
READS = ("search_tickets", "get_ticket", "list_comments", "get_work_hours", "find_customers")
WRITES = ("add_comment", "log_hours")


def arguments(
    tool: str, rng: random.Random, tickets: int, open_ids: list[int], now: datetime
) -> dict[str, Any]:
    # Reads go anywhere; writes to open tickets, since most of a seeded history is Closed.
    ticket = rng.choice(open_ids) if tool in WRITES and open_ids else rng.randint(1, tickets)
    if tool == "search_tickets":
        return {"status": [rng.choice(["Open", "Pending"])], "limit": 5}
    if tool == "get_ticket":
        return {"ticket_id": ticket}
    if tool in ("list_comments", "get_work_hours"):
        return {"ticket_id": ticket}
    if tool == "find_customers":
        return {"query": rng.choice(["acme", "dental", "law", "bakery"])}
    if tool == "add_comment":
        return {"ticket_id": ticket, "text": f"Load note {rng.random():.9f}", "internal": True}
    start = now - timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 60 * 20))
    return {
        "ticket_id": ticket,
        "start": start.isoformat(),
        "duration_minutes": 15,
        "billable": rng.random() < 0.5,
    }


class Tally:
    def __init__(self) -> None:
        self.latency: defaultdict[str, list[float]] = defaultdict(list)
        self.tool_errors: Counter[tuple[str, str]] = Counter()
        self.failures: Counter[str] = Counter()


async def session(
    url: str, token: str, seed: int, stop_at: float, tickets: int, tally: Tally
) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    timeout = httpx2.Timeout(30.0, read=300.0)
    async with (
        httpx2.AsyncClient(headers=headers, timeout=timeout) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        found = await client.call_tool("search_tickets", {"status": ["Open"], "limit": 50})
        open_ids = [t["ticket_id"] for t in (found.structured_content or {}).get("tickets", [])]
        while time.monotonic() < stop_at:
            tool = rng.choice(WRITES) if rng.random() < 0.2 else rng.choice(READS)
            started = time.perf_counter()
            try:
                result = await client.call_tool(
                    tool, arguments(tool, rng, tickets, open_ids, datetime.now(UTC))
                )
            except Exception as exc:  # a protocol or transport failure, counted not raised
                tally.failures[f"{tool}: {type(exc).__name__}"] += 1
                continue
            tally.latency[tool].append((time.perf_counter() - started) * 1000)
            if isinstance(result, CallToolResult) and result.is_error:
                text = " ".join(getattr(b, "text", "") for b in result.content)
                tally.tool_errors[(tool, re.sub(r"\d+", "#", " ".join(text.split()[:8])))] += 1


def report(tally: Tally, requests: RequestLog, rpm: int, seconds: float) -> None:
    calls = sum(len(v) for v in tally.latency.values())
    print(f"{calls} tool calls in {seconds:.0f} s ({calls / seconds:.1f}/s)")
    print(f"{'tool':16} {'calls':>6} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for tool in (*READS, *WRITES):
        times = tally.latency.get(tool, [])
        errors = sum(n for (name, _), n in tally.tool_errors.items() if name == tool)
        if times:
            p50, p95 = statistics.median(times), percentile(times, 0.95)
            print(f"{tool:16} {len(times):6} {p50:8.1f} {p95:8.1f} {errors:7}")
    for (tool, words), count in tally.tool_errors.most_common(8):
        print(f"  tool error x{count}: {tool}: {words}...")
    for failure, count in tally.failures.most_common():
        print(f"  FAILED x{count}: {failure}")
    statuses = Counter(str(e.status) for e in requests.entries())
    answered = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
    print(f"sandbox saw {len(requests)} requests ({answered})")
    print(
        f"sandbox's side: 429s {requests.throttled()}, busiest minute {requests.busiest_window()} "
        f"(limit {rpm}), sent inside a Retry-After {len(requests.inside_retry_after())}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--rpm", type=int, default=700, help="the sandbox's limit (Atera's)")
    parser.add_argument("--no-index", action="store_true", help="search by the bounded scan")
    args = parser.parse_args()

    sandbox = create_app(SandboxConfig(tickets=args.tickets, seed=1, api_key=KEY, rpm=args.rpm))
    sandbox_port, mcp_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as work:
        tokens = TokenFile(Path(work) / "tokens.json")
        technicians = tuple(Technician(t.id, t.full_name, t.email) for t in SANDBOX_TECHNICIANS)
        issued = [
            tokens.add(
                technician_id=technicians[i % len(technicians)].id,
                name=f"session {i}",
                read_only=False,
                tools=None,
                now=datetime.now(UTC),
            )[0]
            for i in range(args.sessions)
        ]
        settings = Settings(
            api_key=SecretStr(KEY),
            base_url=f"http://127.0.0.1:{sandbox_port}/api/v3",
            technicians=technicians,
            rpm=args.rpm,
            tokens_file=tokens.path,
            index_enabled=not args.no_index,
            index_path=None if args.no_index else Path(work) / "index.sqlite3",
        )
        access = http_access(settings, local_url=f"http://127.0.0.1:{mcp_port}")
        server = build_server(settings, access=access)
        url = f"http://127.0.0.1:{mcp_port}/mcp"
        print(
            f"{args.sessions} sessions x {args.seconds:.0f} s against {args.tickets} tickets; "
            f"Atera limit {args.rpm}/min; index {'off' if args.no_index else 'on'}"
        )
        with serving(sandbox, sandbox_port), serving(http_app(server, settings, access), mcp_port):
            tally = Tally()
            started = time.monotonic()
            stop_at = started + args.seconds

            async def run_all() -> None:
                # Bounded: every session stops starting calls at stop_at; a minute's grace.
                with anyio.fail_after(args.seconds + 60):
                    async with anyio.create_task_group() as group:
                        for i, token in enumerate(issued):
                            group.start_soon(session, url, token, i, stop_at, args.tickets, tally)

            anyio.run(run_all)
            report(tally, sandbox_state(sandbox).requests, args.rpm, time.monotonic() - started)


if __name__ == "__main__":
    main()
