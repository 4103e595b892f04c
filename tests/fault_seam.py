"""Faults timed to a write, at the HTTP seam: arm a sandbox fault right after a request, or
garble the body of its answer.

The sandbox's `Faults` count requests; a test that wants "the read after the write fails"
arms the fault once the write has gone through, with `AfterRequest(..., then=...)`.
Used by the tool tests and by bench/bench_faults.py.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

UNREADABLE = b"<html><body>Service temporarily degraded</body></html>"


class AfterRequest(httpx.AsyncBaseTransport):
    """Pass every request to `inner`; for the first `method` request whose path ends with
    `path_end` (once each time `rearm()` is called), call `then()` after it was handled, and
    with `garble` replace its answer's body by an unreadable one (the status is kept)."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        method: str,
        path_end: str,
        *,
        then: Callable[[], None] | None = None,
        garble: bool = False,
    ) -> None:
        self.inner = inner
        self.method = method
        self.path_end = path_end.rstrip("/").lower()
        self.then = then
        self.garble = garble
        self.armed = True

    def rearm(
        self,
        method: str,
        path_end: str,
        *,
        then: Callable[[], None] | None = None,
        garble: bool = False,
    ) -> None:
        self.method, self.path_end = method, path_end.rstrip("/").lower()
        self.then, self.garble, self.armed = then, garble, True

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        hit = (
            self.armed
            and request.method == self.method
            and request.url.path.rstrip("/").lower().endswith(self.path_end)
        )
        if hit:
            self.armed = False
        try:
            response = await self.inner.handle_async_request(request)
        finally:
            if hit and self.then is not None:
                self.then()
        if hit and self.garble:
            await response.aread()
            await response.aclose()
            return httpx.Response(
                response.status_code,
                headers={"Content-Type": "text/html"},
                content=UNREADABLE,
                request=request,
            )
        return response
