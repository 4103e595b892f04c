"""MCP sessions in front of several replicas, failing over as a client behind a load balancer
would: when its connection breaks (the replica died), it connects to the next replica and
makes the call that got no answer again, with the same arguments, as a model would.

A replica killed mid-call takes the SDK client's background task down with it, which cancels
the whole `Client` block rather than just the call; so a session runs its calls inside one
block per connection and treats the block failing as the connection's end.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult

from tests.replicas.cluster import Replica

MAX_SWITCHES = 4  # replicas tried for one call before it is given up


@dataclass(frozen=True)
class Call:
    tool: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Answer:
    """A call's answer: the result, the replica that gave it, how long the last attempt took
    (ms), and the attempts cut off before it (each: when, on which replica, what failed)."""

    call: Call
    result: CallToolResult | None  # None: given up after MAX_SWITCHES replicas
    replica: int
    elapsed_ms: float
    cut_off: tuple[tuple[float, int, str], ...] = ()

    @property
    def ok(self) -> bool:
        return self.result is not None and not self.result.is_error

    def text(self) -> str:
        if self.result is None:
            return ""
        return " ".join(getattr(block, "text", "") for block in self.result.content)

    def structured(self) -> dict[str, Any]:
        return (self.result.structured_content if self.result is not None else None) or {}


@dataclass
class FailoverSession:
    """One token's session. `home` is the replica it starts on; on a broken connection it moves
    round the ring of `replicas`. `failures` records (monotonic time, replica, what broke);
    `connected` (monotonic time, replica) for every connection made."""

    replicas: Sequence[Replica]
    token: str
    home: int
    call_timeout: float = 120.0
    failures: list[tuple[float, int, str]] = field(default_factory=list)
    connected: list[tuple[float, int]] = field(default_factory=list)
    current: int = -1

    def __post_init__(self) -> None:
        self.current = self.home

    async def run(
        self, next_call: Callable[[], Call | None], on_answer: Callable[[Answer], None]
    ) -> None:
        """Make the calls `next_call` gives until it gives None; every answer (or give-up) goes
        to `on_answer`. RuntimeError when no replica can be reached at all."""
        pending: Call | None = None
        cut_off: list[tuple[float, int, str]] = []
        misses = 0  # connections failed in a row
        while True:
            replica = self.replicas[self.current]
            try:
                async with self._connect(replica) as client:
                    self.connected.append((time.monotonic(), replica.n))
                    misses = 0
                    while True:
                        call = pending or next_call()
                        if call is None:
                            return
                        pending = call
                        started = time.perf_counter()
                        with anyio.fail_after(self.call_timeout):
                            result = await client.call_tool(call.tool, call.arguments)
                        elapsed = (time.perf_counter() - started) * 1000
                        on_answer(Answer(call, result, replica.n, elapsed, tuple(cut_off)))
                        pending, cut_off = None, []
            except Exception as exc:  # the connection broke (a dead replica): fail over
                failure = (time.monotonic(), replica.n, describe(exc))
                self.failures.append(failure)
                cut_off.append(failure)
                self.current = (self.current + 1) % len(self.replicas)
                misses += 1
                if pending is None and misses >= MAX_SWITCHES:
                    raise RuntimeError(f"no replica answers (last: {failure[2]})") from exc
                if pending is not None and len(cut_off) >= MAX_SWITCHES:
                    on_answer(Answer(pending, None, replica.n, 0.0, tuple(cut_off)))
                    pending, cut_off = None, []

    @asynccontextmanager
    async def _connect(self, replica: Replica) -> AsyncIterator[Client]:
        headers = {"Authorization": f"Bearer {self.token}"}
        timeout = httpx2.Timeout(10.0, read=300.0)
        async with (
            httpx2.AsyncClient(headers=headers, timeout=timeout) as http,
            Client(streamable_http_client(replica.url, http_client=http)) as client,
        ):
            yield client


def describe(exc: BaseException) -> str:
    """The innermost cause's type name: what actually broke (a refused connection, a dropped
    one), not the task groups it travelled through."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return type(exc).__name__


async def call_once(replica: Replica, token: str, tool: str, arguments: dict[str, Any]) -> Any:
    """One call on a fresh connection: its structured result, or None when the replica cannot
    be reached or the call answered an error (for polling probes)."""
    http = httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {token}"}, timeout=httpx2.Timeout(10.0, read=60.0)
    )
    try:
        async with http, Client(streamable_http_client(replica.url, http_client=http)) as client:
            result = await client.call_tool(tool, arguments)
    except Exception:
        return None
    if result.is_error:
        return None
    return result.structured_content
