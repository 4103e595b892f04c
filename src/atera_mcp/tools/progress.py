"""Progress of long tool work, reported as MCP progress notifications.

The server's tool wrapper installs the caller's reporter for the length of one call
(`reporting_to`); tools call `report(...)` at the steps of long work (reading a change feed,
a billing period). Without a progress token from the client the SDK drops the notification, so
reporting costs nothing when nobody listens.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Reporter = Callable[[float, float | None, str | None], Awaitable[None]]

_reporter: ContextVar[Reporter | None] = ContextVar("atera_progress_reporter", default=None)


@contextmanager
def reporting_to(reporter: Reporter) -> Iterator[None]:
    """Send this call's `report()`s to `reporter` (the MCP context's `report_progress`)."""
    token = _reporter.set(reporter)
    try:
        yield
    finally:
        _reporter.reset(token)


async def report(done: float, total: float | None = None, message: str | None = None) -> None:
    """Tell the client how far the current tool call is; a no-op outside a tool call."""
    reporter = _reporter.get()
    if reporter is not None:
        await reporter(done, total, message)
