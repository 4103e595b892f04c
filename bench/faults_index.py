"""bench_faults.py with the ticket index on: the index built first, then the server's settings.

The index is an SQLite file in a temporary folder, built from the sandbox with no rate limit
(a first sync of 50,000 tickets at Atera's 700/min would take some three minutes of waiting
and tell this bench nothing). During the writes the server runs as deployed with the index:
its background work (deltas, comment backfill) within a sync share of 350 requests a minute,
while the writes themselves are not held back, as in the index-off run.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from atera_mcp.client import AteraClient, current_request_class
from atera_mcp.config import Settings
from atera_mcp.domain.directory import Technician
from atera_mcp.index.service import TicketIndex
from atera_mcp.sandbox import SANDBOX_TECHNICIANS, sandbox_transport

KEY = "bench-key-0123456789"
BASE_URL = "https://sandbox.bench/api/v3"
FEED = "/tickets/lastmodified"  # Atera's change feed, which the index catches up from
WRITES_RPM = 7000  # the writes are not held back (the index-off run has no budget at all)
SYNC_RPM = 350  # the background work's share, as a deployment with Atera's 700/min has


class FeedReads(httpx.AsyncBaseTransport):
    """Counts the change-feed reads on their way to the sandbox: the tools' (create_ticket's
    checks), the background's (deltas), and how many were answered with an error."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.tools = 0
        self.background = 0
        self.failed = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        feed = request.url.path.rstrip("/").lower().endswith(FEED)
        if feed and current_request_class() == "interactive":
            self.tools += 1
        elif feed:
            self.background += 1
        response = await self.inner.handle_async_request(request)
        self.failed += feed and response.status_code >= 400
        return response

    def __str__(self) -> str:
        return (
            f"change-feed reads: {self.tools} by the tools, {self.background} in the "
            f"background; answered with an error: {self.failed}"
        )


class Fallbacks(logging.Handler):
    """Counts create_ticket's checks the index could not answer (then Atera's lists were read),
    in place of printing each warning: with faults on the feed they are expected."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1

    @classmethod
    def install(cls) -> Fallbacks:
        handler = cls()
        guards = logging.getLogger("atera_mcp.tools.ticket_guards")
        guards.addHandler(handler)
        guards.propagate = False
        return handler


def technicians() -> tuple[Technician, ...]:
    return tuple(Technician(t.id, t.full_name, t.email) for t in SANDBOX_TECHNICIANS)


def bench_settings(index_path: Path | None) -> Settings:
    """The server's settings: without the index no budget at all; with it, a bounded sync."""
    more: dict[str, Any] = (
        {"rpm": 0} if index_path is None else {"rpm": WRITES_RPM, "sync_rpm": SYNC_RPM}
    )
    return Settings(
        api_key=SecretStr(KEY),
        base_url=BASE_URL,
        technicians=technicians(),
        technician_id=SANDBOX_TECHNICIANS[0].id,
        index_path=index_path,
        **more,
    )


async def build_index(app: Any, path: Path) -> None:
    """The first sync, to its end, before any fault is armed; prints what it took."""
    began = time.perf_counter()
    transport = sandbox_transport(app)
    async with AteraClient(api_key=KEY, base_url=BASE_URL, rpm=0, transport=transport) as atera:
        index = await TicketIndex.open(path, atera)
        await index.first_sync()
        tickets = await index.run(lambda s: s.count())
        await index.close()
    took = time.perf_counter() - began
    print(f"index built: {tickets:,} tickets in {took:.1f} s (SQLite, in a temporary folder)")
