"""Replicas as real processes: `atera-mcp serve --transport http` on loopback ports, all in
front of one sandbox account, sharing Redis and PostgreSQL when given their URLs.

Used by the failover test (tests/replicas/) and the benchmark (bench/bench_replicas.py). The
sandbox runs in this process (a uvicorn thread) so its request log and data stay readable:
that is how a run is judged, from Atera's side. Every wait here is bounded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atera_mcp.auth.tokens import TokenFile
from atera_mcp.index.pg_schema import lock_key, schema_for
from atera_mcp.sandbox import SANDBOX_TECHNICIANS
from tests.ports import free_port

T = TypeVar("T")
SERVE = Path(sys.executable).parent / "atera-mcp"


def issue_tokens(path: Path, count: int) -> list[str]:
    """`count` bearer tokens in the tokens file at `path`, dealt round the sandbox's
    technicians (what `atera-mcp token add` writes)."""
    tokens = TokenFile(path)
    return [
        tokens.add(
            technician_id=SANDBOX_TECHNICIANS[i % len(SANDBOX_TECHNICIANS)].id,
            name=f"session {i}",
            read_only=False,
            tools=None,
            now=datetime.now(UTC),
        )[0]
        for i in range(count)
    ]


def technicians_setting() -> str:
    """ATERA_TECHNICIANS for the sandbox's technicians."""
    return "; ".join(
        f"{t.id}={t.first_name} {t.last_name} <{t.email}>" for t in SANDBOX_TECHNICIANS
    )


@dataclass
class Replica:
    """One `atera-mcp serve --transport http` process; its stderr goes to `log`."""

    n: int
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.origin}/mcp"

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no lease given up, connections cut mid-request."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it is still there after 10 s."""
        if not self.alive():
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def listening(self) -> bool:
        """Whether its port accepts connections (uvicorn listens once the lifespan started)."""
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True

    def log_tail(self, lines: int = 20) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def replica_env(
    *,
    base_url: str,
    api_key: str,
    tokens_file: Path,
    redis_url: str | None = None,
    database_url: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """The environment of a replica: this one's, minus any ATERA_* of the caller's, plus the
    account, the shared tokens file and the shared stores (when given)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATERA_")}
    env |= {
        "ATERA_BASE_URL": base_url,
        "ATERA_API_KEY": api_key,
        "ATERA_TOKENS_FILE": str(tokens_file),
        "ATERA_TECHNICIANS": technicians_setting(),
        "ATERA_LOG_LEVEL": "WARNING",
    }
    if redis_url:
        env["ATERA_REDIS_URL"] = redis_url
    if database_url:
        env["ATERA_DATABASE_URL"] = database_url
    return env | extra


def start_replica(n: int, env: dict[str, str], folder: Path) -> Replica:
    """Start replica `n` on a free port; its caches (a SQLite index when there is no
    PostgreSQL) under `folder`/replica-`n`. It is not ready yet: see `wait_for`."""
    home = folder / f"replica-{n}"
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = home / "stderr.log"
    with log.open("wb") as err:
        process = subprocess.Popen(
            [
                str(SERVE),
                "serve",
                "--transport",
                "http",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env | {"XDG_CACHE_HOME": str(home / "cache")},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    return Replica(n, port, process, log)


@contextmanager
def running(count: int, env: dict[str, str], folder: Path) -> Iterator[list[Replica]]:
    """`count` replicas, stopped (SIGTERM, then SIGKILL) when the block ends."""
    started: list[Replica] = []
    try:
        for n in range(count):
            started.append(start_replica(n, env, folder))
        yield started
    finally:
        for replica in started:
            replica.stop()


async def wait_for(
    probe: Callable[[], Awaitable[T | None]],
    *,
    within: float,
    what: str,
    interval: float = 0.2,
) -> T:
    """Call `probe` until it answers something other than None; TimeoutError naming `what`
    after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        found = await probe()
        if found is not None:
            return found
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not within {within:.0f} s")
        await anyio.sleep(interval)


# -- who holds the sync role (PostgreSQL's advisory lock) -------------------------------------


def sync_holders(replicas: Sequence[Replica], database_url: str, fingerprint: str) -> list[Replica]:
    """The replicas holding the account's sync lease now: PostgreSQL's advisory lock on the
    account schema's key (`pg_try_advisory_lock(bigint)`, shown in pg_locks as the key's two
    32-bit halves with objsubid 1).

    PostgreSQL knows the holder by backend pid and client port; the port is matched to the
    replica process with that socket open (from /proc), so no cooperation from the server is
    needed and other people's locks on the same database are ignored."""
    import psycopg

    key = lock_key(schema_for(fingerprint)) & 0xFFFF_FFFF_FFFF_FFFF
    with psycopg.connect(database_url, connect_timeout=5, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s "
            "AND l.objsubid = 1 AND a.client_port IS NOT NULL",
            (key >> 32, key & 0xFFFF_FFFF),
        ).fetchall()
    ports = {int(port) for (port,) in rows}
    return [r for r in replicas if r.alive() and ports & local_ports(r.process.pid)]


def local_ports(pid: int) -> set[int]:
    """The local TCP ports of the sockets process `pid` has open (Linux /proc)."""
    try:
        links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    except OSError:
        return set()
    inodes = {link[8:-1] for link in links if link.startswith("socket:[")}
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def forget_account(fingerprint: str, redis_url: str | None, database_url: str | None) -> None:
    """Remove what a run left in the shared stores for its account: the Redis keys
    `atera-mcp:{fingerprint}:*` and the PostgreSQL schema `atera_{fingerprint[:16]}`."""
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url, socket_connect_timeout=5)
        try:
            keys = list(client.scan_iter(match=f"atera-mcp:{fingerprint}:*", count=1000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()
    if database_url:
        import psycopg
        from psycopg import sql

        with psycopg.connect(database_url, connect_timeout=5, autocommit=True) as conn:
            schema = sql.Identifier(f"atera_{fingerprint[:16]}")
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(schema))


class AfterCommit:
    """The sandbox app, wrapped so a test can act at the worst moment for a write: after
    Atera committed it, before its answer leaves (`arm(method, path, then)`; once)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._armed: tuple[str, str, Callable[[], None]] | None = None

    def arm(self, method: str, path: str, then: Callable[[], None]) -> None:
        self._armed = (method.upper(), path.lower(), then)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        armed = self._armed
        if (
            scope["type"] != "http"
            or armed is None
            or (scope["method"], scope["path"].lower()) != armed[:2]
        ):
            await self.app(scope, receive, send)
            return

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start" and self._armed is armed:
                self._armed = None
                armed[2]()
            await send(message)

        await self.app(scope, receive, answer)
