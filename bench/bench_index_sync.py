"""Time the index's first sync of a large sandbox account, then a refresh with nothing new.

Run on demand: `.venv/bin/python bench/bench_index_sync.py [tickets]` (default 50,000). The
sandbox is in-process with no rate limit, so this measures the index's own cost (requests,
JSON decoding, SQLite writes); against Atera the rate budget sets the pace (50 tickets a request:
1,000 requests for 50,000 tickets, under 3 minutes at 350 background requests a minute).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import anyio
import httpx

from atera_mcp.client import AteraClient
from atera_mcp.index.service import TicketIndex
from atera_mcp.sandbox import SandboxConfig, create_app, sandbox_transport

KEY = "bench-key"


class Counting(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return await self.inner.handle_async_request(request)


async def run(tickets: int, folder: Path) -> None:
    started = time.perf_counter()
    app = create_app(SandboxConfig(tickets=tickets, seed=1, api_key=KEY, rpm=0))
    print(f"seeded {tickets:,} tickets in {time.perf_counter() - started:.1f} s")
    transport = Counting(sandbox_transport(app))
    async with AteraClient(
        api_key=KEY, base_url="https://bench.invalid/api/v3", rpm=0, transport=transport
    ) as atera:
        index = await TicketIndex.open(folder / "bench.sqlite3", atera)
        try:
            started = time.perf_counter()
            await index.first_sync()
            seconds = time.perf_counter() - started
            count = await index.run(lambda s: s.count())
            size = await index.run(lambda s: s.size())
            print(
                f"first sync: {count:,} tickets, {transport.requests:,} requests, "
                f"{seconds:.1f} s ({count / seconds:,.0f} tickets/s), file {size / 2**20:.1f} MiB"
            )
            transport.requests = 0
            started = time.perf_counter()
            await index.engine.delta()
            print(
                f"refresh with nothing new: {transport.requests} request(s), "
                f"{(time.perf_counter() - started) * 1000:.0f} ms"
            )
        finally:
            await index.close()


def main() -> None:
    tickets = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with tempfile.TemporaryDirectory() as folder:
        anyio.run(run, tickets, Path(folder))


if __name__ == "__main__":
    main()
