"""The transport core: one request with rate budget, retries and error mapping.

`HttpCore.send` is the only place that calls httpx. It acquires the rate budget for every attempt
(in the request class of the current context), asks the pure retry policy what to do after each
failure, sleeps through the injectable `sleep`, and hands any final failure to `mapping.to_error`.
A 429 with `Retry-After` pauses the whole budget, not only the request that drew it: Atera
throttles the account, so every request sent meanwhile would be refused too (the pause is
capped at `retry.MAX_RETRY_AFTER`). A call the pause
would hold past its retry time budget fails at once with `RateLimitedError` instead. When the
budget is shared through Redis and Redis does not answer, the call fails with
`SharedStateUnavailable` before sending (never unbudgeted).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio
import httpx

from atera_mcp import __version__
from atera_mcp.client.auth import AteraAuth
from atera_mcp.client.mapping import Call, after_maybe_applied, classify, rate_limited, to_error
from atera_mcp.client.observer import ClientObserver, NoObserver
from atera_mcp.client.ratelimit import Budget, current_request_class
from atera_mcp.client.retry import (
    MAYBE_PROCESSED,
    Failure,
    RetryPolicy,
    decide,
    is_replayable,
    parse_retry_after,
)
from atera_mcp.errors import RateLimitedError, SharedStateUnavailable

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Params = Mapping[str, str | int | bool | None]
USER_AGENT = f"atera-mcp/{__version__}"


class OnFirstRequest(httpx.AsyncBaseTransport):
    """httpx's default transport, built when the first request goes out. Its TLS context reads
    the CA bundle from disk, a tenth of a second that a stdio start (up to tools/list) need
    not wait for; the settings are httpx's defaults, as when AsyncClient builds it itself."""

    def __init__(self) -> None:
        self._transport: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._transport is None:
            self._transport = httpx.AsyncHTTPTransport()
        return await self._transport.handle_async_request(request)

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()


class HttpCore:
    """Owns the `httpx.AsyncClient` and sends requests through the retry loop."""

    def __init__(
        self,
        *,
        base_url: str,
        auth: AteraAuth,
        timeout: float,
        connect_timeout: float,
        policy: RetryPolicy,
        budget: Budget | None,
        transport: httpx.AsyncBaseTransport | None,
        sleep: Sleep | None,
        observer: ClientObserver | None = None,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("base_url must be an absolute http(s) URL")
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.policy = policy
        self.budget = budget
        self._sleep: Sleep = sleep if sleep is not None else anyio.sleep
        self.observer: ClientObserver = observer if observer is not None else NoObserver()
        self._clock = time.monotonic
        self._jitter = random.random
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            auth=auth,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport if transport is not None else OnFirstRequest(),
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(
        self,
        method: str,
        path: str,
        *,
        action: str,
        params: Params | None = None,
        json: Any = None,
        subject: str | None = None,
        replayable: bool | None = None,
    ) -> httpx.Response:
        """Send one logical request; return the successful response or raise an AteraError."""
        call = Call(
            method=method,
            path=path,
            action=action,
            replayable=is_replayable(method) if replayable is None else replayable,
            subject=subject,
            redact=self.auth.redact,
        )
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        start = self._clock()
        slept = 0.0
        maybe_applied = False
        attempt = 0
        while True:
            attempt += 1
            if self.budget is not None:
                try:
                    elapsed = max(self._clock() - start, slept)
                    await self._refuse_a_long_pause(self.budget, elapsed=elapsed)
                    request_class = current_request_class()
                    waited = await self.budget.acquire(self._sleep, request_class)
                    self.observer.on_budget_wait(request_class, waited)
                    slept += waited
                except (RateLimitedError, SharedStateUnavailable) as exc:
                    raise after_maybe_applied(exc, call) if maybe_applied else exc from None
            outcome: httpx.Response | httpx.HTTPError
            try:
                outcome = await self._http.request(method, path, params=query, json=json)
            except httpx.HTTPError as exc:
                outcome = exc
                self.observer.on_response(method, path, None, attempt)
            else:
                self.observer.on_response(method, path, outcome.status_code, attempt)
                logger.debug("Atera %s %s -> %s", method, path, outcome.status_code)
                if outcome.is_success:
                    return outcome
                if outcome.status_code == 404 and method == "DELETE" and maybe_applied:
                    # An earlier attempt may have been processed (its answer lost, or a 5xx):
                    # it most likely deleted it.
                    return outcome
            failure = classify(outcome)
            retry_after = None
            if isinstance(outcome, httpx.Response):
                retry_after = parse_retry_after(outcome.headers.get("Retry-After"))
            try:
                paused = await self._pause_budget(failure, retry_after)
            except SharedStateUnavailable as exc:
                raise after_maybe_applied(exc, call) if maybe_applied else exc from None
            wait = None
            if failure is not None:
                # Count planned sleeps too, so an injected fake sleep still hits the time cap.
                elapsed = max(self._clock() - start, slept)
                wait = decide(
                    self.policy,
                    replayable=call.replayable,
                    attempt=attempt,
                    failure=failure,
                    elapsed=elapsed,
                    retry_after=retry_after,
                    jitter=self._jitter(),
                )
            if wait is None:
                error = to_error(outcome, call, attempts=attempt, retry_after=retry_after)
                if maybe_applied:
                    error = after_maybe_applied(error, call)
                if isinstance(outcome, httpx.HTTPError):
                    raise error from outcome
                raise error
            maybe_applied |= failure in MAYBE_PROCESSED
            logger.info(
                "Atera %s %s failed (%s, attempt %d of %d); retrying in %.2f s",
                method,
                path,
                _describe(outcome),
                attempt,
                self.policy.max_attempts,
                wait,
            )
            if not paused:
                await self._sleep(wait)
                slept += wait

    async def _refuse_a_long_pause(self, budget: Budget, *, elapsed: float) -> None:
        """Raise RateLimitedError rather than wait out a pause (a long Retry-After) that would
        outlast this call's retry time budget; the caller learns at once how long to wait."""
        pause = await budget.pause_left()
        if pause > 0 and elapsed + pause > self.policy.max_seconds:
            raise rate_limited(pause)

    async def _pause_budget(self, failure: Failure | None, retry_after: float | None) -> bool:
        """After a 429 with `Retry-After`, pause every caller sharing the budget, this one too
        (it then waits in `acquire`, not in a sleep of its own). Whether the pause was set."""
        if self.budget is None or failure is not Failure.THROTTLED or not retry_after:
            return False
        await self.budget.pause_for(retry_after)
        return True


def _query_value(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _describe(outcome: httpx.Response | httpx.HTTPError) -> str:
    if isinstance(outcome, httpx.Response):
        return f"HTTP {outcome.status_code}"
    return type(outcome).__name__
