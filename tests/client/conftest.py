"""Fixtures for client tests: a client factory on `httpx.MockTransport` and a recording sleep.

The recording sleep is the client's test switch: nothing waits, every planned wait is recorded.
Client-side rate limiting is off (rpm=0) unless a test asks for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from atera_mcp.client import AteraClient

KEY = "k3y-6f1d2c0ffee-distinctive"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(sleeps: list[float]) -> Callable[..., AteraClient]:
    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    def make(handler: Any, **options: Any) -> AteraClient:
        options.setdefault("api_key", KEY)
        options.setdefault("rpm", 0)
        options.setdefault("sleep", record)
        return AteraClient(transport=httpx.MockTransport(handler), **options)

    return make
