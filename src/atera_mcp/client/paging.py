"""Walking Atera's paged lists: page 1 first, then the rest in bounded parallel, in order.

Requests are built from page numbers only; `nextLink` is never followed (it is an absolute URL
and could point anywhere). `totalPages` from page 1 decides how many pages there are; only when
Atera leaves it out does the walk fall back to going page by page while `nextLink` is non-empty
(`null`, `""` and a missing key all mean "no next page").
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from atera_mcp.client.concurrency import gather
from atera_mcp.domain.wire import Page

T = TypeVar("T")

PAGE_SIZE = 50  # Atera's maximum itemsInPage
FetchPage = Callable[[int, int], Awaitable[Page[T]]]


@dataclass(frozen=True)
class Collected(Generic[T]):
    """Items gathered across pages.

    `total` is Atera's `totalItemCount`; `complete` is False when `max_items` stopped the walk
    before every item was read.
    """

    items: list[T] = field(default_factory=list)
    total: int = 0
    complete: bool = True


def pages_to_fetch(total_pages: int, max_items: int | None, page_size: int) -> int:
    """How many pages are needed to return `max_items` (or all) items. Pure."""
    if max_items is None:
        return total_pages
    return min(total_pages, max(1, math.ceil(max_items / page_size)))


async def collect(
    fetch: FetchPage[T],
    *,
    max_items: int | None = None,
    concurrency: int = 4,
    page_size: int = PAGE_SIZE,
) -> Collected[T]:
    """Read a paged list through `fetch(page, items_in_page)`, at most `concurrency` at once."""
    if max_items is not None and max_items < 0:
        raise ValueError("max_items must not be negative")
    first = await fetch(1, page_size)
    items = list(first.items or [])
    if first.total_pages < 1:
        return await _walk_sequentially(fetch, first, items, max_items, page_size)
    wanted = pages_to_fetch(first.total_pages, max_items, page_size)
    pages = await _fetch_parallel(fetch, range(2, wanted + 1), concurrency, page_size)
    for page in pages:
        items.extend(page.items or [])
    fetched_all = wanted >= first.total_pages
    return _capped(items, first.total_item_count, max_items, fetched_all)


async def _fetch_parallel(
    fetch: FetchPage[T], numbers: range, concurrency: int, page_size: int
) -> list[Page[T]]:
    def reader(number: int) -> Callable[[], Awaitable[Page[T]]]:
        return lambda: fetch(number, page_size)

    return await gather(*(reader(n) for n in numbers), limit=concurrency)


async def _walk_sequentially(
    fetch: FetchPage[T],
    first: Page[T],
    items: list[T],
    max_items: int | None,
    page_size: int,
) -> Collected[T]:
    page, number = first, 1
    while _more(page) and (max_items is None or len(items) < max_items):
        number += 1
        page = await fetch(number, page_size)
        items.extend(page.items or [])
    total = max(first.total_item_count, len(items))
    return _capped(items, total, max_items, fetched_all=not _more(page))


def _more(page: Page[T]) -> bool:
    # An empty page ends the walk even if a nextLink claims otherwise.
    return page.has_next and bool(page.items)


def _capped(items: list[T], total: int, max_items: int | None, fetched_all: bool) -> Collected[T]:
    if max_items is not None and len(items) > max_items:
        return Collected(items=items[:max_items], total=total, complete=False)
    return Collected(items=items, total=total, complete=fetched_all)
