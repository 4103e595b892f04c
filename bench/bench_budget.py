"""The rate budget under load: interactive and background callers sharing one budget.

Run on demand: `make bench-budget`, or
`PYTHONPATH=. .venv/bin/python bench/bench_budget.py [--seconds 75]`. Interactive callers (an
assistant's reads, with a think time between them) and background callers (a sync, inside
`background_requests()`, never pausing) send GETs through two clients sharing one process
budget to the in-process sandbox, which enforces its own limit per sliding minute and answers
429 with Retry-After. A wrapper around the transport logs every request sent (monotonic time,
class, status), from which the figures are computed client-side. Real time: it takes as long as
`--seconds`.

Replicas: `--replicas N` runs N replicas' worth of clients (the callers spread over them) against
the one sandbox. With `--redis URL` they share one `RedisBudget` per replica on that Redis (a
fresh account prefix, deleted afterwards), as the server does with ATERA_REDIS_URL; with `--file`
they share one `FileBudget` file, as the processes of one machine do without Redis; without
either each replica has its own process budget, which is what sharing prevents.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import httpx
from tests.shared_redis import fresh_account

from atera_mcp.client import (
    AteraClient,
    Budget,
    RateBudget,
    RequestClass,
    background_requests,
    current_request_class,
)
from atera_mcp.client.retry import parse_retry_after
from atera_mcp.errors import AteraError
from atera_mcp.sandbox import SandboxConfig, create_app, sandbox_transport
from atera_mcp.sandbox.requestlog import busiest_window
from atera_mcp.shared.file_budget import FileBudget
from atera_mcp.shared.redis_budget import RedisBudget
from bench.figures import percentile

KEY = "bench-key-0123456789"
BASE_URL = "https://sandbox.bench/api/v3"
TICKETS = 2000

# When the current call began, until its first request is sent: the interactive wait.
_call_started: ContextVar[float | None] = ContextVar("call_started", default=None)


@dataclass(frozen=True)
class Sent:
    at: float
    request_class: RequestClass
    status: int


@dataclass
class Log:
    sent: list[Sent] = field(default_factory=list)
    pauses: list[tuple[float, float]] = field(default_factory=list)  # Retry-After windows
    interactive_waits: list[float] = field(default_factory=list)
    errors: int = 0


class CountingTransport(httpx.AsyncBaseTransport):
    """Logs every request as it leaves the client, then hands it to the sandbox."""

    def __init__(self, inner: httpx.AsyncBaseTransport, log: Log) -> None:
        self.inner = inner
        self.log = log

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        at = time.monotonic()
        request_class = current_request_class()
        started = _call_started.get()
        if started is not None:
            self.log.interactive_waits.append(at - started)
            _call_started.set(None)
        response = await self.inner.handle_async_request(request)
        self.log.sent.append(Sent(at, request_class, response.status_code))
        if response.status_code == 429:
            wait = parse_retry_after(response.headers.get("Retry-After")) or 0.0
            answered = time.monotonic()
            self.log.pauses.append((answered, answered + wait))
        return response


async def interactive(client: AteraClient, log: Log, until: float, think: float, seed: int) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        _call_started.set(time.monotonic())
        try:
            await client.get_ticket(rng.randint(1, TICKETS))
        except AteraError:
            log.errors += 1
        await anyio.sleep(rng.uniform(0.0, 2 * think))


async def background(client: AteraClient, log: Log, until: float, seed: int) -> None:
    rng = random.Random(seed)
    with background_requests():
        while time.monotonic() < until:
            try:
                await client.list_tickets_page(page=rng.randint(1, TICKETS // 50), items_in_page=50)
            except AteraError:
                log.errors += 1


@asynccontextmanager
async def replica_budgets(args: argparse.Namespace) -> AsyncIterator[list[Budget]]:
    """One budget per replica: shared through Redis with `--redis`, through one file with
    `--file` (each its own connection, as processes of one machine), else each its own."""
    if args.file:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "budget.sqlite3"
            budgets = [FileBudget(path, args.rpm, args.sync_rpm) for _ in range(args.replicas)]
            yield list(budgets)
            for budget in budgets:
                budget.close()
        return
    if not args.redis:
        yield [RateBudget(args.rpm, args.sync_rpm) for _ in range(args.replicas)]
        return
    async with fresh_account(args.redis) as connect:
        yield [RedisBudget(connect(), args.rpm, args.sync_rpm) for _ in range(args.replicas)]


async def main(args: argparse.Namespace) -> None:
    app = create_app(SandboxConfig(tickets=TICKETS, rpm=args.atera_rpm, api_key=KEY))
    log = Log()
    transport = CountingTransport(sandbox_transport(app), log)

    def make_client(budget: Budget) -> AteraClient:
        return AteraClient(api_key=KEY, base_url=BASE_URL, transport=transport, rate_budget=budget)

    async with replica_budgets(args) as budgets, AsyncExitStack() as stack:
        # Two clients per replica, as the server and its index would hold, sharing its budget.
        pairs = [
            (
                await stack.enter_async_context(make_client(budget)),
                await stack.enter_async_context(make_client(budget)),
            )
            for budget in budgets
        ]
        shared = "one Redis" if args.redis else "one file" if args.file else "nothing"
        print(
            f"budget: {budgets[0]!r} x {len(budgets)} replicas sharing {shared}; "
            f"sandbox limit {args.atera_rpm}/min"
        )
        start = time.monotonic()
        until = start + args.seconds
        async with anyio.create_task_group() as tasks:
            for n in range(args.interactive):
                assistant = pairs[n % len(pairs)][0]
                tasks.start_soon(interactive, assistant, log, until, args.think, n)
            for n in range(args.background):
                sync = pairs[n % len(pairs)][1]
                tasks.start_soon(background, sync, log, until, 1000 + n)
        elapsed = time.monotonic() - start
    report(args, log, elapsed)


def report(args: argparse.Namespace, log: Log, elapsed: float) -> None:
    everything = [s.at for s in log.sent]
    background_times = [s.at for s in log.sent if s.request_class == "background"]
    throttled = sum(s.status == 429 for s in log.sent)
    inside_pause = sum(any(a < s.at < b for a, b in log.pauses) for s in log.sent)
    minutes = elapsed / 60
    waits_ms = [w * 1000 for w in log.interactive_waits]
    print(
        f"ran {elapsed:.1f} s: {args.interactive} interactive callers (think "
        f"0-{2 * args.think:g} s), {args.background} background callers"
    )
    print(
        f"requests sent: {len(everything)} ({len(everything) / minutes:.0f}/min), "
        f"interactive {len(everything) - len(background_times)}, "
        f"background {len(background_times)} ({len(background_times) / minutes:.0f}/min)"
    )
    share = len(background_times) / len(everything) if everything else 0.0
    print(f"background share of requests: {share:.0%}")
    print(
        f"max in any 60-s window: total {busiest_window(everything)} (cap {args.rpm}), "
        f"background {busiest_window(background_times)} (cap {args.sync_rpm})"
    )
    print(f"429s: {throttled}; requests sent inside a Retry-After window: {inside_pause}")
    if waits_ms:
        print(
            f"interactive wait ms: p50 {statistics.median(waits_ms):.1f}, "
            f"p95 {percentile(waits_ms, 0.95):.1f}, max {max(waits_ms):.1f} "
            f"(one slot = {60_000 / args.rpm:.0f} ms)"
        )
    print(f"calls that failed: {log.errors}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=75.0, help="how long to run (real time)")
    parser.add_argument("--rpm", type=int, default=700, help="the client budget per minute")
    parser.add_argument("--sync-rpm", type=int, default=350, help="its background share")
    parser.add_argument("--atera-rpm", type=int, default=700, help="the sandbox's own limit")
    parser.add_argument("--interactive", type=int, default=8, help="interactive callers")
    parser.add_argument("--background", type=int, default=4, help="background callers")
    parser.add_argument("--replicas", type=int, default=1, help="replicas (callers spread)")
    parser.add_argument("--redis", help="a Redis URL the replicas share their budget through")
    parser.add_argument("--file", action="store_true", help="share it through one budget file")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds between an interactive caller's reads",
    )
    return parser.parse_args()


if __name__ == "__main__":
    anyio.run(main, parse_args())
