"""get_billable over the index's work ledger on a large account (50,000 tickets, ~10,000
time entries a month).

Run on demand: `PYTHONPATH=. .venv/bin/python bench/bench_ledger.py [--postgres URL]`.
A month and a quarter are reported cold (their days never read) and warm (read), then, after
the background has read the last year, a whole year. Each report's totals, by customer and
by technician, are checked to the second against the sandbox's own entries, and the requests
each report sent to Atera are counted.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
import psycopg
from psycopg import sql
from pydantic import SecretStr
from tests.contract.openapi_check import RecordingTransport

from atera_mcp.client import AteraClient
from atera_mcp.config import Settings
from atera_mcp.index.pg_schema import schema_for
from atera_mcp.index.postgres import PostgresTarget
from atera_mcp.index.service import Location, TicketIndex
from atera_mcp.sandbox import SandboxConfig, create_app, sandbox_state, sandbox_transport
from atera_mcp.sandbox.store import SandboxStore
from atera_mcp.tools.billing import GetBillableResult, get_billable
from atera_mcp.tools.context import ToolContext

KEY = "bench-key-0123456789"


def drop_schema(where: PostgresTarget) -> None:
    """The bench's schema is its own: dropped when done, as the tests drop theirs."""
    with psycopg.connect(where.url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(where.schema))
        )


BASE = "https://sandbox.bench/api/v3"
Sums = dict[str, dict[int | None, int]]


def truth(store: SandboxStore, zone: ZoneInfo, first: date, last: date) -> Sums:
    """Seconds (all, and billable) in total, by customer and by technician, from the sandbox."""
    sums: Sums = defaultdict(lambda: defaultdict(int))
    for e in store.work_entries():
        if first <= e.start.astimezone(zone).date() <= last:
            seconds = int((e.end - e.start).total_seconds())
            sums["total"][None] += seconds
            sums["billable"][None] += seconds if e.billable else 0
            sums["customer"][store.tickets[e.ticket_id].customer_id] += seconds
            sums["technician"][e.technician_id] += seconds
    return sums


def exact(result: GetBillableResult, want: Sums) -> bool:
    t = result.totals
    ok = t.billable_seconds + t.non_billable_seconds == want["total"][None]
    ok = ok and t.billable_seconds == want["billable"][None]
    for rows, key in ((result.by_customer, "customer"), (result.by_technician, "technician")):
        got = {r.id: r.billable_seconds + r.non_billable_seconds for r in rows}
        # Rows are cut to the 50 largest: those shown must be exact.
        ok = ok and all(want[key][i] == s for i, s in got.items())
        ok = ok and (len(want[key]) > len(rows) or got == dict(want[key]))
    return ok


async def main(args: argparse.Namespace) -> None:
    began = time.perf_counter()
    config = SandboxConfig(
        tickets=args.tickets, seed=1, api_key=KEY, rpm=0, work_scale=args.work_scale
    )
    app = create_app(config)
    store = sandbox_state(app).store
    entries = sum(1 for _ in store.work_entries())
    print(
        f"sandbox: {len(store.tickets):,} tickets, {entries:,} time entries over 180 days "
        f"(~{entries * 30 // 180:,} a month), seeded in {time.perf_counter() - began:.1f} s"
    )
    recorder = RecordingTransport(sandbox_transport(app))
    settings = Settings(api_key=SecretStr(KEY), base_url=BASE, rpm=0)
    with tempfile.TemporaryDirectory() as folder:
        where: Location = Path(folder) / "index.sqlite3"
        if args.postgres:
            where = PostgresTarget(args.postgres, schema_for("benchledger00000000"))
        async with AteraClient(api_key=KEY, base_url=BASE, rpm=0, transport=recorder) as atera:
            index = await TicketIndex.open(where, atera)
            try:
                ctx = ToolContext.create(atera, settings, index=index)
                await run(ctx, index, recorder, store)
            finally:
                await index.close()
                if isinstance(where, PostgresTarget):
                    drop_schema(where)


async def run(
    ctx: ToolContext, index: TicketIndex, recorder: RecordingTransport, store: SandboxStore
) -> None:
    zone = await ctx.account_zone()
    while await index.people.step():  # names come from the directory, as on a warm server
        pass
    print(f"{'report':26} {'entries':>8} {'requests':>8} {'/workhours':>10} {'s':>6} exact")

    async def billed(label: str, first: date, last: date) -> None:
        recorder.records.clear()
        began = time.perf_counter()
        result = await get_billable(ctx, period_start=first, period_end=last)
        took = time.perf_counter() - began
        pages = sum(e.request.url.path.endswith("/workhours") for e in recorder.records)
        want = truth(store, zone, first, last)
        n = sum(1 for e in store.work_entries() if first <= e.start.astimezone(zone).date() <= last)
        print(
            f"{label:26} {n:8,} {len(recorder.records):8} {pages:10} {took:6.2f} "
            f"{exact(result, want)} {result.period.split(';')[-1].strip()}"
        )

    month = (date(2026, 10, 1), date(2026, 10, 31))
    quarter = (date(2026, 8, 1), date(2026, 10, 31))
    await billed("month, cold", *month)
    await billed("month, warm", *month)
    await billed("quarter, cold (2 months new)", *quarter)
    await billed("quarter, warm", *quarter)
    began = time.perf_counter()
    recorder.records.clear()
    while await index.ledger.step(in_use=False):
        pass
    print(
        f"background read of the last 366 days: {len(recorder.records):,} requests, "
        f"{time.perf_counter() - began:.1f} s"
    )
    today = index.now().astimezone(zone).date()
    await billed("year, warm", today - timedelta(days=365), today)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--work-scale", type=float, default=1.2)
    parser.add_argument("--postgres", help="a PostgreSQL URL: index there instead of SQLite")
    anyio.run(main, parser.parse_args())
