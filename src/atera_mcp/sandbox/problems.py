"""Errors as Atera (ASP.NET Core) reports them: ProblemDetails JSON bodies.

Handlers raise `ApiError`; one exception handler in the app renders it, so every 400 and 404
has the same shape: `type, title, status, detail, instance`, plus ASP.NET's `errors` map
(field -> messages) for validation failures and a `traceId`.
"""

from __future__ import annotations

import secrets
from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from atera_mcp.domain.wire import ProblemDetails

# The RFC 9110 section links ASP.NET puts in `type` for each status.
_TYPES = {
    400: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
    404: "https://tools.ietf.org/html/rfc9110#section-15.5.5",
    415: "https://tools.ietf.org/html/rfc9110#section-15.5.16",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
    500: "https://tools.ietf.org/html/rfc9110#section-15.6.1",
    502: "https://tools.ietf.org/html/rfc9110#section-15.6.3",
    503: "https://tools.ietf.org/html/rfc9110#section-15.6.4",
    504: "https://tools.ietf.org/html/rfc9110#section-15.6.5",
}
VALIDATION_TITLE = "One or more validation errors occurred."
PROBLEM_JSON = "application/problem+json; charset=utf-8"
# Scope key holding the request path as the caller spelled it (routing sees it case-folded).
SPELLED_PATH = "atera_sandbox.spelled_path"


def spelled_path(request: Request) -> str:
    return str(request.scope.get(SPELLED_PATH, request.url.path))


class ApiError(Exception):
    """A request Atera would refuse: rendered as a ProblemDetails response."""

    def __init__(
        self, status: int, detail: str, errors: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors


def bad_request(detail: str, field: str | None = None) -> ApiError:
    """A 400 naming what is wrong; `field` also files the message under ASP.NET's `errors`."""
    return ApiError(400, detail, {field: [detail]} if field else None)


def not_found(kind: str, ident: object) -> ApiError:
    return ApiError(404, f"{kind} with ID {ident} was not found.")


def problem_body(status: int, detail: str | None, instance: str) -> dict[str, object]:
    """A ProblemDetails body for `status`, serialised through the wire model."""
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    problem = ProblemDetails(
        type=_TYPES.get(status, "about:blank"),
        title=title,
        status=status,
        detail=detail,
        instance=instance,
    )
    body: dict[str, object] = problem.model_dump(mode="json", by_alias=True)
    body["traceId"] = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"
    return body


def problem_response(
    status: int, detail: str | None, instance: str, headers: dict[str, str] | None = None
) -> Response:
    return JSONResponse(
        problem_body(status, detail, instance),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_JSON,
    )


async def render_api_error(request: Request, exc: Exception) -> Response:
    """Starlette exception handler for `ApiError`."""
    assert isinstance(exc, ApiError)
    body = problem_body(exc.status, exc.detail, spelled_path(request))
    if exc.errors:
        body["title"] = VALIDATION_TITLE
        body["errors"] = exc.errors
    return JSONResponse(body, status_code=exc.status, media_type=PROBLEM_JSON)
