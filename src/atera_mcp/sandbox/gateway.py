"""What stands in front of every Atera endpoint: routing normalisation, the request log,
injected faults, authentication and the rate limit. A pure ASGI middleware, outermost in the app."""

from __future__ import annotations

import hmac

import anyio
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atera_mcp.sandbox.chaos import DROP, CommitFault, Failure
from atera_mcp.sandbox.faults import SandboxConnectionDropped
from atera_mcp.sandbox.problems import SPELLED_PATH, problem_response
from atera_mcp.sandbox.requestlog import LoggedRequest, caller_of, parse_retry_after
from atera_mcp.sandbox.state import SandboxState


class Gateway:
    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        arrived = self.state.config.monotonic()
        # ASP.NET routes ignore case and a trailing slash; Starlette would 404 or redirect.
        # Routing sees the folded path; answers (links, ProblemDetails) echo the caller's own.
        spelled = scope["path"].rstrip("/") or "/"
        path = spelled.lower()
        scope = {**scope, "path": path, SPELLED_PATH: spelled}
        key = _credential(Headers(scope=scope))
        answer: Message | None = None

        async def send_and_note(message: Message) -> None:
            nonlocal answer
            if message["type"] == "http.response.start":
                answer = message
            await send(message)

        try:
            await self._handle(scope, receive, send_and_note, key)
        except SandboxConnectionDropped:
            answer = None  # the client never got it
            raise
        finally:
            self.state.requests.record(_logged(arrived, scope, key, answer))

    async def _handle(self, scope: Scope, receive: Receive, send: Send, key: str | None) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        spelled: str = scope[SPELLED_PATH]
        faults = self.state.faults
        arrival = faults.arrive(method, path)
        if arrival.delay > 0:
            await anyio.sleep(arrival.delay)
        if arrival.failure is not None:
            await _failure_response(arrival.failure, spelled)(scope, receive, send)
            return
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
        commit_fault = faults.take_commit_fault(method, path) or arrival.commit_fault
        if commit_fault is not None:
            await self._commit_then_fail(scope, receive, send, commit_fault)
            return
        await self.app(scope, receive, send)

    async def _commit_then_fail(
        self, scope: Scope, receive: Receive, send: Send, fault: CommitFault
    ) -> None:
        # Let the write commit and keep its answer back. For a drop, start the answer (status
        # and Content-Length) and vanish: the client sees the connection close before the body,
        # as after a network failure. Otherwise the failure goes out in the answer's place.
        start: Message | None = None

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message

        await self.app(scope, receive, capture)
        if fault == DROP:
            if start is not None:
                await send(start)
            raise SandboxConnectionDropped(
                f"{scope['method']} {scope['path']}: dropped after commit"
            )
        assert isinstance(fault, Failure)
        await _failure_response(fault, scope[SPELLED_PATH])(scope, receive, send)


def _failure_response(failure: Failure, spelled: str) -> Response:
    headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else None
    if failure.empty or failure.status == 401:
        # No body at all (Content-Length: 0), as a crashed server or Atera's 401 answers.
        return Response(status_code=failure.status, headers=headers)
    detail = "Injected fault." if failure.status != 429 else "Too many requests."
    return problem_response(failure.status, detail, spelled, headers)


def _logged(arrived: float, scope: Scope, key: str | None, answer: Message | None) -> LoggedRequest:
    status: int | None = None
    retry_after = None
    if answer is not None:
        status = int(answer["status"])
        retry_after = parse_retry_after(Headers(raw=answer.get("headers", [])).get("retry-after"))
    return LoggedRequest(
        at=arrived,
        method=str(scope["method"]),
        path=str(scope["path"]),
        status=status,
        caller=caller_of(key),
        retry_after=retry_after,
    )


def _credential(headers: Headers) -> str | None:
    key = headers.get("x-api-key")
    if key:
        return key.strip()
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None
