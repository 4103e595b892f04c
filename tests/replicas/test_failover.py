"""Replicas sharing Redis and PostgreSQL lose the sync holder to SIGKILL at the worst moment
for a write (after Atera committed it, before the answer left): the sync role moves to another
replica within seconds, the write made again elsewhere lands once, and search on the survivors
stays exact. Real processes (`atera-mcp serve --transport http`) in front of a sandbox served
from this test; the full-size proof with figures is bench/bench_replicas.py."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest
from pydantic import SecretStr

from atera_mcp.config import Settings
from atera_mcp.sandbox import SandboxConfig, create_app, sandbox_state
from atera_mcp.sandbox.store import SandboxStore
from tests.ports import free_port, serving
from tests.replicas.cluster import (
    AfterCommit,
    Replica,
    forget_account,
    issue_tokens,
    replica_env,
    running,
    sync_holders,
    wait_for,
)
from tests.replicas.sessions import Answer, Call, FailoverSession, call_once

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

REPLICAS = 3
TICKETS = 300


@dataclass
class Cluster:
    replicas: list[Replica]
    store: SandboxStore
    gate: AfterCommit
    tokens: list[str]
    database_url: str
    fingerprint: str

    async def holders(self) -> list[Replica]:
        """Who holds the sync lease now (PostgreSQL's view; asked from a worker thread)."""
        return await anyio.to_thread.run_sync(
            sync_holders, self.replicas, self.database_url, self.fingerprint
        )

    def survivors(self) -> list[Replica]:
        return [r for r in self.replicas if r.alive()]


@pytest.fixture
def cluster(redis_url: str, database_url: str, tmp_path: Path) -> Iterator[Cluster]:
    """Three replicas sharing Redis and PostgreSQL in front of one sandbox account (a key of
    its own, so its Redis keys and schema are fresh; removed afterwards)."""
    key = f"failover-{secrets.token_hex(8)}"
    sandbox = create_app(SandboxConfig(tickets=TICKETS, seed=3, api_key=key, rpm=0))
    gate = AfterCommit(sandbox)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/api/v3"
    tokens = issue_tokens(tmp_path / "tokens.json", 2)
    env = replica_env(
        base_url=base_url,
        api_key=key,
        tokens_file=tmp_path / "tokens.json",
        redis_url=redis_url,
        database_url=database_url,
        ATERA_RPM="0",
        ATERA_INDEX_REFRESH="1",  # survivors look for the sync role every second
    )
    fingerprint = Settings(api_key=SecretStr(key), base_url=base_url).account_fingerprint
    try:
        with serving(gate, port), running(REPLICAS, env, tmp_path) as replicas:
            yield Cluster(
                replicas, sandbox_state(sandbox).store, gate, tokens, database_url, fingerprint
            )
    finally:
        forget_account(fingerprint, redis_url, database_url)


async def ready(cluster: Cluster) -> None:
    """Every replica answers searches from a complete index (bounded)."""
    for replica in cluster.replicas:

        async def complete(replica: Replica = replica) -> bool | None:
            found = await call_once(replica, cluster.tokens[1], "search_tickets", {"limit": 1})
            assert replica.alive(), replica.log_tail()
            return True if found is not None and found["complete"] else None

        await wait_for(complete, within=40, what=f"replica {replica.n} ready")


async def the_one_holder(cluster: Cluster) -> Replica:
    async def one() -> Replica | None:
        holders = await cluster.holders()
        return holders[0] if len(holders) == 1 else None

    return await wait_for(one, within=20, what="exactly one replica holding the sync role")


async def total(replica: Replica, token: str, **query: object) -> int | None:
    found = await call_once(replica, token, "search_tickets", {**query, "limit": 1})
    return None if found is None else int(found["total"])


async def test_killing_the_sync_holder_moves_the_role_and_loses_or_doubles_no_write(
    cluster: Cluster,
) -> None:
    await ready(cluster)
    victim = await the_one_holder(cluster)
    ticket = next(
        t for t in sorted(cluster.store.tickets.values(), key=lambda t: t.id) if t.status == "Open"
    )
    text = f"Failover note {secrets.token_hex(4)}: restarted the print spooler."
    # The replica dies after Atera committed the comment, before its answer leaves.
    cluster.gate.arm("POST", f"/api/v3/tickets/{ticket.id}/comments", victim.kill)

    answers: list[Answer] = []
    calls = iter([Call("add_comment", {"ticket_id": ticket.id, "text": text, "internal": True})])
    session = FailoverSession(cluster.replicas, cluster.tokens[0], home=victim.n)
    await session.run(lambda: next(calls, None), answers.append)

    assert not victim.alive()
    (answer,) = answers
    assert answer.cut_off, "the call was not cut off by the kill"
    assert answer.replica != victim.n
    # Made again on another replica, it is either found there already or refused as a repeat.
    assert answer.ok or "already added" in answer.text(), answer.text()
    assert sum(c.text == text for c in ticket.comments) == 1

    async def new_holder() -> Replica | None:
        holders = await cluster.holders()
        return holders[0] if holders else None

    taker = await wait_for(new_holder, within=20, what="another replica taking the sync role")
    assert taker is not victim

    # A ticket written through one survivor is found, exactly, by search on every survivor.
    survivors = cluster.survivors()
    word = f"qx{secrets.token_hex(4)}"
    made = await call_once(
        survivors[0],
        cluster.tokens[1],
        "create_ticket",
        {
            "title": f"{word} scanner offline",
            "description": "After the failover.",
            "end_user_id": min(cluster.store.contacts),
        },
    )
    assert made is not None
    opened = sum(t.status == "Open" for t in cluster.store.tickets.values())
    for replica in survivors:

        async def exact(replica: Replica = replica) -> bool | None:
            token = cluster.tokens[1]
            same = (
                await total(replica, token, query=word) == 1
                and await total(replica, token, status=["Open"]) == opened
                and await total(replica, token) == len(cluster.store.tickets)
            )
            return True if same else None

        await wait_for(exact, within=15, what=f"exact search on replica {replica.n}")
