"""Replicas sharing Redis and PostgreSQL lose one to SIGKILL: a write cut off by the kill is
made again elsewhere and lands once. Real processes (`atera-mcp serve --transport http`) in
front of a sandbox served from this test; the full-size proof with figures is
bench/bench_replicas.py."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from atera_mcp.config import Settings
from atera_mcp.sandbox import SandboxConfig, create_app, sandbox_state
from atera_mcp.sandbox.store import SandboxStore
from tests.replicas.cluster import (
    AfterCommit,
    Replica,
    forget_account,
    free_port,
    issue_tokens,
    replica_env,
    running,
    serving,
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
            yield Cluster(replicas, sandbox_state(sandbox).store, gate, tokens, database_url)
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


async def test_a_write_cut_off_by_a_replica_kill_is_made_again_elsewhere_and_lands_once(
    cluster: Cluster,
) -> None:
    await ready(cluster)
    victim = cluster.replicas[0]
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
