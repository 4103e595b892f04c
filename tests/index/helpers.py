"""Index test wiring: a settable clock the sandbox shares, the index over the real client, and
transports that act between two requests (an outside change, a kill, a page shift)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
from starlette.applications import Starlette

from atera_mcp.client import AteraClient, current_request_class
from atera_mcp.domain.wire import CreateTicketModel, UpdateTicketModel
from atera_mcp.index.service import Sleep, TicketIndex
from atera_mcp.index.sync import OVERLAP
from atera_mcp.sandbox import TicketOrder, sandbox_state, sandbox_transport
from atera_mcp.tools.context import ToolContext
from tests.contract.openapi_check import RecordingTransport
from tests.harness import API_KEY, BASE_URL, NOW, sandbox_app, settings
from tests.index_backends import location

# Called after each answer; may return a replacement answer (a page as a shift would leave it).
Hook = Callable[[httpx.Request, httpx.Response], Awaitable[httpx.Response | None]]


class Clock:
    """A UTC clock that moves only when told to."""

    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def account(tickets: int = 300, *, order: TicketOrder = "newest") -> tuple[Starlette, Clock]:
    """A seeded sandbox that stamps its changes by the test's clock, and that clock: the index
    and Atera then agree on every time, so the watermark can be checked to the instant."""
    clock = Clock()
    return sandbox_app(tickets, order=order, clock=clock), clock


class Hooked(httpx.AsyncBaseTransport):
    """Calls `hook(request, response)` after each answer: the place to act between pages."""

    def __init__(self, inner: httpx.AsyncBaseTransport, hook: Hook) -> None:
        self.inner = inner
        self.hook = hook
        self.classes: list[str] = []  # the request class each request was sent as

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.classes.append(current_request_class())
        response = await self.inner.handle_async_request(request)
        return await self.hook(request, response) or response


async def no_hook(request: httpx.Request, response: httpx.Response) -> None:
    return None


async def without_first_item(response: httpx.Response) -> tuple[httpx.Response, int]:
    """The page as if its first ticket had moved to the page before; and that ticket's id."""
    body = json.loads(await response.aread())
    moved = body["items"].pop(0)["TicketID"]
    return httpx.Response(response.status_code, json=body), moved


def page_of(request: httpx.Request) -> int | None:
    """The page number of a GET /tickets sweep page (50 a page, every status), else None."""
    params = request.url.params
    if request.method != "GET" or not request.url.path.endswith("/tickets"):
        return None
    if "ticketStatus" in params:
        return None  # the open statuses, read first
    if params.get("itemsInPage") != "50":
        return None
    return int(params.get("page", "1"))


def pages_read(recorder: RecordingTransport) -> list[int]:
    return [n for e in recorder.records if (n := page_of(e.request)) is not None]


def feed_requests(recorder: RecordingTransport) -> list[httpx.Request]:
    return [e.request for e in recorder.records if e.request.url.path.endswith("/lastmodified")]


def feed_tickets(recorder: RecordingTransport) -> dict[int, dict[str, Any]]:
    """Every ticket the delta feed answered with, by id (the last answer wins)."""
    found: dict[int, dict[str, Any]] = {}
    for e in recorder.records:
        if e.request.url.path.endswith("/lastmodified"):
            for item in json.loads(e.response.content)["items"]:
                found[item["TicketID"]] = item
    return found


def sandbox_ids(app: Starlette) -> set[int]:
    return set(sandbox_state(app).store.tickets)


@dataclass
class Setup:
    index: TicketIndex
    atera: AteraClient
    recorder: RecordingTransport
    hooked: Hooked

    async def ids(self) -> set[int]:
        return await self.index.run(lambda s: s.ticket_ids())

    def tool_context(self, clock: Clock) -> ToolContext:
        return ToolContext.create(self.atera, settings(), clock, self.index)


@asynccontextmanager
async def open_index(
    app: Starlette,
    path: Path,
    clock: Clock,
    *,
    hook: Hook = no_hook,
    owner: str | None = None,
    overlap: timedelta = OVERLAP,
    close: bool = True,
    sleep: Sleep = anyio.sleep,
) -> AsyncIterator[Setup]:
    """A TicketIndex on `path` reading `app` through the real client (no rate limit)."""
    hooked = Hooked(sandbox_transport(app), hook)
    recorder = RecordingTransport(hooked)
    async with AteraClient(
        api_key=API_KEY, base_url=BASE_URL, rpm=0, transport=recorder, max_attempts=1
    ) as atera:
        index = await TicketIndex.open(
            location(path), atera, clock=clock, overlap=overlap, owner=owner, sleep=sleep
        )
        try:
            yield Setup(index, atera, recorder, hooked)
        finally:
            if close:
                with anyio.CancelScope(shield=True):  # as the server does: a test may cancel
                    await index.close()


@asynccontextmanager
async def outside(app: Starlette) -> AsyncIterator[AteraClient]:
    """Someone else working in Atera (a technician in the web app): not through the index."""
    async with AteraClient(
        api_key=API_KEY, base_url=BASE_URL, rpm=0, transport=sandbox_transport(app)
    ) as atera:
        yield atera


async def retitle(app: Starlette, ticket_id: int, title: str) -> None:
    async with outside(app) as atera:
        await atera.update_ticket(
            ticket_id, UpdateTicketModel.model_validate({"TicketTitle": title})
        )


async def create(app: Starlette, title: str) -> int:
    contact = min(sandbox_state(app).store.contacts)
    body = CreateTicketModel.model_validate(
        {"TicketTitle": title, "Description": "Made by a test.", "EndUserID": contact}
    )
    async with outside(app) as atera:
        return await atera.create_ticket(body)


async def delete(app: Starlette, ticket_id: int) -> None:
    async with outside(app) as atera:
        await atera.delete_ticket(ticket_id)
