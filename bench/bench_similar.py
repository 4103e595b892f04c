"""similar_tickets on a large account: top-3 family hit rate, latency and requests, per engine.

Run on demand:
    PYTHONPATH=. .venv/bin/python bench/bench_similar.py [--tickets 50000] \
        [--backend both --database-url postgresql://atera@127.0.0.1:55432/atera_test]

For each backend: builds the index with the real first sync from the sandbox (no rate limit),
then, over the held-out reports of tests/index/held_out.py (wording not used by the seed):
- the ranking as the tool runs it (`index.similar`, through `TicketIndex.run`): top-3 family
  hit rate, p50/p95, and the requests it sent to Atera;
- the whole tool through MCP in-process (`similar_tickets`, limit 3): p50/p95 and requests
  per call (each hit's comment thread and work-hour totals: two reads a hit).
The PostgreSQL schema is one of its own, dropped at the end; the URL is never printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import secrets
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

import anyio
import httpx
import psycopg
from mcp import Client
from psycopg import sql
from pydantic import SecretStr
from tests.index.held_out import HELD_OUT

from atera_mcp.client import AteraClient, current_request_class
from atera_mcp.index.postgres import PostgresTarget
from atera_mcp.index.service import TicketIndex, index_location
from atera_mcp.index.similar import SimilarQuery, significant_words, similar
from atera_mcp.sandbox import SandboxConfig, create_app, sandbox_state, sandbox_transport
from atera_mcp.server import build_server
from bench.bench_index import KEY, Counter, settings
from bench.figures import percentile

DONE = ("resolved", "closed")


def line(label: str, times: list[float], extra: str) -> None:
    print(
        f"  {label}: p50 {statistics.median(times):.1f} ms, "
        f"p95 {percentile(times, 0.95):.1f} ms, {extra}"
    )


class ByKind(Counter):
    """Counts requests; apart, the tool's own reads of a hit's fix and time (the index's
    background work reads comment threads too)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        super().__init__(inner)
        self.fix_reads = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        interactive = current_request_class() == "interactive"
        self.fix_reads += interactive and request.url.path.endswith(("/comments", "/workhours"))
        return await super().handle_async_request(request)


async def run_backend(
    backend: str, tickets: int, rounds: int, database_url: str | None, folder: Path
) -> None:
    app = create_app(SandboxConfig(tickets=tickets, seed=1, api_key=KEY, rpm=0))
    families = sandbox_state(app).store.families
    base_url = f"https://bench-{secrets.token_hex(4)}.test/api/v3"  # an account of its own
    config = dataclasses.replace(
        settings(index_path=folder / f"{backend}.sqlite3", rpm=0),
        base_url=base_url,
        database_url=SecretStr(database_url) if backend == "postgres" and database_url else None,
    )
    where = index_location(config)
    assert where is not None
    try:
        counter = Counter(sandbox_transport(app))
        async with AteraClient(api_key=KEY, base_url=base_url, rpm=0, transport=counter) as atera:
            index = await TicketIndex.open(where, atera)
            began = time.perf_counter()
            await index.first_sync()
            print(
                f"{backend}: {await index.run(lambda s: s.count()):,} tickets indexed in "
                f"{time.perf_counter() - began:.1f} s; {len(families):,} in "
                f"{len(set(families.values()))} families"
            )
            counter.sent = 0
            hits, times = 0, []
            for n in range(rounds * len(HELD_OUT)):
                family, text = HELD_OUT[n % len(HELD_OUT)]
                began = time.perf_counter()
                query = SimilarQuery(significant_words(text), DONE, limit=3)
                found = await index.run(partial(similar, q=query))
                times.append((time.perf_counter() - began) * 1000)
                if n < len(HELD_OUT):
                    hits += family in {families.get(h.row["id"]) for h in found}
            line(
                f"ranking ({len(times)} calls)",
                times,
                f"top-3 family hit rate {hits}/{len(HELD_OUT)} ({hits / len(HELD_OUT):.0%}), "
                f"{counter.sent} requests to Atera",
            )
            await index.close()
        counter = ByKind(sandbox_transport(app))
        server = build_server(config, transport=counter)
        async with Client(server) as client:
            await client.call_tool("similar_tickets", {"text": "warm up", "limit": 1})
            counter.sent = counter.interactive = counter.fix_reads = 0
            times = []
            for _, text in HELD_OUT:
                began = time.perf_counter()
                await client.call_tool("similar_tickets", {"text": text, "limit": 3})
                times.append((time.perf_counter() - began) * 1000)
            calls = len(HELD_OUT)
            line(
                "similar_tickets, MCP in-process",
                times,
                f"{counter.interactive / calls:.1f} requests per call, "
                f"{counter.fix_reads / calls:.1f} of them reading the hits' threads and time "
                f"(background work meanwhile: {counter.sent - counter.interactive} requests)",
            )
    finally:
        if isinstance(where, PostgresTarget) and database_url:
            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(where.schema))
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5, help="times over the held-out set")
    parser.add_argument("--backend", choices=["both", "sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if "postgres" in backends and not args.database_url:
        parser.error("--database-url is needed for the postgres backend")
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            anyio.run(
                run_backend, backend, args.tickets, args.rounds, args.database_url, Path(folder)
            )


if __name__ == "__main__":
    main()
