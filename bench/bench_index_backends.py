"""Search on a large account, SQLite against PostgreSQL: the same index, the same searches.

Run on demand:
    PYTHONPATH=. .venv/bin/python bench/bench_index_backends.py \
        --database-url postgresql://atera@127.0.0.1:55432/atera_test [--tickets 50000]

For each backend: builds the index with the real first sync from the sandbox (no rate limit,
so the figure is the store's write cost, not Atera's budget), then times warm searches through
MCP in-process over the mixed queries of bench_index.py (filters, text, relevance, overdue,
e-mail), and prints sync time, search p50/p95 and the index's size. The PostgreSQL schema is
one of its own (a random account host), dropped at the end. The URL is never printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import psycopg
from mcp import Client
from psycopg import sql
from pydantic import SecretStr

from atera_mcp.client import AteraClient
from atera_mcp.index.postgres import PostgresTarget
from atera_mcp.index.service import TicketIndex, describe, index_location
from atera_mcp.sandbox import SandboxConfig, create_app, sandbox_transport
from atera_mcp.server import build_server
from bench.bench_index import KEY, QUERIES, settings
from bench.figures import percentile


async def run_backend(
    backend: str, tickets: int, searches: int, database_url: str | None, folder: Path
) -> None:
    app = create_app(SandboxConfig(tickets=tickets, seed=7, api_key=KEY, rpm=0))
    base_url = f"https://bench-{secrets.token_hex(4)}.test/api/v3"  # an account of its own
    config = dataclasses.replace(
        settings(index_path=folder / f"{backend}.sqlite3", rpm=0),
        base_url=base_url,
        database_url=SecretStr(database_url) if backend == "postgres" and database_url else None,
    )
    where = index_location(config)
    assert where is not None
    try:
        async with AteraClient(
            api_key=KEY, base_url=base_url, rpm=0, transport=sandbox_transport(app)
        ) as atera:
            index = await TicketIndex.open(where, atera)
            began = time.perf_counter()
            await index.first_sync()
            synced = time.perf_counter() - began
            count = await index.run(lambda s: s.count())
            size = await index.run(lambda s: s.size())
            await index.close()
        print(f"{backend}: {describe(where)}")
        print(f"  first sync: {count:,} tickets in {synced:.1f} s; size {size / 2**20:.1f} MiB")
        server = build_server(config, transport=sandbox_transport(app))
        async with Client(server) as client:
            times: dict[int, list[float]] = {n: [] for n in range(len(QUERIES))}
            totals: list[Any] = []
            for n in range(searches):
                which = n % len(QUERIES)
                began = time.perf_counter()
                result = await client.call_tool("search_tickets", QUERIES[which])
                times[which].append((time.perf_counter() - began) * 1000)
                if n < len(QUERIES):
                    totals.append((result.structured_content or {}).get("total"))
        every = [t for ts in times.values() for t in ts]
        print(
            f"  search (MCP in-process, {searches} calls): p50 {statistics.median(every):.1f} ms,"
            f" p95 {percentile(every, 0.95):.1f} ms"
        )
        for which, ts in times.items():
            print(
                f"    {QUERIES[which]}: p50 {statistics.median(ts):.1f} ms, "
                f"p95 {percentile(ts, 0.95):.1f} ms, total {totals[which]}"
            )
    finally:
        if isinstance(where, PostgresTarget) and database_url:
            schema = where.schema
            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--backend", choices=["both", "sqlite", "postgres"], default="both")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if "postgres" in backends and not args.database_url:
        parser.error("--database-url is needed for the postgres backend")
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            anyio.run(
                run_backend, backend, args.tickets, args.searches, args.database_url, Path(folder)
            )


if __name__ == "__main__":
    main()
