"""One budget per machine: three stdio servers on one Atera key, driven at once, no Redis.

Run on demand: `make bench-machine`, or
`PYTHONPATH=. .venv/bin/python bench/bench_machine.py [--seconds 60] [--separate]`.
The sandbox plays Atera on loopback with its limit (`--rpm`, 700 requests in any sliding minute,
429 with Retry-After past it). Three `atera-mcp serve` processes (stdio, as a desktop app and
an IDE start them) share one cache folder, hence one index file and one budget file; each is
driven by `--callers` concurrent get_ticket calls for `--seconds`, while one of them syncs the
index in the background. The figures come from the sandbox's own request log: the busiest 60-s
window against the limit, 429s. `--separate` gives each server a budget file of its own: the
control, what one budget per process did before.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters
from tests.ports import free_port, serving

from atera_mcp.sandbox import SANDBOX_TECHNICIANS, SandboxConfig, create_app, sandbox_state
from bench.figures import percentile

KEY = "bench-key-0123456789"


async def drive(
    number: int, env: dict[str, str], args: argparse.Namespace, ids: list[int]
) -> list[float]:
    """One server process: `args.callers` callers asking for tickets until the time is up."""
    command = str(Path(sys.executable).with_name("atera-mcp"))
    params = StdioServerParameters(command=command, args=["serve"], env=env)
    latencies: list[float] = []
    failures = 0
    async with Client(params) as client:
        deadline = time.monotonic() + args.seconds

        async def caller(seed: int) -> None:
            nonlocal failures
            pick = random.Random(seed)
            while time.monotonic() < deadline:
                began = time.perf_counter()
                result = await client.call_tool("get_ticket", {"ticket_id": pick.choice(ids)})
                latencies.append(time.perf_counter() - began)
                failures += bool(result.is_error)

        async with anyio.create_task_group() as group:
            for n in range(args.callers):
                group.start_soon(caller, number * 100 + n)
    print(f"  server {number}: {len(latencies)} calls, {failures} answered with an error")
    return latencies


async def main(args: argparse.Namespace) -> None:
    config = SandboxConfig(tickets=args.tickets, seed=1, api_key=KEY, rpm=args.rpm)
    app = create_app(config)
    ids = sorted(sandbox_state(app).store.tickets)
    port = free_port()
    with tempfile.TemporaryDirectory() as folder, serving(app, port):
        base = {
            **os.environ,
            "ATERA_API_KEY": KEY,
            "ATERA_BASE_URL": f"http://127.0.0.1:{port}/api/v3",
            "ATERA_TECHNICIAN_ID": str(SANDBOX_TECHNICIANS[0].id),
            "ATERA_RPM": str(args.rpm),
            "XDG_CACHE_HOME": folder,
        }
        envs = [dict(base) for _ in range(3)]
        if args.separate:
            for n, env in enumerate(envs):
                env["ATERA_BUDGET_PATH"] = str(Path(folder) / f"budget-{n}.sqlite3")
        print(
            f"three stdio servers, {args.callers} callers each, {args.seconds:.0f} s, Atera "
            f"limit {args.rpm}/min, {'a budget file each' if args.separate else 'one budget'}"
        )
        latencies: list[float] = []
        began = time.monotonic()

        async def one(n: int) -> None:
            latencies.extend(await drive(n + 1, envs[n], args, ids))

        async with anyio.create_task_group() as group:
            for n in range(3):
                group.start_soon(one, n)
        took = time.monotonic() - began
    log = sandbox_state(app).requests
    print(
        f"sandbox: {len(log)} requests in {took:.0f} s; busiest 60-s window "
        f"{log.busiest_window()} (limit {args.rpm}); 429s {log.throttled()}; "
        f"inside Retry-After {len(log.inside_retry_after())}"
    )
    ms = [s * 1000 for s in latencies]
    print(
        f"get_ticket: {len(ms)} calls, p50 {statistics.median(ms):.0f} ms, "
        f"p95 {percentile(ms, 0.95):.0f} ms (callers queue for the one budget)"
    )
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"largest server's peak RSS: {children:.0f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rpm", type=int, default=700)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--callers", type=int, default=6)
    parser.add_argument("--separate", action="store_true", help="a budget file per server")
    anyio.run(main, parser.parse_args())
