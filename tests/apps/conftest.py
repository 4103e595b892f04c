"""One headless Chromium per test module (starting it is the slow part); a page per test."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser

from tests.apps.browser_rig import launch


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def browser(anyio_backend: str) -> AsyncIterator[Browser]:
    async with launch() as chromium:
        yield chromium
