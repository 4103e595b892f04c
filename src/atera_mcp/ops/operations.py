"""`Operations`: one built server's metrics and readiness, and the routes that serve them.

The routes (`/healthz`, `/readyz`, `/metrics`) are the SDK's custom routes: served beside
`/mcp` by `streamable_http_app`, outside its bearer-auth check (load balancers and Prometheus
call them without a token), while `/mcp` keeps it. They show counts, timings and check
results: never a ticket, a customer, an id or a credential.

Metrics exist only where something can scrape them: `build_server(metrics=False)` (stdio) keeps
no instruments, serves no /metrics and never imports prometheus_client; readiness does not
depend on them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from atera_mcp.client import AteraClient, RequestClass
from atera_mcp.config import Settings
from atera_mcp.ops.health import Clock, IndexView, Pulse, Readiness

if TYPE_CHECKING:
    from atera_mcp.ops.metrics import Metrics, Outcome
    from atera_mcp.shared.redis_link import SharedRedis

NO_STORE = {"Cache-Control": "no-store"}


class Operations:
    """Built by `build_server`; the client reports to it (it is a ClientObserver), the
    lifespan attaches the live client and index with `serving`, and tool calls are timed."""

    def __init__(self, settings: Settings, clock: Clock, *, metrics: bool = True) -> None:
        self.clock = clock
        self.metrics: Metrics | None = None
        if metrics:
            from atera_mcp.ops.metrics import Metrics  # prometheus_client: only when scraped

            self.metrics = Metrics()
        self.pulse = Pulse(clock)
        self.readiness = Readiness(settings, clock, self.pulse)

    # -- ClientObserver ---------------------------------------------------------------------

    def on_response(self, method: str, path: str, status: int | None, attempt: int) -> None:
        if self.metrics is not None:
            self.metrics.on_response(method, path, status, attempt)
        self.pulse.on_response(method, path, status, attempt)

    def on_budget_wait(self, request_class: RequestClass, seconds: float) -> None:
        if self.metrics is not None:
            self.metrics.on_budget_wait(request_class, seconds)

    # -- what the server calls --------------------------------------------------------------

    @contextmanager
    def serving(
        self, atera: AteraClient, index: IndexView | None, redis: SharedRedis | None = None
    ) -> Iterator[None]:
        """While the lifespan runs: readiness checks this client, index and shared Redis."""
        self.readiness.attach(atera, index, redis)
        try:
            yield
        finally:
            self.readiness.detach()

    def tool_call(self, tool: str, outcome: Outcome, started: float) -> None:
        """A tool call that began at `time.perf_counter()` == `started` ended with `outcome`."""
        if self.metrics is not None:
            self.metrics.tool_call(tool, outcome, time.perf_counter() - started)

    def install(self, server: MCPServer[Any]) -> None:
        """Add the routes to `server`'s HTTP app (no effect under stdio): /metrics only when
        there are metrics."""
        routes = [("/healthz", self.healthz), ("/readyz", self.readyz)]
        if self.metrics is not None:
            routes.append(("/metrics", self.scrape))
        for path, endpoint in routes:
            server.custom_route(path, methods=["GET"], include_in_schema=False)(endpoint)

    # -- the routes -------------------------------------------------------------------------

    async def healthz(self, request: Request) -> Response:
        """Alive: answers as long as the process serves HTTP; checks nothing else."""
        return JSONResponse({"status": "ok"}, headers=NO_STORE)

    async def readyz(self, request: Request) -> Response:
        """200 when every check passes, else 503; the body names each check and the failed."""
        ready, body = await self.readiness.report()
        return JSONResponse(body, status_code=200 if ready else 503, headers=NO_STORE)

    async def scrape(self, request: Request) -> Response:
        """Prometheus' text format; the index lag is read now, at scrape time."""
        metrics = self.metrics
        if metrics is None:  # not installed without metrics; answered as a missing route
            return Response(status_code=404)
        lag: float | None = None
        index = self.readiness.index
        if index is not None:
            read = await self.readiness.read_index(index)  # a failure: the lag is unknown (NaN)
            lag = None if isinstance(read, str) else read[0]
        metrics.index_lag.set(float("nan") if lag is None else lag)
        return Response(metrics.render(), media_type=metrics.content_type, headers=NO_STORE)
