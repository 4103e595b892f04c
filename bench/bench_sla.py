"""The SLA and "waiting on" filters at scale: exact totals, latency, requests to Atera.

Run on demand: `PYTHONPATH=. .venv/bin/python bench/bench_sla.py [--tickets 50000]`.
Seeds the sandbox, builds the index with the real first sync (no rate limit: the sync is not
what is measured here), then calls search_tickets through MCP in-process with each SLA filter
and the sla_due sort. Each total is compared with brute force over the sandbox's own records
(the contract's definitions written again here, at the server's pinned "now"); requests to
Atera during the searches are counted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

from atera_mcp.sandbox import SandboxConfig, create_app, sandbox_state, sandbox_transport
from atera_mcp.sandbox.records import Ticket
from atera_mcp.server import build_server
from bench.bench_index import KEY, Counter, cold_sync, settings
from bench.figures import percentile

HOURS = {"Critical": 1, "High": 4, "Medium": 8, "Low": 24}


def due(t: Ticket) -> datetime | None:
    if t.status in ("Resolved", "Closed"):
        return None
    if t.technician_first_comment is None:
        return t.first_response_due or t.created + timedelta(hours=HOURS.get(t.priority, 8))
    return t.closed_due


def waiting(t: Ticket) -> str | None:
    if t.status in ("Resolved", "Closed"):
        return None
    user, tech = t.last_end_user_comment_at, t.last_technician_comment_at
    if t.technician_first_comment is None or (user and (tech is None or user > tech)):
        return "us"
    return "customer" if tech is not None and t.status == "Pending" else None


def cases(now: datetime) -> list[tuple[str, dict[str, Any], Callable[[Ticket], bool]]]:
    def within(t: Ticket, lo: datetime | None, hi: datetime) -> bool:
        d = due(t)
        return d is not None and (lo is None or d >= lo) and d < hi

    hour, day = timedelta(hours=1), timedelta(days=1)
    return [
        ("sla=breached", {"sla": ["breached"]}, lambda t: within(t, None, now)),
        ("sla=at_risk (60 min)", {"sla": ["at_risk"]}, lambda t: within(t, now, now + hour)),
        (
            "sla=at_risk (1 day)",
            {"sla": ["at_risk"], "sla_window_minutes": 1440},
            lambda t: within(t, now, now + day),
        ),
        (
            "sla=breached,at_risk",
            {"sla": ["breached", "at_risk"]},
            lambda t: within(t, None, now + hour),
        ),
        ("waiting_on=us", {"waiting_on": "us"}, lambda t: waiting(t) == "us"),
        ("waiting_on=customer", {"waiting_on": "customer"}, lambda t: waiting(t) == "customer"),
        (
            "breached + waiting_on=us, sort sla_due",
            {"sla": ["breached"], "waiting_on": "us", "sort": "sla_due"},
            lambda t: within(t, None, now) and waiting(t) == "us",
        ),
        ("sort=sla_due (all)", {"sort": "sla_due"}, lambda t: True),
        (
            "open, sort=sla_due",
            {"status": ["Open"], "sort": "sla_due"},
            lambda t: t.status == "Open",
        ),
    ]


async def main(args: argparse.Namespace) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    app = create_app(SandboxConfig(tickets=args.tickets, seed=1, api_key=KEY, rpm=0, now=now))
    records = list(sandbox_state(app).store.tickets.values())
    print(f"account: {len(records):,} tickets seeded up to {now:%Y-%m-%d %H:%M} UTC")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.sqlite3"
        await cold_sync(app, path, 100_000, 100_000)
        counter = Counter(sandbox_transport(app))
        server = build_server(
            settings(index_path=path, refresh=3600.0, rpm=0),
            transport=counter,
            clock=lambda: now,
        )
        async with Client(server) as client:
            await client.call_tool("search_tickets", {"limit": 1})  # opens the index
            counter.sent = counter.interactive = 0
            all_times: list[float] = []
            exact = True
            for label, arguments, wanted in cases(now):
                expected = sum(map(wanted, records))
                times, total = [], -1
                for _ in range(args.repeats):
                    began = time.perf_counter()
                    result = await client.call_tool("search_tickets", arguments)
                    times.append((time.perf_counter() - began) * 1000)
                    total = int((result.structured_content or {}).get("total", -1))
                all_times += times
                exact &= total == expected
                print(
                    f"  {label}: total {total:,} (brute force {expected:,}) "
                    f"{'exact' if total == expected else 'WRONG'}; "
                    f"p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms"
                )
            print(
                f"all SLA searches: p50 {statistics.median(all_times):.1f} ms, "
                f"p95 {percentile(all_times, 0.95):.1f} ms; requests to Atera by the searches "
                f"{counter.interactive} (the index's background work meanwhile: "
                f"{counter.sent - counter.interactive}); "
                f"{'every total exact' if exact else 'SOME TOTALS WRONG'}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=20)
    anyio.run(main, parser.parse_args())
