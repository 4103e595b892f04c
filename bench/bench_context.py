"""get_ticket(include_context=true) on a large account: latency and requests, cold and warm.

Run on demand: `PYTHONPATH=. .venv/bin/python bench/bench_context.py [tickets]` (default 50,000).
The index is built first (no rate limit, so it takes about a minute instead of the real sync's
budget), then a fresh server answers through the in-memory MCP client, the real AteraClient
(700/min budget) and the sandbox. Requests are the interactive ones the calls sent (the index's
background work is left out, and its refresh is pushed past the run). The sandbox answers
without network latency: against real Atera each request adds its round trip.

- cold: the first call of a fresh server (nothing cached);
- new customer: the open alerts are cached, that customer's agents are not;
- warm: another ticket of a customer seen before.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

from atera_mcp.client import AteraClient
from atera_mcp.index.service import TicketIndex
from atera_mcp.sandbox import SandboxConfig, create_app, sandbox_state, sandbox_transport
from atera_mcp.server import build_server
from bench.bench_index import BASE_URL, KEY, Counter, settings
from bench.figures import percentile

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
CUSTOMERS = 40  # customers sampled; two open tickets of each
RPM = int(sys.argv[2]) if len(sys.argv) > 2 else 700  # the client budget (0: none)


def sample(app: Any) -> list[tuple[int, int]]:
    """(first, second) open tickets of up to CUSTOMERS customers, those with an alert first."""
    store = sandbox_state(app).store
    linked = {a.ticket_id for a in store.alerts.values() if a.archived_at is None}
    by_customer: dict[int, list[int]] = {}
    ordered = sorted(store.tickets.values(), key=lambda t: (t.id not in linked, t.id))
    for t in ordered:
        if t.status not in ("Resolved", "Closed"):
            by_customer.setdefault(t.customer_id, []).append(t.id)
    pairs = [(ids[0], ids[1]) for ids in by_customer.values() if len(ids) >= 2]
    return pairs[:CUSTOMERS]


async def build_index(app: Any, path: Path) -> None:
    began = time.perf_counter()
    async with AteraClient(
        api_key=KEY, base_url=BASE_URL, rpm=0, transport=sandbox_transport(app)
    ) as atera:
        index = await TicketIndex.open(path, atera)
        await index.first_sync()
        count = await index.run(lambda s: s.count())
        await index.close()
    print(f"index: {count:,} tickets in {time.perf_counter() - began:.0f} s")


async def main(tickets: int) -> None:
    app = create_app(SandboxConfig(tickets=tickets, seed=1, api_key=KEY, rpm=0, now=NOW))
    store = sandbox_state(app).store
    open_alerts = sum(1 for a in store.alerts.values() if a.archived_at is None)
    print(
        f"account: {tickets:,} tickets, {len(store.customers)} customers, "
        f"{len(store.agents):,} agents, {len(store.alerts):,} alerts ({open_alerts} open)"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.sqlite3"
        await build_index(app, path)
        counter = Counter(sandbox_transport(app))
        server = build_server(
            settings(index_path=path, refresh=3600.0, rpm=RPM), transport=counter, clock=lambda: NOW
        )
        pairs = sample(app)
        figures: dict[str, tuple[list[float], list[int]]] = {
            "cold": ([], []),
            "new customer": ([], []),
            "warm": ([], []),
        }
        found = {"alerts": 0, "devices": 0, "related": 0}
        async with Client(server) as client:

            async def call(kind: str, ticket_id: int) -> None:
                sent = counter.interactive
                began = time.perf_counter()
                result = await client.call_tool(
                    "get_ticket", {"ticket_id": ticket_id, "include_context": True}
                )
                took = (time.perf_counter() - began) * 1000
                assert not result.is_error, result
                figures[kind][0].append(took)
                figures[kind][1].append(counter.interactive - sent)
                context: dict[str, Any] = (result.structured_content or {})["context"]
                found["alerts"] += context["alert"] is not None
                found["devices"] += bool(context["devices"])
                found["related"] += bool(context["related_open_tickets"])

            for n, (first, second) in enumerate(pairs):
                await call("cold" if n == 0 else "new customer", first)
                await call("warm", second)
            for first, _ in pairs:
                await call("warm", first)
        for kind, (times, sent) in figures.items():
            print(
                f"{kind:13} calls {len(times):3}  p50 {statistics.median(times):6.1f} ms  "
                f"p95 {percentile(times, 0.95):6.1f} ms  requests max {max(sent)} "
                f"p50 {statistics.median(sent):.0f}"
            )
        calls = sum(len(t) for t, _ in figures.values())
        print(
            f"of {calls} answers: {found['alerts']} with the alert that opened the ticket, "
            f"{found['devices']} with the user's devices, {found['related']} with related "
            "open tickets"
        )
        log = sandbox_state(app).requests
        writes = [e for e in log if e.method != "GET"]
        print(f"requests other than GET during the run: {len(writes)}")


if __name__ == "__main__":
    anyio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
