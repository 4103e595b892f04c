"""Successful answers: JSON as ASP.NET sends it, `Result` bodies and the paged envelope.

Every Atera list answers `items, page, itemsInPage, totalItemCount, totalPages, prevLink,
nextLink`; the links are absolute URLs that keep the request's filters, or "" at either end.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse

from atera_mcp.domain.wire import Page, Result
from atera_mcp.sandbox.problems import spelled_path
from atera_mcp.sandbox.query import Query

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
_PAGING = frozenset({"page", "itemsinpage"})


class AteraJSONResponse(JSONResponse):
    """JSON with the content type ASP.NET sends (Starlette omits the charset)."""

    media_type = "application/json; charset=utf-8"


def result(action_id: int, status_code: int = 200) -> AteraJSONResponse:
    """`{"ActionID": "<id>"}`: what Atera answers a write with."""
    body = Result(action_id=str(action_id)).model_dump(mode="json", by_alias=True)
    return AteraJSONResponse(body, status_code=status_code)


def paged(
    request: Request, query: Query, items: Sequence[T], render: Callable[[T], dict[str, Any]]
) -> AteraJSONResponse:
    """One page of `items` in Atera's envelope; only the page's items are rendered."""
    page = max(1, query.integer("page") or 1)
    size = query.integer("itemsInPage") or DEFAULT_PAGE_SIZE
    size = min(MAX_PAGE_SIZE, size if size > 0 else DEFAULT_PAGE_SIZE)
    total = len(items)
    pages = math.ceil(total / size)
    window = items[(page - 1) * size : page * size]
    envelope = Page[dict[str, Any]](
        items=[render(item) for item in window],
        page=page,
        items_in_page=size,
        total_item_count=total,
        total_pages=pages,
        prev_link=_link(request, query, page - 1, size) if page > 1 else "",
        next_link=_link(request, query, page + 1, size) if page < pages else "",
    )
    return AteraJSONResponse(envelope.model_dump(mode="json", by_alias=True))


def _link(request: Request, query: Query, page: int, size: int) -> str:
    # Keep every filter exactly as the caller spelled it; restate the paging canonically.
    kept = [(name, value) for name, value in query.pairs if name.lower() not in _PAGING]
    kept += [("page", str(page)), ("itemsInPage", str(size))]
    url = request.url
    return f"{url.scheme}://{url.netloc}{spelled_path(request)}?{urlencode(kept)}"
