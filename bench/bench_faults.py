"""Writes under faults, driven as a model drives them: does each write land exactly once?

Run on demand: `PYTHONPATH=. .venv/bin/python bench/bench_faults.py [seed] [--index]
[--tickets N]` (`make bench-faults ARGS="--index --tickets 50000"`).

520 writes (create_ticket, add_comment, log_hours, update_ticket, link_tickets) go through the
in-memory MCP client, the real server and client, into the sandbox, while faults are injected:
connections dropped after the write committed, empty 500s after it committed, gateway errors
and empty 500s before it committed, 500s on the reads before and after it, 2xx answers that
cannot be read, bursts of 429 with Retry-After, and stretches of latency. Each call is made the
way a model makes it: after an error answer, the same call again, up to twice.

Everything is counted from the sandbox's own data, per write (each carries a unique marker):
- duplicates:   copies beyond the first (a comment, entry or ticket written twice)
- lost:         the model was told "done" but nothing is there
- wrote+error:  a call answered with an error although its write landed during that call
Targets: 0, 0, 0. The repeat and overlap guards are switched off (allow_duplicate,
allow_overlap) so that no refusal can hide a duplicate.

Creates run first, one at a time (their faults match the shared POST /tickets); the other
writes then run in parallel workers, each on tickets of its own so every fault hits its target.

With `--index` (50,000 tickets unless `--tickets` says otherwise) the same writes run with the
ticket index on, built first (bench/faults_index.py). create_ticket's duplicate check and its
settling then read the index, caught up from Atera's change feed first, so the creates keep
their duplicate check on (every title is new: it can only refuse a copy of the same job, which
a call that wrote but answered an error has already counted) and two more faults are drawn for
them: the feed failing before the write, and the feed failing after a dropped answer.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.types import CallToolResult
from tests.fault_seam import FaultSeam

from atera_mcp.sandbox import SandboxConfig, create_app, sandbox_transport
from atera_mcp.sandbox.faults import Faults
from atera_mcp.sandbox.records import Ticket
from atera_mcp.sandbox.state import sandbox_state
from atera_mcp.sandbox.store import SandboxStore
from atera_mcp.server import build_server
from bench.faults_index import FEED, KEY, Fallbacks, FeedReads, bench_settings, build_index

WORKERS = 8
MIX = {"add_comment": 130, "log_hours": 110, "update_ticket": 90, "link_tickets": 90}
CREATES = 100
FAULT_RATE = 0.4  # the share of writes that meet a fault
MODEL_RETRIES = 2
READ_ATTEMPTS = 4  # the client's attempts at a read (its default)


@dataclass
class Job:
    """One write the model wants done: a tool call and how to count it in the sandbox."""

    n: int
    tool: str
    arguments: dict[str, Any]
    count: Callable[[], int]  # copies of this write in the sandbox now
    additive: bool  # a second copy is a duplicate (comments, entries, tickets)
    arm: Callable[[], str | None]  # injects this job's fault (or none); returns its kind
    expected: int = 1  # copies once done: 2 for a ticket made with a new contact
    attempts: list[tuple[bool, int]] = field(default_factory=list)  # (error?, copies added)
    success: bool = False
    note: str | None = None
    copies: int = 0  # counted when the model is done with it (a later update may overwrite)


@dataclass
class Paths:
    """Where one job's requests go, for aiming faults at them."""

    write_method: str
    write: str  # the write's path under /api/v3
    before: str  # a read made before the write
    after: str  # a read made after the write


@dataclass(frozen=True)
class Fault:
    kind: str
    status: int = 500
    times: int = 1


def draw(rng: random.Random, *, ids: bool, reads_back: bool, feed: bool) -> Fault | None:
    """One fault (or none) for a write, drawn when the job is made so a seed replays a run.

    `ids`: the write's answer carries an id (so an unreadable one matters); `reads_back`: the
    tool reads after writing (so a failing read-back can be met); `feed`: the tool reads the
    change feed (create_ticket with the index on)."""
    if rng.random() >= FAULT_RATE:
        return None
    kind = rng.choice(
        ["dropped", "gateway", "500-write", "500-after-commit", "500-read-before", "429-burst"]
        + (["500-read-back"] if reads_back else [])
        + (["unreadable-2xx"] if ids else [])
        + (["500-feed", "dropped+500-feed"] if feed else [])
    )
    return Fault(kind, status=rng.choice([502, 503, 504]), times=rng.randint(2, 5))


def inject(seam: FaultSeam, faults: Faults, p: Paths, fault: Fault) -> None:
    """Arm `fault` on this job's paths, through the sandbox's Faults (and the seam for the
    faults that must follow the write: a failing read-back, an unreadable answer)."""

    def fail_feed() -> None:
        # Every attempt the client makes at one read of the feed fails.
        faults.fail("GET", FEED, 500, times=READ_ATTEMPTS, empty=True)

    if fault.kind == "500-feed":
        fail_feed()
    elif fault.kind == "dropped+500-feed":
        faults.drop_after_commit(p.write_method, p.write)
        seam.after(p.write_method, "/api/v3" + p.write, then=fail_feed)
    elif fault.kind == "dropped":
        faults.drop_after_commit(p.write_method, p.write)
    elif fault.kind == "gateway":
        faults.fail(p.write_method, p.write, fault.status)
    elif fault.kind == "500-write":
        faults.fail(p.write_method, p.write, 500, empty=True)
    elif fault.kind == "500-after-commit":
        faults.fail_after_commit(p.write_method, p.write, 500, empty=True)
    elif fault.kind == "500-read-back":
        after = p.after

        def fail_read_back() -> None:
            # The client retries a read on a 500 (4 attempts): fail every one of them.
            faults.fail("GET", after, 500, times=READ_ATTEMPTS, empty=True)

        seam.after(p.write_method, "/api/v3" + p.write, then=fail_read_back)
    elif fault.kind == "500-read-before":
        faults.fail("GET", p.before, 500, times=READ_ATTEMPTS, empty=True)
    elif fault.kind == "429-burst":
        faults.fail("*", p.before, 429, times=fault.times, retry_after=1)
    else:
        seam.after(p.write_method, "/api/v3" + p.write, garble=True)


async def run_job(client: Client, job: Job, faults_seen: Counter[str]) -> None:
    kind = job.arm()
    if kind is not None:
        faults_seen[kind] += 1
    for _ in range(1 + MODEL_RETRIES):
        before = job.count()
        result = await client.call_tool(job.tool, job.arguments)
        assert isinstance(result, CallToolResult)
        job.attempts.append((bool(result.is_error), job.count() - before))
        if not result.is_error:
            job.success = True
            content = result.structured_content or {}
            job.note = content.get("note")
            break
    job.copies = job.count()


def creates(
    store: SandboxStore, seam: FaultSeam, faults: Faults, rng: random.Random, *, index: bool
) -> list[Job]:
    contacts = sorted(store.contacts.values(), key=lambda c: c.id)
    jobs = []
    for n in range(CREATES):
        title = f"bench-{n} printer queue stuck"
        args: dict[str, Any] = {
            "title": title,
            "description": "Jobs stay queued.",
            "allow_duplicate": not index,
        }
        new_contact = n % 5 == 0
        if new_contact:
            email = f"bench.user{n}@example.org"
            args |= {
                "end_user_email": email,
                "end_user_first_name": "Bench",
                "end_user_last_name": f"User{n}",
                "customer_id": contacts[n].customer_id,
            }
        else:
            args["end_user_id"] = contacts[n].id

        def count(title: str = title, email: str = f"bench.user{n}@example.org") -> int:
            # A new contact is a write of its own: the ticket and the contact both count.
            tickets = sum(1 for t in store.tickets.values() if t.title == title)
            return tickets + sum(1 for c in store.contacts.values() if c.email == email)

        write = "/contacts" if new_contact and rng.random() < 0.5 else "/tickets"
        paths = Paths("POST", write, before="/contacts", after="/tickets")
        arm = _armer(seam, faults, rng, paths, feed=index)
        jobs.append(Job(n, "create_ticket", args, count, True, arm, 2 if new_contact else 1))
    return jobs


Made = tuple[dict[str, Any], Callable[[], int], bool, Paths]


def comment_job(n: int, ticket: Ticket, now: datetime) -> Made:
    text = f"bench-{n}: checked the logs, nothing unusual."
    args = {"ticket_id": ticket.id, "text": text, "internal": True, "allow_duplicate": True}
    at = f"/tickets/{ticket.id}"
    paths = Paths("POST", f"{at}/comments", at, f"{at}/comments")
    return args, lambda: sum(1 for c in ticket.comments if c.text == text), True, paths


def hours_job(n: int, ticket: Ticket, now: datetime) -> Made:
    start = now - timedelta(minutes=20 * (n + 1))
    end = start + timedelta(minutes=15)
    args = {
        "ticket_id": ticket.id,
        "start": start.isoformat(),
        "duration_minutes": 15,
        "billable": n % 2 == 0,
        "allow_overlap": True,
    }
    at = f"/tickets/{ticket.id}"
    paths = Paths("POST", f"{at}/workhours", at, f"{at}/workhours")
    return (
        args,
        lambda: sum(1 for e in ticket.work if (e.start, e.end) == (start, end)),
        True,
        paths,
    )


def update_job(n: int, ticket: Ticket, now: datetime) -> Made:
    title = f"bench-{n} renamed"
    at = f"/tickets/{ticket.id}"
    paths = Paths("PUT", at, at, at)
    return (
        {"ticket_id": ticket.id, "title": title},
        lambda: int(ticket.title == title),
        False,
        paths,
    )


def link_job(child: Ticket, parent: Ticket) -> Made:
    args = {"ticket_id": child.id, "related_ticket_id": parent.id, "relation": "child"}
    at = f"/tickets/{child.id}"
    paths = Paths("POST", f"{at}/relations", at, at)
    return args, lambda: int(child.parent_id == parent.id), False, paths


def others(
    store: SandboxStore, seam: FaultSeam, faults: Faults, rng: random.Random, now: datetime
) -> list[list[Job]]:
    """Comment, time, update and link jobs, dealt to workers that own their tickets."""
    tickets = sorted(store.tickets.values(), key=lambda t: t.id)
    free = [t for t in tickets if not t.parent_id and not t.child_ids]
    live = [t for t in free if t.status in ("Open", "Pending")]
    spare = [t for t in free if t.status == "Closed"]
    owned = [live[w::WORKERS] for w in range(WORKERS)]
    makers = {"add_comment": comment_job, "log_hours": hours_job, "update_ticket": update_job}
    kinds = [k for k, n in MIX.items() for _ in range(n)]
    rng.shuffle(kinds)
    queues: list[list[Job]] = [[] for _ in range(WORKERS)]
    for n, kind in enumerate(kinds, start=CREATES):
        w = n % WORKERS
        if kind == "link_tickets":
            made = link_job(spare.pop(), spare.pop())
        else:
            made = makers[kind](n, owned[w][(n // WORKERS) % len(owned[w])], now)
        args, count, additive, paths = made
        arm = _armer(seam, faults, rng, paths, ids=False, reads_back=kind != "link_tickets")
        queues[w].append(Job(n, kind, args, count, additive, arm))
    return queues


def _armer(
    seam: FaultSeam,
    faults: Faults,
    rng: random.Random,
    paths: Paths,
    *,
    ids: bool = True,
    reads_back: bool = True,
    feed: bool = False,
) -> Callable[[], str | None]:
    fault = draw(rng, ids=ids, reads_back=reads_back, feed=feed)

    def arm() -> str | None:
        if fault is None:
            return None
        inject(seam, faults, paths, fault)
        return fault.kind

    return arm


async def main(args: argparse.Namespace) -> None:
    tickets = args.tickets or (50_000 if args.index else 1500)
    began = time.perf_counter()
    app = create_app(SandboxConfig(tickets=tickets, seed=args.seed, api_key=KEY, rpm=0))
    print(
        f"account: {tickets:,} tickets, ticket index {'on' if args.index else 'off'}, "
        f"seed {args.seed}; seeded in {time.perf_counter() - began:.1f} s"
    )
    if not args.index:
        await run(app, args.seed, None)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.sqlite3"
        await build_index(app, path)
        fallbacks = Fallbacks.install()
        feed = await run(app, args.seed, path)
    print(feed)
    print(f"checks the index could not answer (Atera's lists read instead): {fallbacks.count}")


async def run(app: Any, seed: int, index_path: Path | None) -> FeedReads:
    rng = random.Random(seed)
    state = sandbox_state(app)
    store, faults = state.store, state.faults
    seam = FaultSeam(sandbox_transport(app))
    feed = FeedReads(seam)
    server = build_server(bench_settings(index_path), transport=feed)
    faults_seen: Counter[str] = Counter()
    began = time.perf_counter()
    first = creates(store, seam, faults, rng, index=index_path is not None)
    rest = others(store, seam, faults, rng, datetime.now(UTC).replace(second=0, microsecond=0))
    async with Client(server) as client:
        for job in first:
            await run_job(client, job, faults_seen)
        faults.reset()  # a fault the creates left unmet must not land on a worker's request

        async def worker(queue: list[Job], slow: bool) -> None:
            for i, job in enumerate(queue):
                if slow and i % 20 == 0:  # stretches of latency, switched on and off
                    faults.latency(0.02 if (i // 20) % 2 == 0 else 0)
                    faults_seen["latency-stretch"] += 1 if (i // 20) % 2 == 0 else 0
                await run_job(client, job, faults_seen)

        async with anyio.create_task_group() as group:
            for w, queue in enumerate(rest):
                group.start_soon(worker, queue, w == 0)
        faults.latency(0)
    elapsed = time.perf_counter() - began
    report([*first, *(j for q in rest for j in q)], faults_seen, elapsed)
    return feed


def report(jobs: list[Job], faults_seen: Counter[str], elapsed: float) -> None:
    duplicates = sum(max(0, j.copies - j.expected) for j in jobs if j.additive)
    lost = sum(1 for j in jobs if j.success and j.copies < j.expected)
    wrote_error = sum(1 for j in jobs for error, added in j.attempts if error and added > 0)
    errors = sum(1 for j in jobs for error, _ in j.attempts if error)
    gave_up = [j for j in jobs if not j.success]
    gave_up_written = sum(1 for j in gave_up if j.copies > 0)
    notes = Counter(_note_kind(j.note) for j in jobs if j.success)
    by_tool = Counter(j.tool for j in jobs)
    injected = sum(n for k, n in faults_seen.items() if k != "latency-stretch")
    print(f"writes: {len(jobs)} ({', '.join(f'{t} {n}' for t, n in sorted(by_tool.items()))})")
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(faults_seen.items()))
    print(f"faults injected: {injected} ({kinds})")
    print(f"tool calls: {sum(len(j.attempts) for j in jobs)}, answered with an error: {errors}")
    print(f"answers with a note: {', '.join(f'{k} {n}' for k, n in sorted(notes.items()))}")
    tries = 1 + MODEL_RETRIES
    print(f"gave up after {tries} tries: {len(gave_up)} (of which written: {gave_up_written})")
    print(f"duplicates: {duplicates}")
    print(f"lost writes: {lost}")
    print(f"calls that wrote but answered an error: {wrote_error}")
    print(f"elapsed: {elapsed:.1f} s")


def _note_kind(note: str | None) -> str:
    if not note:
        return "none"
    if "found in Atera" in note:
        return "settled"
    if "sent once more" in note:
        return "sent again"
    if "back failed" in note:
        return "not read back"
    if "already linked" in note:
        return "already linked"
    return "other"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seed", type=int, nargs="?", default=7)
    parser.add_argument("--index", action="store_true", help="run with the ticket index on")
    parser.add_argument("--tickets", type=int, help="the account's size (1,500; 50,000 indexed)")
    anyio.run(main, parser.parse_args())
