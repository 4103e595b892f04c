"""The sandbox application: an Atera-compatible API v3 over seeded data, as one Starlette app."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount

from atera_mcp.sandbox import routes_directory, routes_monitoring, routes_tickets, routes_work
from atera_mcp.sandbox.config import SandboxConfig
from atera_mcp.sandbox.faults import Faults
from atera_mcp.sandbox.gateway import Gateway
from atera_mcp.sandbox.problems import ApiError, render_api_error
from atera_mcp.sandbox.ratelimit import SlidingWindowLimiter
from atera_mcp.sandbox.requestlog import RequestLog
from atera_mcp.sandbox.seed import generate
from atera_mcp.sandbox.state import SandboxState
from atera_mcp.sandbox.store import SandboxStore
from atera_mcp.sandbox.timeline import SandboxClock

API_ROOT = "/api/v3"


async def _bare_http_error(request: Request, exc: Exception) -> Response:
    # ASP.NET answers an unknown route (404) or method (405) with an empty body.
    assert isinstance(exc, HTTPException)
    return Response(status_code=exc.status_code, headers=exc.headers)


def create_app(config: SandboxConfig) -> Starlette:
    """Seed the data for `config` and build the app; its state is `sandbox_state(app)`."""
    anchor, zone = config.anchor(), config.zone()
    data = generate(
        tickets=config.tickets,
        seed=config.seed,
        now=anchor,
        zone=zone,
        customers=config.customers,
        contacts=config.contacts,
        work_scale=config.work_scale,
    )
    state = SandboxState(
        config=config,
        store=SandboxStore(data, SandboxClock(config.clock), zone),
        faults=Faults(),
        limiter=SlidingWindowLimiter(config.rpm, config.monotonic),
        requests=RequestLog(config.request_log_size),
    )
    # Order matters: fixed paths (lastmodified, billableduration) before /tickets/{ticketId}.
    routes = routes_directory.ROUTES + routes_tickets.ROUTES + routes_work.ROUTES
    routes += routes_tickets.ITEM_ROUTES + routes_monitoring.ROUTES
    app = Starlette(
        routes=[Mount(API_ROOT, routes=routes)],
        middleware=[Middleware(Gateway, state=state), Middleware(GZipMiddleware)],
        exception_handlers={ApiError: render_api_error, HTTPException: _bare_http_error},
    )
    app.state.sandbox = state
    return app
