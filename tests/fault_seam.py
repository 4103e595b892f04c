"""Faults timed to a request, at the HTTP seam: arm a sandbox fault right after a request has
been answered, or garble the body of its answer.

The sandbox's `Faults` count requests; "the read after the write fails" needs the fault armed
once the write has gone through: `seam.after("POST", "/tickets/7/comments", then=...)`.
Used by the tool tests and by bench/bench_faults.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import anyio.lowlevel
import httpx

UNREADABLE = b"<html><body>Service temporarily degraded</body></html>"


@dataclass
class _Trigger:
    method: str
    path_end: str
    then: Callable[[], None] | None
    garble: bool


class FaultSeam(httpx.AsyncBaseTransport):
    """Pass every request to `inner`; each trigger fires once, on the first `method` request
    whose path ends with its `path_end`: `then()` runs after that request was handled, and
    with `garble` its answer's body is replaced by an unreadable one (the status is kept)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self._triggers: list[_Trigger] = []

    def after(
        self,
        method: str,
        path_end: str,
        *,
        then: Callable[[], None] | None = None,
        garble: bool = False,
    ) -> None:
        self._triggers.append(_Trigger(method, path_end.rstrip("/").lower(), then, garble))

    def _take(self, request: httpx.Request) -> _Trigger | None:
        path = request.url.path.rstrip("/").lower()
        for trigger in self._triggers:
            if trigger.method == request.method and path.endswith(trigger.path_end):
                self._triggers.remove(trigger)
                return trigger
        return None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # As a network would, every request lets other tasks run (the in-process sandbox
        # need not), so calls made at once really interleave.
        await anyio.lowlevel.checkpoint()
        trigger = self._take(request)
        try:
            response = await self.inner.handle_async_request(request)
        finally:
            if trigger is not None and trigger.then is not None:
                trigger.then()
        if trigger is not None and trigger.garble:
            await response.aread()
            await response.aclose()
            return httpx.Response(
                response.status_code,
                headers={"Content-Type": "text/html"},
                content=UNREADABLE,
                request=request,
            )
        return response
