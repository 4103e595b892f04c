"""bench_replicas' probes: how long a write on one replica takes to be found by search on
another (index lag), and whether search totals on the survivors match the sandbox's own data
(exactness). Every probe is a fresh connection; every wait is bounded."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anyio
from tests.replicas.cluster import Replica, wait_for
from tests.replicas.sessions import call_once

from atera_mcp.sandbox.store import SandboxStore

LAG_EVERY = 5.0  # seconds between index-lag probes


async def lag_probes(
    survivors: Callable[[], list[Replica]],
    killed: Callable[[], bool],
    lags: list[tuple[float, bool, str]],
    token: str,
    tag: str,
    stop_at: float,
    contact: int,
) -> None:
    """From the start, then every few seconds until `stop_at`: create a ticket on one live
    replica and time until a search on another live replica finds it; each goes to `lags`
    as (seconds, made after the kill, "a->b")."""
    k = 0
    while time.monotonic() < stop_at:
        if k:
            await anyio.sleep(LAG_EVERY)
        alive = survivors()
        if len(alive) < 2:
            return
        # From replica 1 first: replica 0 is often the sync holder, killed mid-run, and a
        # write cut off by the kill measures nothing.
        a, b = alive[(k + 1) % len(alive)], alive[(k + 2) % len(alive)]
        word = f"rbl{tag}n{k}"
        k += 1
        made = await call_once(
            a,
            token,
            "create_ticket",
            {"title": f"{word} lag probe", "description": "Probe.", "end_user_id": contact},
        )
        if made is None:
            continue
        written, after_kill = time.monotonic(), killed()

        async def found(b: Replica = b, word: str = word) -> bool | None:
            hit = await call_once(b, token, "search_tickets", {"query": word, "limit": 1})
            return True if hit is not None and hit.get("total") == 1 else None

        try:
            await wait_for(found, within=90, interval=0.25, what="lag probe")
            lags.append((time.monotonic() - written, after_kill, f"{a.n}->{b.n}"))
        except TimeoutError:
            lags.append((float("inf"), after_kill, f"{a.n}->{b.n}"))


async def exactness(
    survivors: list[Replica], store: SandboxStore, token: str, tag: str
) -> list[str]:
    """Search totals on each survivor against the sandbox's own count, polled until they
    agree (the index catches up within its refresh) or 60 s pass."""

    def truth(query: dict[str, Any]) -> int:
        tickets = list(store.tickets.values())
        if "status" in query:
            return sum(t.status in query["status"] for t in tickets)
        if "priority" in query:
            return sum(t.priority in query["priority"] for t in tickets)
        return sum(query["query"] in t.title for t in tickets)

    queries: list[dict[str, Any]] = [
        {"status": ["Open"]},
        {"status": ["Resolved"]},
        {"priority": ["Critical"]},
        {"query": f"rbt{tag}"},  # every ticket the sessions created (a prefix)
        {"query": f"rbu{tag}"},  # every ticket they renamed
    ]
    lines = []
    started = time.monotonic()
    for query in queries:
        for replica in survivors:
            want = truth(query)
            got: list[int] = []

            async def agrees(
                replica: Replica = replica, query: dict[str, Any] = query, got: list[int] = got
            ) -> bool | None:
                hit = await call_once(replica, token, "search_tickets", query | {"limit": 1})
                got.append(-1 if hit is None else int(hit["total"]))
                return True if got[-1] == truth(query) else None

            try:
                await wait_for(agrees, within=60, interval=1.0, what="exact")
                verdict = "exact" + (f" after {len(got) - 1} retries" if len(got) > 1 else "")
            except TimeoutError:
                verdict = f"NOT EXACT: {got[-1]}"
            lines.append(f"  {query} on replica {replica.n}: truth {want}, {verdict}")
    lines.append(f"  (checked in {time.monotonic() - started:.0f} s)")
    return lines
