"""Three replicas, one Atera account, one replica killed mid-run: the proof of issue 9.

Run on demand: `make bench-replicas` (or `PYTHONPATH=. .venv/bin/python bench/bench_replicas.py
[--no-shared] [--sessions 20] [--seconds 60] [--tickets 50000]`). Bounded; never fails a build.

The sandbox (Atera's 700 requests/minute on) runs in this process so its request log and data
can be read; the replicas are real `atera-mcp serve --transport http` processes on loopback
ports sharing Redis (the budget) and PostgreSQL (the index) from `scripts/services.sh`, and one
tokens file. A fresh account key per run gives a fresh fingerprint, so a run starts with an
empty schema and budget (removed again at the end). After every replica's index is complete,
20 sessions (each its own token) spread over them make mixed reads and marked writes for 60 s.
At 25 s the replica holding the sync role (PostgreSQL's advisory lock) is killed with SIGKILL;
its sessions connect to the next replica and make the call that got no answer again.

`--no-shared` runs the same without Redis and PostgreSQL (each replica its own budget and
SQLite index): the harness's control, where the busiest minute is expected over the limit.

Printed: requests per sliding minute (max) and 429s from the sandbox's log; p50/p95 per tool;
failover times (kill -> each cut-off session's next answer, kill -> another sync holder);
index lag (written on one replica, found by search on another); search exactness on the
survivors against the sandbox's own data; writes intended, found once, duplicated, lost.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
from pydantic import SecretStr
from tests.ports import free_port, serving
from tests.replicas.cluster import (
    Replica,
    forget_account,
    issue_tokens,
    replica_env,
    running,
    sync_holders,
    wait_for,
)
from tests.replicas.sessions import Answer, Call, FailoverSession, call_once

from atera_mcp.config import Settings
from atera_mcp.sandbox import RequestLog, SandboxConfig, create_app, sandbox_state
from atera_mcp.sandbox.requestlog import busiest_window
from atera_mcp.sandbox.store import SandboxStore
from bench.figures import percentile
from bench.replica_ops import ops_lines
from bench.replica_probes import exactness, lag_probes
from bench.replica_work import Job, Workload, tally


@dataclass
class Run:
    """What happened during the timed run, filled in by its tasks."""

    replicas: list[Replica]
    shared: bool
    database_url: str | None
    fingerprint: str
    killed: Replica | None = None
    killed_at: float | None = None
    holder_before: str = "not looked for"
    holder_after: str = "not looked for"
    latency: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    recovered: dict[int, float] = field(default_factory=dict)  # session -> seconds after kill
    cut_sessions: set[int] = field(default_factory=set)
    sessions: list[FailoverSession] = field(default_factory=list)
    lags: list[tuple[float, bool, str]] = field(default_factory=list)  # s, after kill, a->b
    jobs: list[Job] = field(default_factory=list)
    cpu: float = 0.0  # this process's CPU time over the run's wall time (1.0 = one core)

    def survivors(self) -> list[Replica]:
        return [r for r in self.replicas if r.alive()]

    def holders(self) -> list[Replica]:
        if self.database_url is None:
            return []
        return sync_holders(self.replicas, self.database_url, self.fingerprint)


def services() -> tuple[str, str]:
    """Redis and PostgreSQL from scripts/services.sh (started if they are not running)."""
    subprocess.run(["bash", "scripts/services.sh", "up"], check=True)
    out = subprocess.run(
        ["bash", "scripts/services.sh", "env"], check=True, capture_output=True, text=True
    ).stdout
    found = dict(line.split("=", 1) for line in out.split())
    return found["ATERA_TEST_REDIS_URL"], found["ATERA_TEST_DATABASE_URL"]


async def wait_ready(replicas: list[Replica], token: str, within: float) -> float:
    """Seconds until every replica answers a search from a complete index. A replica that
    does not even listen within 2 minutes is stuck starting up: said at once, with its log."""
    started = time.monotonic()

    async def listening() -> bool | None:
        for replica in replicas:
            if not replica.alive():
                raise RuntimeError(f"replica {replica.n} died:\n{replica.log_tail()}")
        return True if all(r.listening() for r in replicas) else None

    try:
        await wait_for(listening, within=120, interval=0.5, what="every replica listening")
    except TimeoutError:
        stuck = [r for r in replicas if not r.listening()]
        logs = "\n".join(f"replica {r.n}:\n{r.log_tail()}" for r in stuck)
        raise RuntimeError(
            f"replicas {[r.n for r in stuck]} never started serving:\n{logs}"
        ) from None
    for replica in replicas:

        async def complete(replica: Replica = replica) -> bool | None:
            found = await call_once(replica, token, "search_tickets", {"limit": 1})
            if found is not None and found.get("complete"):
                return True
            if not replica.alive():
                raise RuntimeError(f"replica {replica.n} died:\n{replica.log_tail()}")
            return None

        left = within - (time.monotonic() - started)
        await wait_for(complete, within=left, interval=3.0, what=f"replica {replica.n} ready")
        print(f"  replica {replica.n} ready after {time.monotonic() - started:.0f} s", flush=True)
    return time.monotonic() - started


async def session_task(
    run: Run, n: int, token: str, work: Workload, stop_at: float, call_timeout: float
) -> None:
    session = FailoverSession(run.replicas, token, home=n % len(run.replicas))
    session.call_timeout = call_timeout
    run.sessions.append(session)

    def next_call() -> Call | None:
        return work.next_call() if time.monotonic() < stop_at else None

    def on_answer(answer: Answer) -> None:
        work.answered(answer)
        if answer.result is None:
            run.errors[f"{answer.call.tool}: gave up"] += 1
            return
        run.latency[answer.call.tool].append(answer.elapsed_ms)
        if answer.result.is_error:
            run.errors[f"{answer.call.tool}: {' '.join(answer.text().split()[:6])}"] += 1
        if answer.cut_off and run.killed_at is not None and n not in run.recovered:
            run.cut_sessions.add(n)
            run.recovered[n] = time.monotonic() - run.killed_at

    await session.run(next_call, on_answer)


async def kill_task(run: Run, at: float) -> None:
    """At `at`: SIGKILL the sync holder (replica 0 when none is known), then time how long
    until another replica holds the sync role."""
    await anyio.sleep(max(0.0, at - time.monotonic()))
    holders = await anyio.to_thread.run_sync(run.holders)
    if holders:
        victim = holders[0]
        run.holder_before = f"replica {victim.n}" + (" (and others!)" if len(holders) > 1 else "")
    else:
        victim = run.replicas[0]
        run.holder_before = "none found" if run.shared else "n/a (each replica its own SQLite)"
    victim.kill()
    run.killed, run.killed_at = victim, time.monotonic()
    print(f"  {time.strftime('%H:%M:%S')} killed replica {victim.n} (SIGKILL)", flush=True)
    if not holders:  # per-replica SQLite: no role to move
        run.holder_after = "n/a"
        return

    async def taken() -> list[Replica] | None:
        return (await anyio.to_thread.run_sync(run.holders)) or None

    try:
        after = await wait_for(taken, within=150, interval=0.25, what="a new sync holder")
    except TimeoutError:
        run.holder_after = "nobody within 150 s"
        return
    run.holder_after = f"replica {after[0].n} after {time.monotonic() - run.killed_at:.1f} s"


def report(run: Run, requests: RequestLog, rpm: int, run_start: float, ready_s: float) -> None:
    entries = requests.entries()
    in_run = [e.at for e in entries if e.at >= run_start]
    statuses: defaultdict[str, int] = defaultdict(int)
    for e in entries:
        statuses[str(e.status)] += 1
    print(f"\n== Atera's side (the sandbox's request log), limit {rpm}/min")
    print(
        f"requests: {len(entries)} ({', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))})"
    )
    whole, timed = requests.busiest_window(), busiest_window(in_run)
    print(f"busiest 60-s window: whole bench {whole}, timed run {timed}")
    early = len(requests.inside_retry_after())
    print(f"429s: {requests.throttled()}; sent inside a Retry-After: {early}")
    print(f"index built on every replica after {ready_s:.0f} s")
    # The sandbox shares this process (and its GIL) with the sessions' clients: near 100% of
    # one core would make it the bottleneck rather than the replicas.
    print(f"this process (sandbox + clients) used {run.cpu:.0%} of one core during the run")
    print("\n== tools (answered calls; a call made again after failover timed on its last attempt)")
    print(f"{'tool':16} {'calls':>6} {'p50 ms':>8} {'p95 ms':>8}")
    for tool, times in sorted(run.latency.items()):
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        print(f"{tool:16} {len(times):6} {p50:8.0f} {p95:8.0f}")
    for what, count in sorted(run.errors.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  error x{count}: {what}")
    print("\n== failover")
    print(f"sync holder before the kill: {run.holder_before}; after: {run.holder_after}")
    if run.recovered:
        answered = sorted(run.recovered.values())
        print(
            f"sessions cut off: {len(run.cut_sessions)}; kill -> the cut-off call answered "
            f"elsewhere: median {statistics.median(answered):.2f} s, max {answered[-1]:.2f} s"
        )
        print(f"  kill -> connected to another replica: {reconnections(run)}")
    else:
        print("sessions cut off: none answered again")
    print("\n== index lag (written on one replica, found by search on another)")
    for seconds, after_kill, pair in run.lags:
        print(f"  {pair}{' (after kill)' if after_kill else ''}: {seconds:.2f} s")


def reconnections(run: Run) -> str:
    """Median and max seconds from the kill to each cut-off session's next connection."""
    killed_at = run.killed_at or 0.0
    times = sorted(
        next((at - killed_at for at, _ in s.connected if at > killed_at), float("inf"))
        for s in run.sessions
        if any(at >= killed_at for at, _, _ in s.failures)
    )
    if not times:
        return "none"
    return f"median {statistics.median(times):.2f} s, max {times[-1]:.2f} s ({len(times)} sessions)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--kill-at", type=float, default=25.0, help="seconds into the run")
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--rpm", type=int, default=700, help="the sandbox's limit (Atera's)")
    parser.add_argument("--ready-timeout", type=float, default=900.0)
    parser.add_argument("--no-shared", action="store_true", help="no Redis/PostgreSQL")
    args = parser.parse_args()

    tag = secrets.token_hex(3)
    key = f"bench-replicas-{tag}-0123456789"  # a new account per run: a fresh fingerprint
    redis_url, database_url = (None, None) if args.no_shared else services()
    sandbox = create_app(SandboxConfig(tickets=args.tickets, seed=1, api_key=key, rpm=args.rpm))
    state = sandbox_state(sandbox)
    store = state.store
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/api/v3"
    fingerprint = Settings(api_key=SecretStr(key), base_url=base_url).account_fingerprint
    stores = "per-replica budget and SQLite" if args.no_shared else "shared Redis + PostgreSQL"
    print(
        f"{args.replicas} replicas, {args.sessions} sessions x {args.seconds:.0f} s, "
        f"{args.tickets} tickets, Atera limit {args.rpm}/min, {stores}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as folder, serving(sandbox, port):
        tokens = issue_tokens(Path(folder) / "tokens.json", args.sessions + 1)
        probe = tokens[-1]
        env = replica_env(
            base_url=base_url,
            api_key=key,
            tokens_file=Path(folder) / "tokens.json",
            redis_url=redis_url,
            database_url=database_url,
            ATERA_RPM=str(args.rpm),
        )
        try:
            with running(args.replicas, env, Path(folder)) as replicas:
                run = Run(replicas, not args.no_shared, database_url, fingerprint)
                ready_s = anyio.run(wait_ready, replicas, probe, args.ready_timeout)
                run_start = time.monotonic()
                exact = anyio.run(timed_run, run, store, tokens, tag, args)
                ops = ops_lines(replicas)
                for replica in replicas:
                    if "Traceback" in replica.log_tail(200):
                        print(f"(replica {replica.n} logged a traceback; see below)")
                        print(replica.log_tail(30))
            report(run, state.requests, args.rpm, run_start, ready_s)
            print("\n== the survivors' own view (/readyz, /metrics)")
            print("\n".join(ops))
            print("\n== search exactness on the survivors after the kill")
            print("\n".join(exact))
            print("\n== writes, counted in the sandbox")
            print("\n".join(tally(run.jobs)))
        finally:
            forget_account(fingerprint, redis_url, database_url)


async def timed_run(
    run: Run, store: SandboxStore, tokens: list[str], tag: str, args: argparse.Namespace
) -> list[str]:
    tickets = sorted(store.tickets.values(), key=lambda t: t.id)
    live = [t for t in tickets if t.status in ("Open", "Pending") and not t.parent_id]
    contacts = sorted(store.contacts)
    anchor = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    seeded = len(tickets)
    started, cpu = time.monotonic(), time.process_time()
    stop_at = started + args.seconds
    print(f"  {time.strftime('%H:%M:%S')} timed run starts", flush=True)
    works = [
        Workload(
            n, tag, store, seeded, live[n :: args.sessions], contacts, anchor, random.Random(n)
        )
        for n in range(args.sessions)
    ]
    # A minute's grace after the last call starts: every session ends, whatever happens.
    with anyio.fail_after(args.seconds + 180):
        async with anyio.create_task_group() as group:
            for n, work in enumerate(works):
                group.start_soon(session_task, run, n, tokens[n], work, stop_at, 60.0)
            group.start_soon(kill_task, run, started + args.kill_at)
            group.start_soon(
                lag_probes,
                run.survivors,
                lambda: run.killed_at is not None,
                run.lags,
                tokens[-1],
                tag,
                stop_at,
                contacts[0],
            )
    run.cpu = (time.process_time() - cpu) / (time.monotonic() - started)
    print(f"  {time.strftime('%H:%M:%S')} timed run over; checking search", flush=True)
    run.jobs = [j for w in works for j in w.jobs]
    return await exactness(run.survivors(), store, tokens[-1], tag)


if __name__ == "__main__":
    main()
