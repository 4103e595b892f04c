"""`AteraClient`: one typed async method per Atera API v3 endpoint the project uses."""

from __future__ import annotations

from atera_mcp.client.base import DEFAULT_BASE_URL
from atera_mcp.client.directory import DirectoryEndpoints
from atera_mcp.client.monitoring import MonitoringEndpoints
from atera_mcp.client.tickets import TicketEndpoints
from atera_mcp.client.worktime import WorkTimeEndpoints

__all__ = ["DEFAULT_BASE_URL", "AteraClient"]


class AteraClient(TicketEndpoints, WorkTimeEndpoints, DirectoryEndpoints, MonitoringEndpoints):
    """Async client for Atera's REST API v3. Create one per process; close it when done.

    Keyword-only: `api_key`, `base_url`, `auth` ("auto" picks Bearer for keys over 100 chars),
    `rpm` (0 = no client-side limit), `sync_rpm` (the background share of `rpm`; default half),
    `timeout`, `connect_timeout`, `max_attempts`, `max_retry_seconds`, `page_concurrency`,
    `transport`, `sleep`, `rate_budget`, `observer` (told of every attempt and budget wait).

    Tests pass `transport=httpx.MockTransport(...)` or `httpx.ASGITransport(app=sandbox)` and
    `sleep=` a fake to observe waits without waiting. `rate_budget` replaces the process-wide
    budget for (`rpm`, `sync_rpm`).
    """
