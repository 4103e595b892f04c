"""Search on a large account, side by side: the bounded scan (index off) against the index.

Run on demand: `PYTHONPATH=. .venv/bin/python bench/bench_index.py [--tickets 50000]`.
The sandbox plays Atera, including its limit (700 requests in any sliding minute, 429 with
Retry-After past it) and an undocumented list order (`--order oldest` by default, as one
Atera-compatible API lists). Prints, for the issue's targets:
- cold sync time against its floor (pages / sync budget per second), requests against pages;
- warm search p50/p95 over mixed queries through MCP in-process, and over stdio;
- requests per warm search, staleness of a change made outside the server, requests until a
  restarted server answers, HTTP 429s seen, peak RSS and the index file's size;
- the bounded scan's latency, requests and how many of the true matches it found.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import uvicorn
from mcp import Client, StdioServerParameters
from pydantic import SecretStr

from atera_mcp.client import AteraClient, RateBudget, current_request_class
from atera_mcp.config import Settings
from atera_mcp.domain.directory import Technician
from atera_mcp.domain.wire import CreateTicketModel
from atera_mcp.index.service import TicketIndex
from atera_mcp.sandbox import (
    SANDBOX_TECHNICIANS,
    SandboxConfig,
    create_app,
    sandbox_state,
    sandbox_transport,
)
from atera_mcp.server import build_server
from bench.figures import percentile

KEY = "bench-key-0123456789"
BASE_URL = "https://sandbox.bench/api/v3"
QUERIES: list[dict[str, Any]] = [
    {"customer_name": "Acme", "status": ["Open", "Pending"]},
    {"status": ["Open"], "priority": ["Critical", "High"], "sort": "priority"},
    {"query": "outlook", "customer_id": 1},
    {"query": "printer jam", "sort": "relevance"},
    {"query": "vpn"},
    {"status": ["Pending"], "technician_id": 103},
    {"overdue": True},
    {"priority": ["Critical"], "status": ["Open"]},
    {"query": "password reset", "status": ["Open", "Pending", "Resolved"]},
    {"end_user_email": "john.smith@acme.com"},
]


class Counter(httpx.AsyncBaseTransport):
    """Counts the requests a client sends (and the 429s it gets) on the way to the sandbox;
    `interactive` leaves out the index's background work (backfill, periodic deltas)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent = 0
        self.interactive = 0
        self.throttled = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        self.interactive += current_request_class() == "interactive"
        response = await self.inner.handle_async_request(request)
        self.throttled += response.status_code == 429
        return response


def settings(*, index_path: Path | None, refresh: float = 15.0, **more: Any) -> Settings:
    return Settings(
        api_key=SecretStr(KEY),
        base_url=BASE_URL,
        technicians=tuple(Technician(t.id, t.full_name, t.email) for t in SANDBOX_TECHNICIANS),
        technician_id=SANDBOX_TECHNICIANS[0].id,
        index_path=index_path,
        index_refresh=refresh,
        **more,
    )


async def timed(calls: int, call: Callable[[dict[str, Any]], Awaitable[Any]]) -> list[float]:
    times: list[float] = []
    for n in range(calls):
        began = time.perf_counter()
        await call(QUERIES[n % len(QUERIES)])
        times.append((time.perf_counter() - began) * 1000)
    return times


def line(label: str, times: list[float], requests: float | None = None) -> None:
    extra = f", {requests:.2f} requests per search" if requests is not None else ""
    print(
        f"  {label}: p50 {statistics.median(times):.1f} ms, "
        f"p95 {percentile(times, 0.95):.1f} ms{extra}"
    )


async def cold_sync(app: Any, path: Path, rpm: int, sync_rpm: int) -> Counter:
    counter = Counter(sandbox_transport(app))
    budget = RateBudget(rpm, sync_rpm=sync_rpm)
    async with AteraClient(
        api_key=KEY, base_url=BASE_URL, transport=counter, rate_budget=budget
    ) as atera:
        index = await TicketIndex.open(path, atera)
        began = time.perf_counter()
        await index.first_sync()
        took = time.perf_counter() - began
        tickets = await index.run(lambda s: s.count())
        await index.close()
    pages = math.ceil(tickets / 50)
    floor = pages / (sync_rpm / 60)
    print(
        f"cold sync: {tickets:,} tickets in {took:.1f} s; floor {floor:.1f} s "
        f"({pages} pages at {sync_rpm}/min) -> {took / floor:.3f}x the floor"
    )
    print(
        f"  requests {counter.sent} for {pages} pages -> {counter.sent / pages:.3f}x; "
        f"429s {counter.throttled}"
    )
    return counter


async def bounded_scan(app: Any, calls: int) -> None:
    counter = Counter(sandbox_transport(app))
    server = build_server(settings(index_path=None, rpm=700), transport=counter)
    async with Client(server) as client:
        found: list[str] = []

        async def call(arguments: dict[str, Any]) -> None:
            result = await client.call_tool("search_tickets", arguments)
            data = result.structured_content or {}
            found.append(f"{data.get('total')}{'' if data.get('complete') else '+?'}")

        times = await timed(calls, call)
    line("bounded scan (index off), in-process", times, counter.sent / calls)
    print(f"    totals it reported: {', '.join(found[: len(QUERIES)])}")


async def warm_index(app: Any, path: Path, calls: int) -> None:
    counter = Counter(sandbox_transport(app))
    server = build_server(settings(index_path=path, rpm=700), transport=counter)
    async with Client(server) as client:
        totals: list[str] = []

        async def call(arguments: dict[str, Any]) -> None:
            result = await client.call_tool("search_tickets", arguments)
            totals.append(str((result.structured_content or {}).get("total")))

        await call(QUERIES[0])  # the first search after start may catch up with the feed
        counter.sent = counter.interactive = 0
        began = time.perf_counter()
        times = await timed(calls, call)
        took = time.perf_counter() - began
        line("index, MCP in-process", times, counter.interactive / calls)
        print(
            f"    ({calls} searches in {took:.1f} s; background work meanwhile: "
            f"{counter.sent - counter.interactive} requests)"
        )
        await after_refresh_window(client, counter)
        print(f"    exact totals: {', '.join(totals[1 : len(QUERIES) + 1])}")
        await staleness(app, client)


async def after_refresh_window(client: Client, counter: Counter) -> None:
    """A search after an idle spell longer than the refresh interval (15 s)."""
    await anyio.sleep(16)
    counter.interactive = 0
    await client.call_tool("search_tickets", QUERIES[2])
    print(f"  a search after the refresh window: {counter.interactive} requests")


async def staleness(app: Any, client: Client) -> None:
    """A change made in 'Atera' by someone else: how long until a search finds it."""
    outside = AteraClient(api_key=KEY, base_url=BASE_URL, rpm=0, transport=sandbox_transport(app))
    async with outside:
        await outside.create_ticket(
            CreateTicketModel(
                ticket_title="Quetzalfirewall outage", description="made outside", end_user_id=1001
            )
        )
    began = time.perf_counter()
    while time.perf_counter() - began < 60:
        result = await client.call_tool("search_tickets", {"query": "quetzalfirewall"})
        if (result.structured_content or {}).get("total"):
            print(
                f"  a change made outside the server was found after "
                f"{time.perf_counter() - began:.1f} s"
            )
            return
        await anyio.sleep(0.5)
    print("  a change made outside the server was NOT found within 60 s")


async def restart(app: Any, path: Path) -> None:
    counter = Counter(sandbox_transport(app))
    began = time.perf_counter()
    server = build_server(settings(index_path=path, rpm=700), transport=counter)
    async with Client(server) as client:
        await client.call_tool("search_tickets", QUERIES[1])
        took = (time.perf_counter() - began) * 1000
        print(f"restart to first answer: {took:.0f} ms, {counter.sent} requests to Atera")


def serve_sandbox(app: Any) -> tuple[str, uvicorn.Server]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v3", server


async def over_stdio(app: Any, path: Path, calls: int) -> list[str]:
    """Warm searches through a stdio server; the totals of QUERIES, as printed."""
    base_url, sandbox = serve_sandbox(app)
    env = {
        **os.environ,
        "ATERA_API_KEY": KEY,
        "ATERA_BASE_URL": base_url,
        "ATERA_INDEX_PATH": str(path),
        "ATERA_TECHNICIAN_ID": str(SANDBOX_TECHNICIANS[0].id),
    }
    command = str(Path(sys.executable).with_name("atera-mcp"))
    params = StdioServerParameters(command=command, args=["serve"], env=env)
    try:
        async with Client(params) as client:
            totals: list[str] = []

            async def call(arguments: dict[str, Any]) -> None:
                result = await client.call_tool("search_tickets", arguments)
                data = result.structured_content or {}
                totals.append(f"{data.get('total')}{'' if data.get('complete') else '+?'}")

            await call(QUERIES[0])
            line("index, MCP over stdio", await timed(calls, call))
            print(f"    totals: {', '.join(totals[1 : len(QUERIES) + 1])}")
            return totals[1 : len(QUERIES) + 1]
    finally:
        sandbox.should_exit = True


async def main(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    config = SandboxConfig(
        tickets=args.tickets, seed=1, api_key=KEY, rpm=args.rpm, order=args.order
    )
    app = create_app(config)
    print(
        f"account: {args.tickets:,} tickets, GET /tickets lists {args.order} first, "
        f"Atera limit {args.rpm}/min; seeded in {time.perf_counter() - started:.1f} s"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.sqlite3"
        await cold_sync(app, path, args.rpm, args.sync_rpm)
        print(f"index file: {path.stat().st_size / 2**20:.1f} MiB")
        print("warm searches:")
        await bounded_scan(app, max(len(QUERIES), args.scan_queries))
        await warm_index(app, path, args.queries)
        if not args.skip_stdio:
            await over_stdio(app, path, args.queries)
        await restart(app, path)
    log = sandbox_state(app).requests
    print(
        f"sandbox: busiest 60-s window {log.busiest_window()} requests "
        f"(limit {args.rpm}), 429s {log.throttled()}, "
        f"inside Retry-After {len(log.inside_retry_after())}"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB (this process: sandbox data, index and MCP server)")
    print(f"finished at {datetime.now(UTC):%H:%M:%S} UTC")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--order", choices=("newest", "oldest"), default="oldest")
    parser.add_argument("--rpm", type=int, default=700, help="Atera's limit and the budget")
    parser.add_argument("--sync-rpm", type=int, default=350)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--scan-queries", type=int, default=10)
    parser.add_argument("--skip-stdio", action="store_true")
    anyio.run(main, parser.parse_args())
