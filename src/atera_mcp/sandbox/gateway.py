"""What stands in front of every Atera endpoint: routing normalisation, injected faults,
authentication and the rate limit. A pure ASGI middleware, outermost in the app."""

from __future__ import annotations

import hmac

import anyio
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atera_mcp.sandbox.faults import SandboxConnectionDropped
from atera_mcp.sandbox.problems import SPELLED_PATH, problem_response
from atera_mcp.sandbox.state import SandboxState


class Gateway:
    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # ASP.NET routes ignore case and a trailing slash; Starlette would 404 or redirect.
        # Routing sees the folded path; answers (links, ProblemDetails) echo the caller's own.
        spelled = scope["path"].rstrip("/") or "/"
        path = spelled.lower()
        scope = {**scope, "path": path, SPELLED_PATH: spelled}
        method: str = scope["method"]
        faults = self.state.faults
        if faults.delay > 0:
            await anyio.sleep(faults.delay)
        failure = faults.take_failure(method, path)
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else None
            if failure.status == 401:
                await Response(status_code=401)(scope, receive, send)
                return
            response = problem_response(failure.status, "Injected fault.", spelled, headers)
            await response(scope, receive, send)
            return
        key = _credential(Headers(scope=scope))
        if key is None or not hmac.compare_digest(key.encode(), self.state.config.api_key.encode()):
            # Atera answers a missing or wrong key with an empty 401 and no WWW-Authenticate.
            await Response(status_code=401)(scope, receive, send)
            return
        wait = self.state.limiter.admit(key)
        if wait is not None:
            detail = f"Too many requests: at most {self.state.limiter.limit} per minute."
            response = problem_response(429, detail, spelled, {"Retry-After": str(wait)})
            await response(scope, receive, send)
            return
        if faults.take_drop(method, path):
            await self._answer_then_drop(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _answer_then_drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Let the write commit, start the answer (status and Content-Length), then vanish:
        # the client sees the connection close before the body, as after a network failure.
        start: Message | None = None

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message

        await self.app(scope, receive, capture)
        if start is not None:
            await send(start)
        raise SandboxConnectionDropped(f"{scope['method']} {scope['path']}: dropped after commit")


def _credential(headers: Headers) -> str | None:
    key = headers.get("x-api-key")
    if key:
        return key.strip()
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None
