"""The plumbing every endpoint group shares: construction, closing, GET, one page, all pages.

`ClientBase` owns the `HttpCore` (auth, rate budget, retries, error mapping) and knows how to
decode one answer or walk a paged list; the endpoint groups (`tickets`, `worktime`, `directory`)
only name paths, query parameters, the words for error messages and the wire models.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Literal, Self, TypeVar

import httpx
from pydantic import BaseModel

from atera_mcp.client.auth import AteraAuth, AuthMode
from atera_mcp.client.http import HttpCore, Params, Sleep
from atera_mcp.client.mapping import decode_as
from atera_mcp.client.observer import ClientObserver
from atera_mcp.client.paging import PAGE_SIZE, Collected, collect
from atera_mcp.client.ratelimit import Budget, shared_budget
from atera_mcp.client.retry import RetryPolicy
from atera_mcp.domain.wire import Page
from atera_mcp.errors import InvalidRequestError

DEFAULT_BASE_URL = "https://app.atera.com/api/v3"

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class ClientBase:
    """Construction and shared plumbing of `AteraClient` (see there for the parameters)."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        auth: AuthMode = "auto",
        rpm: int = 700,
        sync_rpm: int | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        max_attempts: int = 4,
        max_retry_seconds: float = 60.0,
        page_concurrency: int = 4,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep | None = None,
        rate_budget: Budget | None = None,
        observer: ClientObserver | None = None,
    ) -> None:
        if rpm < 0:
            raise ValueError("rpm must not be negative (0 means no client-side limit)")
        if page_concurrency < 1:
            raise ValueError("page_concurrency must be at least 1")
        if rpm > 0 and sync_rpm is not None and not 1 <= sync_rpm <= rpm:
            raise ValueError(f"sync_rpm must be between 1 and rpm ({rpm}), got {sync_rpm}")
        if rate_budget is None and rpm > 0:
            rate_budget = shared_budget(rpm, sync_rpm)
        self.page_concurrency = page_concurrency
        self._core = HttpCore(
            base_url=base_url,
            auth=AteraAuth(api_key, auth),
            timeout=timeout,
            connect_timeout=connect_timeout,
            policy=RetryPolicy(max_attempts=max_attempts, max_seconds=max_retry_seconds),
            budget=rate_budget,
            transport=transport,
            sleep=sleep,
            observer=observer,
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, auth={self.auth_scheme!r}, "
            f"rate_budget={self.rate_budget!r})"
        )

    @property
    def base_url(self) -> str:
        return self._core.base_url

    @property
    def auth_scheme(self) -> Literal["x-api-key", "bearer"]:
        return self._core.auth.scheme

    @property
    def rate_budget(self) -> Budget | None:
        return self._core.budget

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the underlying HTTP connections."""
        await self._core.aclose()

    # -- plumbing ---------------------------------------------------------------------------

    async def _get(
        self,
        path: str,
        model: type[M],
        *,
        action: str,
        params: Params | None = None,
        subject: str | None = None,
    ) -> M:
        response = await self._core.send("GET", path, action=action, params=params, subject=subject)
        return decode_as(response, model.model_validate, action)

    async def _page(
        self,
        path: str,
        page_type: type[Page[T]],
        *,
        action: str,
        page: int,
        items_in_page: int,
        params: Params | None = None,
        subject: str | None = None,
    ) -> Page[T]:
        if not 1 <= items_in_page <= PAGE_SIZE:
            raise InvalidRequestError(f"items_in_page must be between 1 and {PAGE_SIZE}.")
        if page < 1:
            raise InvalidRequestError("page numbers start at 1.")
        query: dict[str, Any] = {"page": page, "itemsInPage": items_in_page, **(params or {})}
        response = await self._core.send("GET", path, action=action, params=query, subject=subject)
        return decode_as(response, page_type.model_validate, action)

    async def _collect(
        self,
        path: str,
        page_type: type[Page[T]],
        *,
        action: str,
        max_items: int | None,
        params: Params | None = None,
        subject: str | None = None,
    ) -> Collected[T]:
        async def fetch(page: int, items_in_page: int) -> Page[T]:
            return await self._page(
                path,
                page_type,
                action=action,
                page=page,
                items_in_page=items_in_page,
                params=params,
                subject=subject,
            )

        return await collect(fetch, max_items=max_items, concurrency=self.page_concurrency)
