"""Tool latency and Atera request counts on a large account (default 50,000 tickets).

Run on demand: `.venv/bin/python bench/bench_tools.py [tickets]`. Every call goes through the
in-memory MCP client, the real AteraClient and the sandbox, so the figures include schema
validation, paging and filtering, but no network: against real Atera each request adds its
round trip, which is why the request count per call is printed too.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from datetime import UTC, datetime
from typing import Any

import anyio
from mcp import Client
from pydantic import SecretStr
from tests.contract.openapi_check import RecordingTransport

from atera_mcp.config import Settings
from atera_mcp.domain.directory import Technician
from atera_mcp.sandbox import SANDBOX_TECHNICIANS, SandboxConfig, create_app, sandbox_transport
from atera_mcp.server import build_server

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
KEY = "bench-key-0123456789"
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("get_ticket", {"ticket_id": 1, "include_comments": True, "include_time": True}),
    ("search_tickets", {"customer_name": "Acme", "status": ["Open", "Pending"]}),
    ("search_tickets", {"status": ["Open"], "priority": ["Critical", "High"], "sort": "priority"}),
    ("search_tickets", {"query": "outlook", "customer_id": 1}),
    ("search_tickets", {"modified_after": "2026-11-20T00:00:00Z", "sort": "recently_modified"}),
    ("find_contacts", {"email": "john.smith@acme.com"}),
    ("find_customers", {"query": "dental"}),
    ("get_billable", {"ticket_ids": list(range(1, 51))}),
    ("get_billable", {"period_start": "2026-10-01", "period_end": "2026-10-31"}),
]


async def main(tickets: int) -> None:
    started = time.perf_counter()
    app = create_app(SandboxConfig(tickets=tickets, seed=1, api_key=KEY, rpm=0, now=NOW))
    seeded = time.perf_counter() - started
    recorder = RecordingTransport(sandbox_transport(app))
    settings = Settings(
        api_key=SecretStr(KEY),
        base_url="https://sandbox.bench/api/v3",
        technicians=tuple(Technician(t.id, t.full_name, t.email) for t in SANDBOX_TECHNICIANS),
        technician_id=SANDBOX_TECHNICIANS[0].id,
        rpm=0,
    )
    server = build_server(settings, transport=recorder, clock=lambda: NOW)
    print(f"account: {tickets:,} tickets, seeded in {seeded:.2f} s")
    print(f"{'tool':16} {'arguments':58} {'median ms':>9} {'requests':>8}")
    async with Client(server) as client:
        for name, arguments in CALLS:
            timings: list[float] = []
            for _ in range(3):
                recorder.records.clear()
                began = time.perf_counter()
                result = await client.call_tool(name, arguments)
                timings.append((time.perf_counter() - began) * 1000)
                assert not getattr(result, "is_error", False), (name, result)
            shown = str(arguments)[:58]
            ms = statistics.median(timings)
            print(f"{name:16} {shown:58} {ms:9.1f} {len(recorder.records):8}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MiB (sandbox data included)")


if __name__ == "__main__":
    anyio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
