"""The PostgreSQL backend's own behaviour: one schema shared by replicas, the sync lease as an
advisory lock that moves the moment its holder dies, reconnecting, rebuilding a stale schema.
(Everything the two backends share runs on both: the search, sync and service suites.)"""

from __future__ import annotations

import contextlib
import io
import logging
import secrets
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import anyio
import httpx
import psycopg
import pytest
from mcp import Client
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pydantic import SecretStr

from atera_mcp import index_cli
from atera_mcp.cli import main
from atera_mcp.config import Settings
from atera_mcp.errors import SharedStateUnavailable
from atera_mcp.index.backend import Observation, SchemaMismatch, SyncState
from atera_mcp.index.pg_schema import SCHEMA_VERSION, SchemaRefused, lock_key, schema_for
from atera_mcp.index.postgres import PostgresStore, PostgresTarget
from atera_mcp.sandbox import sandbox_transport
from atera_mcp.server import build_server
from atera_mcp.tools.search import search_tickets
from tests.harness import API_KEY, sandbox_app, settings
from tests.index.helpers import account, open_index, sandbox_ids
from tests.index.test_store import T0, dto
from tests.index_backends import location, on_backend

pytestmark = [pytest.mark.anyio, on_backend("postgres")]


def lease_holder(url: str, schema: str) -> int | None:
    """The server process holding the schema's sync lease, as an operator would find it."""
    key = lock_key(schema) & 0xFFFF_FFFF_FFFF_FFFF
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = %s AND objid = %s AND objsubid = 1",
            (key >> 32, key & 0xFFFF_FFFF),
        ).fetchone()
    return None if row is None else int(row[0])


def terminate(url: str, pid: int) -> None:
    """End a server process as a crash would, and wait (5 s at most) until it has gone."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,)).fetchone()
    assert row == (True,)


async def test_when_the_syncing_replica_dies_another_takes_the_lease_at_its_next_try(
    tmp_path: Path,
) -> None:
    app, clock = account(120)
    where = location(tmp_path / "shared")
    assert isinstance(where, PostgresTarget)
    async with (
        open_index(app, tmp_path / "shared", clock, owner="first") as first,
        open_index(app, tmp_path / "shared", clock, owner="second") as second,
    ):
        assert await first.index.background_step() == 0.0  # the lease: it syncs
        assert await second.index.background_step() == second.index.lease_poll
        assert second.index.lease_poll <= 5.0  # non-holders look again within seconds
        holder = lease_holder(where.url, where.schema)
        assert holder is not None
        terminate(where.url, holder)  # the holder's process is gone (SIGKILL closes its socket)
        assert await second.index.background_step() == 0.0  # took it over, at once
        second.recorder.records.clear()
        assert await first.index.background_step() == first.index.lease_poll  # only reads now
        ctx_first, ctx_second = first.tool_context(clock), second.tool_context(clock)
        a = await search_tickets(ctx_first, query="printer", sort="oldest", limit=50)
        b = await search_tickets(ctx_second, query="printer", sort="oldest", limit=50)
        assert a.tickets == b.tickets
        assert a.total == b.total
        assert await first.ids() == await second.ids() == sandbox_ids(app)


def test_a_broken_connection_fails_one_call_and_the_next_reconnects(tmp_path: Path) -> None:
    where = location(tmp_path / "i")
    assert isinstance(where, PostgresTarget)
    store = PostgresStore.open(where.url, where.schema)
    try:
        pid = store.execute("SELECT pg_backend_pid()")[0][0]
        terminate(where.url, pid)
        with pytest.raises(store.transient):
            store.count()
        assert store.count() == 0
    finally:
        store.close()


def test_a_schema_of_an_older_version_is_dropped_and_rebuilt_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    where = location(tmp_path / "i")
    assert isinstance(where, PostgresTarget)
    store = PostgresStore.open(where.url, where.schema)
    store.execute(
        "UPDATE meta SET value = %s WHERE key = 'schema_version' RETURNING 1",
        (str(SCHEMA_VERSION - 1),),
    )
    store.close()
    with caplog.at_level(logging.WARNING):
        again = PostgresStore.open(where.url, where.schema)
    try:
        assert "rebuilding" in caplog.text
        assert again.count() == 0
    finally:
        again.close()


def test_the_store_never_shows_the_database_password() -> None:
    target = PostgresTarget("postgresql://atera:hunter2@127.0.0.1:1/x", "atera_0123")
    assert "hunter2" not in repr(target)


def test_index_sync_and_status_work_on_postgres_without_showing_the_database_url(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = sandbox_app(tickets=120)
    # A host of its own names an account of its own: a schema no other test shares.
    base_url = f"https://sandbox-{secrets.token_hex(4)}.test/api/v3"
    env = {
        "ATERA_API_KEY": API_KEY,
        "ATERA_BASE_URL": base_url,
        "ATERA_DATABASE_URL": database_url,
        "ATERA_RPM": "0",
    }
    schema = schema_for(Settings.from_env(env).account_fingerprint)
    try:
        out, err = io.StringIO(), io.StringIO()
        code = index_cli.sync(env, out=out, err=err, transport=sandbox_transport(app))
        assert code == 0, err.getvalue()
        assert out.getvalue() == f"Indexed 120 tickets in PostgreSQL schema {schema}\n"
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert main(["index", "status"]) == 0
        shown = capsys.readouterr().out
        assert "Tickets:         120" in shown
        assert "Phase:           ready" in shown
        assert database_url not in shown + out.getvalue() + err.getvalue()
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def test_index_status_of_an_account_without_a_schema_says_how_to_build_one(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ATERA_API_KEY", API_KEY)
    monkeypatch.setenv("ATERA_BASE_URL", f"https://sandbox-{secrets.token_hex(4)}.test/api/v3")
    monkeypatch.setenv("ATERA_DATABASE_URL", database_url)
    assert main(["index", "status"]) == 1
    assert "atera-mcp index sync" in capsys.readouterr().out


async def test_the_server_keeps_its_index_on_postgres_when_a_database_url_is_set(
    database_url: str, tmp_path: Path
) -> None:
    app = sandbox_app(tickets=60)
    config = settings(
        base_url=f"https://sandbox-{secrets.token_hex(4)}.test/api/v3",  # an account of its own
        index_path=tmp_path / "never.sqlite3",
        database_url=SecretStr(database_url),
    )
    schema = schema_for(config.account_fingerprint)
    server = build_server(config, transport=sandbox_transport(app))
    try:
        async with Client(server) as client:
            with anyio.fail_after(30):
                # The background first sync writes only to the schema: polling it is the one way.
                while True:
                    if await anyio.to_thread.run_sync(schema_ready, database_url, schema):
                        break
                    await anyio.sleep(0.01)
            result = await client.call_tool("search_tickets", {"limit": 1})
        assert not result.is_error
        assert (result.structured_content or {})["total"] == 60
        assert not (tmp_path / "never.sqlite3").exists()
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def schema_ready(url: str, schema: str) -> bool:
    try:
        store = PostgresStore.open(url, schema, read_only=True)
    except SchemaMismatch:
        return False
    try:
        return store.load_state().phase == "ready"
    finally:
        store.close()


def test_replicas_writing_the_same_tickets_at_once_never_deadlock_or_lose_a_ticket(
    tmp_path: Path,
) -> None:
    where = location(tmp_path / "i")
    assert isinstance(where, PostgresTarget)
    stores = [PostgresStore.open(where.url, where.schema) for _ in range(3)]
    failures: list[BaseException] = []

    def write(store: PostgresStore, offset: int) -> None:
        try:
            for round_ in range(15):
                batch = [dto(i, TicketTitle=f"Ticket {i} v{round_}") for i in range(1, 40)]
                # Each replica sends the tickets in another order: the locks are taken in id
                # order whatever the order of the page.
                batch = batch[offset:] + batch[:offset]
                store.upsert_tickets(batch, Observation(at=T0 + timedelta(seconds=round_)))
                store.settle_modified(T0, modified={1, 2, 3}, asked=set(range(1, 40)))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(s, n * 13)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert failures == []
        assert not any(t.is_alive() for t in threads)
        assert stores[0].ticket_ids() == set(range(1, 40))
        assert stores[0].uncertain_since(T0 + timedelta(hours=1)) == set()
    finally:
        for store in stores:
            store.close()


async def test_a_search_while_the_database_is_unreachable_is_a_clear_error_then_recovers(
    tmp_path: Path,
) -> None:
    app, clock = account(60)
    async with open_index(app, tmp_path / "i", clock) as s:
        await s.index.first_sync()
        ctx = s.tool_context(clock)
        pid = await s.index.run(lambda store: store.execute("SELECT pg_backend_pid()")[0][0])
        terminate(location_url(tmp_path / "i"), pid)
        with pytest.raises(SharedStateUnavailable, match="try the search again"):
            await search_tickets(ctx, status=["Open"])
        result = await search_tickets(ctx, status=["Open"])  # reconnected
        assert result.total > 0


def location_url(path: Path) -> str:
    where = location(path)
    assert isinstance(where, PostgresTarget)
    return where.url


def test_a_replica_starting_while_another_holds_the_sync_lease_opens_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where = location(tmp_path / "i")
    assert isinstance(where, PostgresTarget)
    holder = PostgresStore.open(where.url, where.schema)
    try:
        assert holder.try_lease("holder", T0, 120)  # held for as long as the holder lives
        # Bounds the wait: a start that queued behind the lease fails here instead of hanging.
        monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=5s")
        starting = PostgresStore.open(where.url, where.schema)
        try:
            assert starting.count() == 0
            assert not starting.try_lease("starting", T0, 120)
        finally:
            starting.close()
    finally:
        holder.close()


async def test_a_syncing_replica_whose_lease_connection_died_stops_syncing_at_its_next_page(
    tmp_path: Path,
) -> None:
    app, clock = account(300)
    where = location(tmp_path / "i")
    assert isinstance(where, PostgresTarget)
    killed: list[int] = []

    async def hook(request: httpx.Request, response: httpx.Response) -> None:
        if request.url.path.endswith("/tickets") and not killed:
            # The lease's connection ends (a network cut, an operator): the lock is free at once.
            holder = await anyio.to_thread.run_sync(lease_holder, where.url, where.schema)
            assert holder is not None
            await anyio.to_thread.run_sync(terminate, where.url, holder)
            killed.append(holder)

    async with open_index(app, tmp_path / "i", clock, hook=hook) as first:
        # Another replica may hold the lease by now: this one stops (LeaseLost) and only reads.
        assert await first.index.background_step() == first.index.lease_poll
        assert killed
        state = await first.index.state()
        assert state.phase == "sweeping"
        # Stopped unfinished: in its first pass (the open statuses) or the full one.
        assert not state.statuses_read or len(state.pages_done) < state.pages_total


def test_sync_state_saved_by_two_replicas_never_moves_back(tmp_path: Path) -> None:
    where = location(tmp_path / "i")
    assert isinstance(where, PostgresTarget)
    one, two = (PostgresStore.open(where.url, where.schema) for _ in range(2))
    try:
        t1, t2 = T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)
        one.save_state(SyncState(phase="ready", watermark=T0, last_delta_at=T0))
        # Two replicas each run a delta before a search: each loads the state, reads the feed
        # and saves its watermark; the one that started earlier saves last.
        early, late = one.load_state(), two.load_state()
        late.watermark = late.last_delta_at = t2
        two.save_state(late)
        early.watermark = early.last_delta_at = t1
        one.save_state(early)
        assert two.load_state().watermark == t2
        assert two.load_state().last_delta_at == t2
        # A syncer that lost its lease mid-sweep saves its page after the new holder finished.
        one.save_state(SyncState(phase="sweeping", sweep_started=T0, pages_total=9))
        assert two.load_state().phase == "ready"
    finally:
        one.close()
        two.close()


def test_index_connections_give_up_on_a_silent_peer_within_half_a_minute(tmp_path: Path) -> None:
    # A host lost without a word otherwise holds a query (and every search behind it) and the
    # lost replica's lease for TCP's quarter of an hour. (Shown by hand with an iptables DROP
    # between the store and PostgreSQL: a count hung past 45 s before, failed at 30 s after.)
    where = location(tmp_path / "i")
    assert isinstance(where, PostgresTarget)
    store = PostgresStore.open(where.url, where.schema)
    try:
        store.count()
        shown = [
            store.execute(f"SHOW {name}")[0][0]
            for name in ("tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_user_timeout")
        ]
        assert shown == ["10", "5", "30000"]  # seconds, seconds, milliseconds
    finally:
        store.close()


class Forwarder:
    """A port in front of the test PostgreSQL, closed until `start()`: the database as a
    replica sees it while it is down or restarting, then back."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = int(probe.getsockname()[1])
        probe.close()  # nothing listens here until start(): connections are refused
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        self._sockets.append(listener)
        self._spawn(self._accept, listener)

    def close(self) -> None:
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self._threads:
            thread.join(timeout=10)

    def _spawn(self, target: Callable[..., None], *args: socket.socket) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = listener.accept()
                server = socket.create_connection(self.target, timeout=10)
                server.settimeout(None)
                self._sockets += [client, server]
                self._spawn(self._pump, client, server)
                self._spawn(self._pump, server, client)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def test_a_replica_started_while_the_database_is_down_uses_the_index_once_it_is_back(
    tmp_path: Path,
) -> None:
    where = location(tmp_path / "i")
    assert isinstance(where, PostgresTarget)
    real = conninfo_to_dict(where.url)
    forwarder = Forwarder((str(real.get("host")), int(str(real.get("port") or 5432))))
    url = make_conninfo(where.url, host="127.0.0.1", port=str(forwarder.port))
    try:
        store = PostgresStore.open(url, where.schema)  # a deploy: PostgreSQL restarting
        try:
            with pytest.raises(store.transient):
                store.count()
            forwarder.start()
            assert store.count() == 0  # the schema is made by the first call that connects
            store.upsert_tickets([dto(1)], Observation(at=T0))
            assert store.ticket_ids() == {1}
        finally:
            store.close()
    finally:
        forwarder.close()


def test_a_schema_written_by_a_newer_version_is_left_alone(tmp_path: Path) -> None:
    """A rolling upgrade: old replicas must not drop the schema the new ones built."""
    where = location(tmp_path / "i")
    assert isinstance(where, PostgresTarget)
    store = PostgresStore.open(where.url, where.schema)
    store.execute(
        "UPDATE meta SET value = %s WHERE key = 'schema_version' RETURNING 1",
        (str(SCHEMA_VERSION + 1),),
    )
    store.close()
    with pytest.raises(SchemaRefused, match="newer atera-mcp"):
        PostgresStore.open(where.url, where.schema)
    with psycopg.connect(where.url) as conn:
        row = conn.execute(
            f"SELECT value FROM {where.schema}.meta WHERE key = 'schema_version'"
        ).fetchone()
    assert row == (str(SCHEMA_VERSION + 1),)


def test_a_schema_that_is_not_an_index_is_never_dropped(tmp_path: Path) -> None:
    where = location(tmp_path / "i")
    assert isinstance(where, PostgresTarget)
    with psycopg.connect(where.url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {where.schema}")
        conn.execute(f"CREATE TABLE {where.schema}.precious (x int)")
    with pytest.raises(SchemaRefused, match="not an atera-mcp index"):
        PostgresStore.open(where.url, where.schema)
    with psycopg.connect(where.url) as conn:
        kept = conn.execute("SELECT to_regclass(%s)", (f"{where.schema}.precious",)).fetchone()
    assert kept is not None
    assert kept[0] is not None
