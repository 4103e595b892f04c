"""An index on PostgreSQL whose database stops answering: /readyz and /metrics are public, so
a burst of them must not become a burst of connections to PostgreSQL (each read of a broken
index is one), and readiness recovers on its own once the database is back."""

from __future__ import annotations

import secrets
from pathlib import Path

import anyio
import anyio.abc
import psycopg
import pytest
from psycopg import sql
from pydantic import SecretStr

from atera_mcp.index.pg_schema import schema_for
from tests.harness import sandbox_app, settings
from tests.index.helpers import Clock
from tests.ops.rig import get, replica
from tests.ops.test_readiness import Atera, first_sync_done, readyz

pytestmark = pytest.mark.anyio


class Link:
    """A TCP relay to PostgreSQL that can be cut: `cut()` drops every relayed connection and
    hangs up on new ones, counting them (`refused`); `mend()` relays again."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.up = True
        self.refused = 0
        self.streams: list[anyio.abc.SocketStream] = []

    async def serve(self, client: anyio.abc.SocketStream) -> None:
        if not self.up:
            self.refused += 1
            await client.aclose()
            return
        server = await anyio.connect_tcp("127.0.0.1", self.port)
        self.streams += [client, server]
        async with anyio.create_task_group() as group:
            group.start_soon(self._pipe, client, server)
            group.start_soon(self._pipe, server, client)

    @staticmethod
    async def _pipe(source: anyio.abc.SocketStream, sink: anyio.abc.SocketStream) -> None:
        try:
            async for chunk in source:
                await sink.send(chunk)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            pass
        finally:
            await sink.aclose()

    async def cut(self) -> None:
        self.up = False
        for stream in self.streams:
            await stream.aclose()
        self.streams.clear()

    def mend(self) -> None:
        self.up = True


async def test_a_burst_of_probes_of_a_broken_index_reads_it_once_per_5_seconds(
    database_url: str, tmp_path: Path
) -> None:
    link = Link(int(str(psycopg.conninfo.conninfo_to_dict(database_url)["port"])))
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    relayed = psycopg.conninfo.make_conninfo(database_url, host="127.0.0.1", port=port)
    clock = Clock()
    configured = settings(
        base_url=f"https://sandbox-{secrets.token_hex(4)}.test/api/v3",  # an account of its own
        index_path=tmp_path / "never.sqlite3",
        database_url=SecretStr(relayed),
    )
    try:
        async with listener, anyio.create_task_group() as group:
            group.start_soon(listener.serve, link.serve)
            atera = Atera(sandbox_app(tickets=20, clock=clock))
            async with replica(configured, atera, clock=clock) as app:
                await first_sync_done(app)
                await link.cut()
                burst = [(await readyz(app))[0] for _ in range(10)]
                scrapes = [(await get(app, "/metrics")).text for _ in range(10)]
                tried = link.refused
                clock.advance(5)
                later, body = await readyz(app)
                tried_later = link.refused
                link.mend()
                clock.advance(5)
                mended, _ = await readyz(app)
            group.cancel_scope.cancel()
    finally:
        schema = schema_for(configured.account_fingerprint)
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    assert burst == [503] * 10
    assert all("atera_mcp_index_lag_seconds NaN" in text for text in scrapes)
    # The first read found its connection broken; the others stood by its answer (the index's
    # background sync may have tried once meanwhile).
    assert tried <= 1
    assert later == 503
    assert body["checks"]["index"]["detail"].startswith("the index cannot be read (")
    assert tried_later > tried  # 5 s on, it is read again
    assert mended == 200
