"""Time seeding a 50,000-ticket sandbox (target: under 5 s on a 2-core box).

Run on demand: `.venv/bin/python bench/bench_seed.py [tickets] [rounds]`. Prints the best and
median wall time of a few rounds, and what was built.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from atera_mcp.sandbox.seed import SeedData, generate

NOW = datetime(2026, 6, 15, 14, 30, tzinfo=UTC)
ZONE = ZoneInfo("America/New_York")


def one_round(tickets: int) -> tuple[float, SeedData]:
    started = time.perf_counter()
    data = generate(tickets=tickets, seed=1, now=NOW, zone=ZONE)
    return time.perf_counter() - started, data


def main() -> None:
    tickets = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    timings: list[float] = []
    data: SeedData | None = None
    for _ in range(rounds):
        data = None  # let the previous round's data go before building the next
        seconds, data = one_round(tickets)
        timings.append(seconds)
    assert data is not None
    comments = sum(len(t.comments) for t in data.tickets.values())
    entries = sum(len(t.work) for t in data.tickets.values())
    print(
        f"seeded {len(data.tickets):,} tickets, {len(data.customers)} customers, "
        f"{len(data.contacts):,} contacts, {comments:,} comments, {entries:,} work entries"
    )
    print(
        f"seed time over {rounds} rounds: best {min(timings):.2f} s, "
        f"median {statistics.median(timings):.2f} s"
    )


if __name__ == "__main__":
    main()
