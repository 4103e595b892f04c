"""`atera://queue` and its subscriptions, in both protocol eras.

- 2025-11-25 and before: `resources/subscribe` / `resources/unsubscribe` (which `MCPServer`
  does not serve itself, so they are added to its low-level server); each subscribed session
  gets `notifications/resources/updated`.
- 2026-07-28: `subscriptions/listen`, served by the SDK over `QueueWatch.bus`; an update is
  published on the bus and reaches every stream that named the queue's URI.

While anyone subscribes, the watch checks the queue after each index refresh (and at least
once per refresh interval, so a replica without the sync lease checks the shared index too)
and tells subscribers only when its content changed; a ticket crossing its due time is a
change. While anyone listens, the index counts as in use, so its background deltas keep running.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import anyio
from mcp import MCPError
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError
from mcp.server.session import ServerSession
from mcp.server.subscriptions import InMemorySubscriptionBus, ResourceUpdated, ServerEvent
from mcp.types import INVALID_PARAMS, EmptyResult, SubscribeRequestParams, UnsubscribeRequestParams

from atera_mcp.auth.surface import mirrors
from atera_mcp.errors import AteraMcpError
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.queue import Queue, read_queue

log = logging.getLogger(__name__)

QUEUE_URI = "atera://queue"
SEND_TIMEOUT = 5.0  # seconds one session may take to accept a notification


class _CountingBus(InMemorySubscriptionBus):
    """The SDK's in-process bus, counting open listen streams."""

    def __init__(self) -> None:
        super().__init__()
        self.listeners = 0

    def subscribe(self, listener: Callable[[ServerEvent], None]) -> Callable[[], None]:
        unsubscribe = super().subscribe(listener)
        self.listeners += 1
        done = False

        def undo() -> None:
            nonlocal done
            if not done:
                done = True
                self.listeners -= 1
                unsubscribe()

        return undo


class QueueWatch:
    """Serves the queue resource and tells its subscribers when it changes."""

    def __init__(self) -> None:
        self.bus = _CountingBus()
        self._sessions: dict[int, ServerSession] = {}
        self._seen: str | None = None
        self._ctx: ToolContext | None = None

    def bind(self, ctx: ToolContext) -> None:
        """The server's context, once its lifespan has made it (a static resource gets none)."""
        self._ctx = ctx

    def listening(self) -> bool:
        return bool(self._sessions) or self.bus.listeners > 0

    def install(self, server: MCPServer[ToolContext]) -> None:
        """Register the resource and the 2025-era subscribe requests on `server`."""

        @server.resource(
            QUEUE_URI,
            name="queue",
            title="The desk's queue",
            description="Open tickets breached, at risk (due within 60 min), waiting on us and "
            "unassigned, soonest SLA first: at most 50 each with totals. Subscribe to hear of "
            "changes.",
            mime_type="application/json",
            meta=mirrors("search_tickets"),  # read only by callers who may search
        )
        async def queue() -> str:
            if self._ctx is None:
                raise ResourceError("The server is still starting; read the queue again.")
            try:
                shown = await read_queue(self._ctx)
            except AteraMcpError as exc:
                raise ResourceError(str(exc)) from None
            if self._seen is None:  # what a subscriber saw is what later checks compare with
                self._seen = shown.content_key()
            return shown.model_dump_json()

        # MCPServer serves only 2026-07-28's subscriptions/listen; the earlier requests go to
        # its low-level server (which then announces `resources.subscribe`).
        lowlevel = server._lowlevel_server
        lowlevel.add_request_handler("resources/subscribe", SubscribeRequestParams, self._subscribe)
        lowlevel.add_request_handler(
            "resources/unsubscribe", UnsubscribeRequestParams, self._unsubscribe
        )

    async def _subscribe(
        self, ctx: ServerRequestContext[ToolContext, Any], params: SubscribeRequestParams
    ) -> EmptyResult:
        if params.uri != QUEUE_URI:
            raise MCPError(
                code=INVALID_PARAMS,
                message=f"Only {QUEUE_URI} can be subscribed to, not {params.uri}.",
            )
        self._sessions[id(ctx.session)] = ctx.session
        if ctx.lifespan_context.index is not None:
            ctx.lifespan_context.index.mark_used()
        return EmptyResult()

    async def _unsubscribe(
        self, ctx: ServerRequestContext[ToolContext, Any], params: UnsubscribeRequestParams
    ) -> EmptyResult:
        if params.uri == QUEUE_URI:
            self._sessions.pop(id(ctx.session), None)
        return EmptyResult()

    async def run(self, ctx: ToolContext) -> None:
        """Until cancelled: check the queue after each index refresh (or refresh interval)."""
        index = ctx.index
        if index is None:
            return
        failures: tuple[type[Exception], ...] = (AteraMcpError, *index.store.failures)
        while True:
            if not self.listening():
                # Nobody to tell: no reads of the index for nothing. The next subscriber's
                # first read (or the first check after it) sets what later checks compare with.
                self._seen = None
            else:
                try:
                    await self.check(ctx)
                except failures as exc:
                    log.warning("Could not check the queue for its subscribers: %s", exc)
            with anyio.move_on_after(index.refresh.total_seconds()):
                await index.wait_refresh()

    async def check(self, ctx: ToolContext) -> bool:
        """Read the queue at the context's time; tell subscribers if it changed. Whether it
        did (the first check only sets what later ones compare with)."""
        listening = self.listening()
        # Someone listens: keep the index in use (its deltas running) and catch up first.
        queue: Queue = await read_queue(ctx, refresh=listening)
        key = queue.content_key()
        changed = self._seen is not None and key != self._seen
        self._seen = key
        if changed and listening:
            await self._notify()
        return changed

    async def _notify(self) -> None:
        await self.bus.publish(ResourceUpdated(uri=QUEUE_URI))
        for ident, session in list(self._sessions.items()):
            # A session that has gone, or stopped reading, is dropped: it can subscribe again.
            try:
                with anyio.fail_after(SEND_TIMEOUT):
                    await session.send_resource_updated(QUEUE_URI)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError, TimeoutError):
                self._sessions.pop(ident, None)
