"""Shared constants and helpers for sandbox tests (fixtures live in conftest.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette

from atera_mcp.sandbox import SandboxConfig, create_app, sandbox_transport

NOW = datetime(2026, 6, 15, 14, 30, tzinfo=UTC)  # a Monday, 10:30 in New York
KEY = "sandbox-test-key-4c2e"
BASE = "https://sandbox.test/api/v3"
ACME_ID = 1
JOHN_SMITH_ID = 1001
TECH_ID = 101
TECH_EMAIL = "maya.patel@brightpath-it.com"


def make_app(**options: Any) -> Starlette:
    """A 300-ticket sandbox pinned to NOW; `options` override SandboxConfig fields."""
    return create_app(replace(SandboxConfig(tickets=300, seed=1, api_key=KEY, now=NOW), **options))


def connect(app: Starlette, key: str | None = KEY) -> httpx.AsyncClient:
    headers = {"X-API-KEY": key} if key is not None else {}
    return httpx.AsyncClient(transport=sandbox_transport(app), base_url=BASE, headers=headers)


async def new_ticket(api: httpx.AsyncClient, **fields: Any) -> int:
    """Create a ticket for John Smith at Acme and return its id."""
    body = {
        "TicketTitle": "Printer jammed",
        "Description": "Paper stuck in tray 2.",
        "EndUserID": JOHN_SMITH_ID,
    }
    response = await api.post("/tickets", json={**body, **fields})
    assert response.status_code == 201, response.text
    return int(response.json()["ActionID"])


async def ticket(api: httpx.AsyncClient, ticket_id: int, **params: Any) -> dict[str, Any]:
    response = await api.get(f"/tickets/{ticket_id}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def utc(text: str) -> datetime:
    """Parse a wire timestamp (ISO 8601 with Z)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
