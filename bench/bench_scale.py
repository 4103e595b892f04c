"""A decade of history: the index on 500,000 tickets.

Run on demand: `make bench-scale`, or
`PYTHONPATH=. .venv/bin/python bench/bench_scale.py [--tickets 500000]`. Prints:
- the sandbox itself: seeding time and memory (it holds every ticket in this process);
- open first, at Atera's real rate (`--rpm` 700, the sync's default half of it): how long until
  a search of the open statuses answers `complete: true`, against the pages it needs;
- the first sync with the limit raised (`--fast-rpm`): throughput, CPU seconds, index size;
- warm search p50/p95 over stdio on the same mixed queries as bench_index at 50,000, their
  totals, and the stdio server's peak RSS (a process of its own, not the sandbox's);
- each query's total against the one counted by brute force over the sandbox's records
  (`scale_oracle`), and `exact: N of M`.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

from atera_mcp.sandbox import SandboxConfig, create_app, sandbox_state, sandbox_transport
from atera_mcp.server import build_server
from bench.bench_index import KEY, QUERIES, Counter, cold_sync, over_stdio, settings
from bench.scale_oracle import expected_total

OPEN_WORK = ["Open", "Pending", "Waiting on vendor"]
CUSTOM = {"Waiting on vendor": "Pending"}


def rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def open_first(app: Any, path: Path, rpm: int) -> None:
    tickets = sandbox_state(app).store.tickets.values()
    counts = {s: sum(t.status == s for t in tickets) for s in OPEN_WORK}
    pages = sum(math.ceil(n / 50) or 1 for n in counts.values())
    sync_rpm = rpm // 2
    print(
        f"open first at {rpm}/min (sync {sync_rpm}/min): open work {counts} -> {pages} pages, "
        f"floor {pages / sync_rpm * 60:.0f} s"
    )
    counter = Counter(sandbox_transport(app))
    server = build_server(
        settings(index_path=path, rpm=rpm, custom_statuses=CUSTOM), transport=counter
    )
    began = time.perf_counter()
    async with Client(server) as client:
        while True:
            result = await client.call_tool("search_tickets", {"status": OPEN_WORK, "limit": 5})
            data = result.structured_content or {}
            if data.get("complete"):
                break
            if time.perf_counter() - began > 900:
                print("  NOT complete within 15 minutes")
                return
            await anyio.sleep(2.0)
        took = time.perf_counter() - began
        truth = sum(counts.values())
        print(
            f"  an open-work search was complete after {took:.0f} s ({took / 60:.1f} min): "
            f"total {data.get('total')} (sandbox {truth}), {counter.sent} requests, "
            f"429s {counter.throttled}"
        )
        print(f"  note: {data.get('note')}")


async def main(args: argparse.Namespace) -> None:
    began = time.perf_counter()
    config = SandboxConfig(tickets=args.tickets, seed=1, api_key=KEY, rpm=0, order=args.order)
    app = create_app(config)
    print(
        f"sandbox: {args.tickets:,} tickets seeded in {time.perf_counter() - began:.1f} s, "
        f"process RSS {rss():.0f} MiB"
    )
    if args.index is not None:  # an index built before: warm searches only
        await searches(app, args.index, args.queries)
        return
    with tempfile.TemporaryDirectory() as folder:
        if not args.skip_open:
            await open_first(app, Path(folder) / "open.sqlite3", args.rpm)
        path = Path(folder) / "index.sqlite3"
        cpu = time.process_time()
        began = time.perf_counter()
        await cold_sync(app, path, args.fast_rpm, args.fast_rpm)
        took, cpu = time.perf_counter() - began, time.process_time() - cpu
        pages = math.ceil(args.tickets / 50)
        print(
            f"  {pages / took:.1f} pages/s; CPU {cpu:.0f} s in this process (sandbox and index "
            f"together), {cpu / pages * 1000:.1f} ms a page"
        )
        print(f"index file: {path.stat().st_size / 2**20:.0f} MiB")
        await searches(app, path, args.queries)


async def searches(app: Any, path: Path, queries: int) -> None:
    print(f"warm searches over stdio ({len(QUERIES)} mixed queries):")
    peaks: list[int] = []
    async with anyio.create_task_group() as group:
        group.start_soon(watch_server_memory, peaks)
        totals = await over_stdio(app, path, queries)
        group.cancel_scope.cancel()
    peak = max(peaks, default=0) / 1024
    print(f"stdio server peak RSS: {peak:.0f} MiB; this process (sandbox) {rss():.0f} MiB")
    check_totals(app, totals)


def check_totals(app: Any, totals: list[str]) -> None:
    """Each query's total against a brute-force count over the sandbox's records."""
    store, now = sandbox_state(app).store, datetime.now(UTC)
    print(f"totals against the sandbox's records ({len(store.tickets):,} tickets, brute force):")
    exact = 0
    for query, total in zip(QUERIES, totals, strict=True):
        expected = expected_total(store, query, now)
        exact += total == str(expected)
        print(f"  {query}: total {total}, expected {expected}")
    print(f"exact: {exact} of {len(QUERIES)}")


async def watch_server_memory(peaks: list[int]) -> None:
    """The stdio server's peak RSS (VmHWM, kB), read from /proc while it runs: a child's
    ru_maxrss would count the memory of this process it was forked from."""
    while True:
        peaks.extend(await anyio.to_thread.run_sync(server_peaks, os.getpid()))
        await anyio.sleep(1.0)


def server_peaks(parent: int) -> list[int]:
    found: list[int] = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            command = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if b"atera-mcp" in command and f"PPid:\t{parent}\n" in text:
            found += [int(line.split()[1]) for line in text.splitlines() if line[:6] == "VmHWM:"]
    return found


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=500_000)
    parser.add_argument("--order", choices=("newest", "oldest"), default="oldest")
    parser.add_argument("--rpm", type=int, default=700, help="Atera's real rate, for open first")
    parser.add_argument("--fast-rpm", type=int, default=60_000, help="the raised limit")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--skip-open", action="store_true")
    parser.add_argument("--index", type=Path, help="an index file built before: searches only")
    anyio.run(main, parser.parse_args())
