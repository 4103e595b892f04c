"""Test wiring shared by tool and server tests: a seeded sandbox behind the real client.

Everything goes through the same `AteraClient` production uses, over
`sandbox_transport(app)` (httpx's ASGI transport), wrapped in the contract recorder so a test
can assert that every request it caused was a real Atera operation with a valid body.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr
from starlette.applications import Starlette

from atera_mcp.client import AteraClient
from atera_mcp.config import Settings
from atera_mcp.domain.directory import Technician
from atera_mcp.index.service import TicketIndex
from atera_mcp.sandbox import (
    SANDBOX_TECHNICIANS,
    SandboxConfig,
    TicketOrder,
    create_app,
    sandbox_transport,
)
from atera_mcp.tools.context import ToolContext
from tests.contract.openapi_check import RecordingTransport
from tests.index_backends import location

API_KEY = "test-key-0123456789"
BASE_URL = "https://sandbox.test/api/v3"
# A fixed "now" keeps seeded data and every time rule deterministic.
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)

TECHNICIANS = tuple(
    Technician(id=t.id, name=f"{t.first_name} {t.last_name}", email=t.email)
    for t in SANDBOX_TECHNICIANS
)


def settings(**changes: object) -> Settings:
    base = Settings(
        api_key=SecretStr(API_KEY),
        base_url=BASE_URL,
        technicians=TECHNICIANS,
        technician_id=TECHNICIANS[0].id,
        rpm=0,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def sandbox_app(
    tickets: int = 300,
    seed: int = 1,
    *,
    order: TicketOrder = "newest",
    clock: Callable[[], datetime] | None = None,
    customers: int | None = None,
    contacts: int | None = None,
) -> Starlette:
    """A sandbox seeded up to NOW. Writes are stamped with the real time unless `clock` is given;
    `order` is the order of GET /tickets, which Atera does not document (test under both).
    `customers` and `contacts` size its directory (None: as the ticket count implies)."""
    config = SandboxConfig(
        tickets=tickets,
        seed=seed,
        api_key=API_KEY,
        rpm=0,
        now=NOW,
        order=order,
        customers=customers,
        contacts=contacts,
    )
    return create_app(config if clock is None else dataclasses.replace(config, clock=clock))


@dataclass
class Rig:
    """A sandbox app, the recording transport in front of it, and a ToolContext using both."""

    app: Starlette
    recorder: RecordingTransport
    ctx: ToolContext


def recording_transport(app: Starlette) -> RecordingTransport:
    return RecordingTransport(sandbox_transport(app))


@asynccontextmanager
async def rig(app: Starlette | None = None, **setting_changes: object) -> AsyncIterator[Rig]:
    app = app or sandbox_app()
    recorder = recording_transport(app)
    config = settings(**setting_changes)
    async with AteraClient(api_key=API_KEY, base_url=BASE_URL, rpm=0, transport=recorder) as atera:
        yield Rig(app=app, recorder=recorder, ctx=ToolContext.create(atera, config, lambda: NOW))


@asynccontextmanager
async def indexed_rig(
    path: Path, app: Starlette | None = None, **setting_changes: object
) -> AsyncIterator[Rig]:
    """`rig()` whose ToolContext answers searches from an index built by the real first sync.

    The index runs on the real clock, as the sandbox's writes do (only the seed is pinned)."""
    async with rig(app, **setting_changes) as r:
        index = await TicketIndex.open(location(path), r.ctx.atera)
        try:
            await index.first_sync()
            r.ctx.index = index
            r.recorder.records.clear()
            yield r
        finally:
            await index.close()
