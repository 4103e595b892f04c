"""Fixtures for sandbox tests: a small seeded sandbox pinned to a fixed `now`, and raw httpx.

Tests speak raw httpx (not the project's client) so they pin the wire itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from tests.sandbox.helpers import connect, make_app


@pytest.fixture
def app() -> Starlette:
    return make_app()


@pytest.fixture
async def api(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with connect(app) as client:
        yield client
