"""The sandbox's long-lived objects, kept on `app.state` and reached through one typed accessor."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request

from atera_mcp.sandbox.config import SandboxConfig
from atera_mcp.sandbox.faults import Faults
from atera_mcp.sandbox.ratelimit import SlidingWindowLimiter
from atera_mcp.sandbox.requestlog import RequestLog
from atera_mcp.sandbox.store import SandboxStore


@dataclass(frozen=True, slots=True)
class SandboxState:
    config: SandboxConfig
    store: SandboxStore
    faults: Faults
    limiter: SlidingWindowLimiter
    requests: RequestLog  # every request that reached the gateway, however it was answered


def sandbox_state(app: Starlette) -> SandboxState:
    """The state of an app made by `create_app`: store, faults, request log and config."""
    state = getattr(app.state, "sandbox", None)
    if not isinstance(state, SandboxState):
        raise TypeError("this Starlette app was not made by atera_mcp.sandbox.create_app")
    return state


def request_state(request: Request) -> SandboxState:
    app: Starlette = request.app
    return sandbox_state(app)
