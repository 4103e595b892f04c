"""The work of bench_replicas' sessions: a mix of reads and marked writes, and the count of
each write in the sandbox's own data once the run is over.

Every write carries a marker no other write has (a comment's text, a time entry's
description, a ticket's title), so its copies can be counted in the sandbox afterwards:
once is right, none after being told "done" is a lost write, twice is a duplicate.
The repeat guards stay on, as a model leaves them: a call made again after a dropped
connection may be refused as a repeat of the first, which then counts as done.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tests.replicas.sessions import Answer, Call

from atera_mcp.sandbox.records import Ticket
from atera_mcp.sandbox.store import SandboxStore

READS = {"search_tickets": 25, "get_ticket": 20, "list_comments": 15, "get_work_hours": 10}
WRITES = {"add_comment": 12, "log_hours": 8, "create_ticket": 5, "update_ticket": 5}
WORDS = ("printer", "outlook", "vpn", "password", "laptop", "backup")
# A refusal that says the write is there already: the model knows it is done.
REPEAT_WORDS = ("already added", "already has entry", "in the last 24 hours")


@dataclass
class Job:
    """One write the model wants done, and how to count its copies in the sandbox."""

    session: int
    call: Call
    count: Callable[[], int]
    additive: bool  # a second copy is a duplicate (comments, entries, tickets)
    answer: Answer | None = None  # the last answer (None: the run ended before it came)

    def outcome(self) -> str:
        """ok, repeat (refused: there already), error (another refusal), gave up, unanswered."""
        if self.answer is None:
            return "unanswered"
        if self.answer.result is None:
            return "gave up"
        if self.answer.ok:
            return "ok"
        text = self.answer.text()
        return "repeat" if any(w in text for w in REPEAT_WORDS) else "error"


@dataclass
class Workload:
    """What session `n` asks for next: reads anywhere, writes on tickets of its own."""

    n: int
    run: str
    store: SandboxStore
    seeded: int  # tickets at the start: reads pick among them
    own: list[Ticket]
    contacts: list[int]
    anchor: datetime
    rng: random.Random
    jobs: list[Job] = field(default_factory=list)
    _spare: int = 0

    def next_call(self) -> Call:
        tools = READS | WRITES
        tool = self.rng.choices(list(tools), weights=list(tools.values()))[0]
        if tool in WRITES and self.own:
            return self._write(tool)
        return self._read(tool)

    def _read(self, tool: str) -> Call:
        rng = self.rng
        if tool == "search_tickets":
            kind = rng.random()
            if kind < 0.4:
                return Call(tool, {"query": rng.choice(WORDS), "limit": 10})
            if kind < 0.7:
                return Call(tool, {"status": [rng.choice(["Open", "Pending"])], "limit": 10})
            return Call(tool, {"priority": ["Critical"], "sort": "priority", "limit": 10})
        ticket = rng.randint(1, self.seeded)
        return Call(tool if tool in READS else "get_ticket", {"ticket_id": ticket})

    def _write(self, tool: str) -> Call:
        k = len(self.jobs)
        mark = f"{self.run}s{self.n}w{k}"
        ticket = self.own[k % len(self.own)]
        job: Job
        if tool == "add_comment":
            text = f"rbc{mark}: checked the event log, nothing unusual."
            call = Call(tool, {"ticket_id": ticket.id, "text": text, "internal": True})
            job = Job(self.n, call, lambda: sum(c.text == text for c in ticket.comments), True)
        elif tool == "log_hours":
            # A slot of its own per write, so no entry overlaps another (the guard stays on).
            start = self.anchor - timedelta(minutes=20 * (self.n * 500 + k + 1))
            note = f"rbh{mark} remote session"
            args = {
                "ticket_id": ticket.id,
                "start": start.isoformat(),
                "duration_minutes": 15,
                "billable": k % 2 == 0,
                "description": note,
            }
            call = Call(tool, args)
            job = Job(self.n, call, lambda: sum(e.description == note for e in ticket.work), True)
        elif tool == "create_ticket":
            title = f"rbt{mark} printer queue stuck"
            call = Call(
                tool,
                {
                    "title": title,
                    "description": "Jobs stay queued.",
                    "end_user_id": self.contacts[k % len(self.contacts)],
                },
            )
            job = Job(self.n, call, _titled(self.store, title), True)
        else:
            # Each update renames a ticket no other write touches, so the title proves it.
            target = self._spare_ticket()
            title = f"rbu{mark} renamed"
            call = Call(tool, {"ticket_id": target.id, "title": title})
            job = Job(self.n, call, lambda: int(target.title == title), False)
        self.jobs.append(job)
        return call

    def _spare_ticket(self) -> Ticket:
        self._spare += 1
        return self.own[-(self._spare % len(self.own)) - 1]

    def answered(self, answer: Answer) -> None:
        if answer.call.tool in WRITES:
            job = next((j for j in reversed(self.jobs) if j.call is answer.call), None)
            if job is not None:
                job.answer = answer


def _titled(store: SandboxStore, title: str) -> Callable[[], int]:
    def count() -> int:
        return sum(t.title == title for t in list(store.tickets.values()))

    return count


def tally(jobs: list[Job]) -> list[str]:
    """The lines of the write report, counted from the sandbox (call after the run)."""
    copies = {id(j): j.count() for j in jobs}
    outcomes = Counter(j.outcome() for j in jobs)
    found_once = sum(1 for j in jobs if copies[id(j)] == 1)
    duplicated = sum(1 for j in jobs if j.additive and copies[id(j)] > 1)
    done = ("ok", "repeat")
    lost = sum(1 for j in jobs if j.outcome() in done and copies[id(j)] == 0)
    cut = [j for j in jobs if j.answer is not None and j.answer.cut_off]
    # An error answer from the call that wrote: only judgeable when no earlier attempt of the
    # same call was cut off (a cut-off attempt may have written before it died).
    wrote_error = sum(
        1 for j in jobs if j.outcome() == "error" and copies[id(j)] > 0 and j not in cut
    )
    by_tool = Counter(j.call.tool for j in jobs)
    errors = Counter(
        " ".join(j.answer.text().split()[:7]) for j in jobs if j.outcome() == "error" and j.answer
    )
    lines = [
        f"writes intended: {len(jobs)} ({joined(by_tool)})",
        f"answers: {joined(outcomes)}",
        f"found once: {found_once}, duplicated: {duplicated}, lost: {lost}",
        f"calls that wrote but answered an error: {wrote_error}",
        f"writes cut off by the kill and made again elsewhere: {len(cut)} "
        f"(found once {sum(1 for j in cut if copies[id(j)] == 1)}, "
        f"twice or more {sum(1 for j in cut if copies[id(j)] > 1)}, "
        f"none {sum(1 for j in cut if copies[id(j)] == 0)}; "
        f"answers {joined(Counter(j.outcome() for j in cut))})",
    ]
    lines += [f"  refused x{n}: {words}..." for words, n in errors.most_common(5)]
    return lines


def joined(counts: Counter[str]) -> str:
    """`a 3, b 1`: a counter on one line, in name order."""
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
