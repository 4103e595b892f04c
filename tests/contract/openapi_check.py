"""Hold HTTP traffic to Atera's OpenAPI contract (the subset in `atera_mcp.spec`).

Wrap any httpx transport to record what crosses it, then check every exchange:

    from tests.contract.openapi_check import RecordingTransport, assert_contract

    recorder = RecordingTransport(httpx.ASGITransport(app=sandbox))   # or MockTransport(...)
    async with httpx.AsyncClient(transport=recorder, base_url=...) as http:
        ...                                                           # drive the code under test
    assert_contract(recorder.records)                                 # fails listing every slip

`ContractChecker` does the work and returns violations as plain sentences (empty = fine):
- a request must name an operation of the subset (path under /api/v3 on any host, method),
  with path parameters of the declared type, only declared query parameters (names matched
  case-insensitively, as ASP.NET does) holding parseable values, and a JSON body valid against
  the requestBody schema: `additionalProperties: false`, enums and `nullable` are enforced, so a
  field Atera would silently drop is caught. Request date-times must carry an offset (RFC 3339).
- a response's status must be declared for the operation or be one Atera answers everywhere
  (400/404 with ProblemDetails, 401 with an empty body, 429 with an integer Retry-After, 500);
  a declared JSON body must validate (date-times may lack an offset, as Atera's often do), 204
  and other body-less successes must be empty, and paged bodies must have Atera's exact envelope.
Limits the spec states only in prose are enforced too: `itemsInPage` at most 50, at most 50 ids
for POST /tickets/billableduration, and no offset on date parameters documented as local time.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import httpx
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    oas30_format_checker,
)
from referencing import Registry
from referencing.jsonschema import DRAFT4

from atera_mcp.spec import load_subset

API_PREFIX = "/api/v3"
MAX_ITEMS_IN_PAGE = 50
PAGE_KEYS = frozenset(
    {"items", "page", "itemsInPage", "totalItemCount", "totalPages", "prevLink", "nextLink"}
)
# Statuses Atera may answer on any operation, whether or not the export declares them.
GENERIC_STATUSES = frozenset({400, 401, 404, 429, 500})
# Request bodies the spec caps in prose only: (method, path template) -> maximum array length.
MAX_BODY_ITEMS = {("POST", "/api/v3/tickets/billableduration"): 50}

_SUBSET_URI = "urn:atera-mcp:openapi-subset"
_PROBLEM_DETAILS = "#/components/schemas/ProblemDetails"
_SCHEMA_PREFIX = "#/components/schemas/"
_INT_RE = re.compile(r"[+-]?\d+")
_INT_RANGES = {"int32": 2**31, "int64": 2**63}
_LOCAL_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?")
_NO_OFFSET_NOTE = "no timezone offset allowed"
_ISO_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|z|[+-]\d{2}:?\d{2})?"
)


def _is_iso_datetime(value: object) -> bool:
    """ISO 8601 date-time, offset optional, up to 7 fraction digits (.NET writes 7)."""
    if not isinstance(value, str):
        return True
    if not _ISO_DATETIME_RE.fullmatch(value):
        return False
    text = re.sub(r"(\.\d{6})\d+", r"\1", value).replace("z", "Z").replace("Z", "+00:00")
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _response_format_checker() -> Any:
    # Atera writes many timestamps without an offset; RFC 3339 (the default) would refuse them.
    checker = copy.copy(oas30_format_checker)
    checker.checkers = {**oas30_format_checker.checkers, "date-time": (_is_iso_datetime, ())}
    return checker


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _where(prefix: str, error: Any) -> str:
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return f"{prefix} {path}" if path else prefix


def _is_json_media_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media in ("application/json", "text/json") or media.endswith("+json")


def _is_absolute_url(link: str) -> bool:
    parts = urlsplit(link)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def paging_violations(body: object) -> list[str]:
    """What is wrong with a paged envelope, against what Atera sends (empty = fine)."""
    if not isinstance(body, dict):
        return [f"paged body is not a JSON object: {body!r:.80}"]
    problems: list[str] = []
    missing = sorted(PAGE_KEYS - body.keys())
    extra = sorted(body.keys() - PAGE_KEYS)
    if missing:
        problems.append(f"paged body lacks {', '.join(missing)}")
    if extra:
        problems.append(f"paged body has keys Atera never sends: {', '.join(extra)}")
    for key in ("prevLink", "nextLink"):
        link = body.get(key, "")
        if not isinstance(link, str):
            problems.append(
                f'{key} must be an absolute URL or "" (Atera\'s spelling), not {link!r}'
            )
        elif link and not _is_absolute_url(link):
            problems.append(f'{key} must be an absolute URL or "", not {link!r}')
    size = body.get("itemsInPage")
    if isinstance(size, int) and not isinstance(size, bool):
        if not 0 <= size <= MAX_ITEMS_IN_PAGE:
            problems.append(f"itemsInPage is {size}; Atera pages hold 0 to {MAX_ITEMS_IN_PAGE}")
        items = body.get("items")
        if isinstance(items, list) and len(items) > size:
            problems.append(f"page holds {len(items)} items but itemsInPage is {size}")
    elif "itemsInPage" in body:
        problems.append(f"itemsInPage must be an integer, not {size!r}")
    page = body.get("page")
    if isinstance(page, int) and not isinstance(page, bool) and page < 1:
        problems.append(f"page is {page}; Atera pages are numbered from 1")
    return problems


@dataclass(frozen=True)
class Operation:
    """One operation of the subset: `method` upper-case, `path` the template."""

    method: str
    path: str
    spec: Mapping[str, Any]

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class _Route:
    template: str
    segments: tuple[str, ...]
    operations: dict[str, Operation] = field(default_factory=dict)

    def bind(self, segments: list[str]) -> dict[str, str] | None:
        """Path parameter values if `segments` fit this route (literals case-insensitive)."""
        if len(segments) != len(self.segments):
            return None
        values: dict[str, str] = {}
        for pattern, given in zip(self.segments, segments, strict=True):
            if pattern.startswith("{"):
                if not given:
                    return None
                values[pattern[1:-1]] = given
            elif pattern.lower() != given.lower():
                return None
        return values

    @property
    def precedence(self) -> tuple[int, ...]:
        # ASP.NET prefers a literal segment over a parameter, left to right.
        return tuple(1 if segment.startswith("{") else 0 for segment in self.segments)


class ContractChecker:
    """Checks requests and responses against the OpenAPI subset; see the module docstring."""

    def __init__(self, spec: Mapping[str, Any] | None = None) -> None:
        self.spec: Mapping[str, Any] = load_subset() if spec is None else spec
        self._registry: Registry[Any] = Registry().with_resource(
            _SUBSET_URI, DRAFT4.create_resource(self.spec)
        )
        self._response_formats = _response_format_checker()
        self._validators: dict[tuple[str, str], Any] = {}
        routes = []
        for template, item in self.spec["paths"].items():
            route = _Route(template, tuple(template.removeprefix(API_PREFIX).split("/")[1:]))
            for method, op in item.items():
                if isinstance(op, dict) and "responses" in op:
                    route.operations[method.upper()] = Operation(method.upper(), template, op)
            routes.append(route)
        self._routes = sorted(routes, key=lambda route: route.precedence)

    @property
    def operations(self) -> list[Operation]:
        """Every operation of the subset."""
        return [op for route in self._routes for op in route.operations.values()]

    # -- lookup -------------------------------------------------------------------------------

    def resolve(self, method: str, url: str) -> tuple[Operation, dict[str, str]] | str:
        """The operation a request reaches and its path parameters, or why there is none."""
        method = method.upper()
        path = httpx.URL(url).path
        shown = f"{method} {path}"
        if not path.lower().startswith(API_PREFIX + "/"):
            return f"{shown} is not an Atera operation: Atera's API lives under {API_PREFIX}/"
        segments = path[len(API_PREFIX) :].rstrip("/").split("/")[1:]
        allowed: set[str] = set()
        for route in self._routes:
            values = route.bind(segments)
            if values is None:
                continue
            if method in route.operations:
                return route.operations[method], values
            allowed.update(route.operations)
        if allowed:
            return (
                f"{shown} is not an Atera operation (that path allows {', '.join(sorted(allowed))})"
            )
        return f"{shown} is not an Atera operation"

    def _validator(self, pointer: str, *, reading: bool) -> Any:
        key = (pointer, "read" if reading else "write")
        if key not in self._validators:
            cls = OAS30ReadValidator if reading else OAS30WriteValidator
            formats = self._response_formats if reading else oas30_format_checker
            self._validators[key] = cls(
                {"$ref": _SUBSET_URI + pointer}, registry=self._registry, format_checker=formats
            )
        return self._validators[key]

    def _schema_problems(
        self, pointer: str, instance: object, *, reading: bool, prefix: str
    ) -> list[str]:
        problems: list[str] = []
        null_at: set[str] = set()
        errors = self._validator(pointer, reading=reading).iter_errors(instance)
        for error in sorted(errors, key=lambda e: [str(part) for part in e.absolute_path]):
            where = _where(prefix, error)
            if error.instance is None:
                # One sentence for null, not one per failing keyword (type, enum, nullable).
                if where not in null_at:
                    null_at.add(where)
                    problems.append(f"{where}: null is not allowed here")
                continue
            problems.append(f"{where}: {error.message}")
        return problems

    def _resolve_schema(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(_SCHEMA_PREFIX):
            resolved: Mapping[str, Any] = self.spec["components"]["schemas"][
                ref.removeprefix(_SCHEMA_PREFIX)
            ]
            return resolved
        return schema

    # -- requests -----------------------------------------------------------------------------

    def _value_problem(self, what: str, value: str, param: Mapping[str, Any]) -> str | None:
        schema = self._resolve_schema(param.get("schema", {}))
        kind = schema.get("type")
        if "enum" in schema:
            if value not in schema["enum"]:
                return f"{what} is {value!r}, not one of {', '.join(schema['enum'])}"
        elif kind == "integer":
            if not _INT_RE.fullmatch(value):
                return f"{what} is {value!r}, not an integer"
            bound = _INT_RANGES.get(schema.get("format", "int64"), 2**63)
            if not -bound <= int(value) < bound:
                return f"{what} is {value}, outside {schema.get('format', 'int64')}"
        elif kind == "number":
            try:
                float(value)
            except ValueError:
                return f"{what} is {value!r}, not a number"
        elif kind == "boolean":
            if value.lower() not in ("true", "false"):
                return f"{what} is {value!r}, not true or false"
        elif (
            kind == "string"
            and schema.get("format") == "date-time"
            and not (_is_iso_datetime(value) or _is_iso_date(value))
        ):
            return f"{what} is {value!r}, not an ISO 8601 date or date-time"
        if _NO_OFFSET_NOTE in param.get("description", "") and not _LOCAL_DATE_RE.fullmatch(value):
            return (
                f"{what} is {value!r}; Atera wants the account's local time without offset, "
                "as yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss"
            )
        return None

    def _query_problems(self, op: Operation, url: httpx.URL) -> list[str]:
        declared = {
            param["name"].lower(): param
            for param in op.spec.get("parameters", [])
            if param.get("in") == "query"
        }
        problems: list[str] = []
        seen: set[str] = set()
        for name, value in url.params.multi_items():
            param = declared.get(name.lower())
            if param is None:
                names = ", ".join(sorted(p["name"] for p in declared.values())) or "none"
                problems.append(
                    f"query parameter {name!r} is not declared for {op.name} (declared: {names})"
                )
                continue
            what = f"query parameter {param['name']}"
            if name.lower() in seen:
                problems.append(f"{what} is given more than once; Atera binds a single value")
            seen.add(name.lower())
            problem = self._value_problem(what, value, param)
            if problem is None and param["name"] == "itemsInPage":
                if not 1 <= int(value) <= MAX_ITEMS_IN_PAGE:
                    problem = f"{what} is {value}; Atera serves 1 to {MAX_ITEMS_IN_PAGE} per page"
            elif problem is None and param["name"] == "page" and int(value) < 1:
                problem = f"{what} is {value}; Atera pages are numbered from 1"
            if problem:
                problems.append(problem)
        return problems

    def _body_problems(self, op: Operation, body: object) -> list[str]:
        request_body = op.spec.get("requestBody")
        if request_body is None:
            return [f"{op.name} takes no request body"]
        if "application/json" not in request_body.get("content", {}):
            return [f"{op.name} takes no JSON body"]
        pointer = _pointer(
            "paths", op.path, op.method.lower(), "requestBody", "content", "application/json",
            "schema",
        )  # fmt: skip
        problems = self._schema_problems(pointer, body, reading=False, prefix="request body")
        limit = MAX_BODY_ITEMS.get((op.method, op.path))
        if limit is not None and isinstance(body, list) and len(body) > limit:
            problems.append(
                f"request body holds {len(body)} items; {op.name} takes at most {limit}"
            )
        return problems

    def check_request(self, method: str, url: str, json_body: object = None) -> list[str]:
        """Violations of a request; `json_body` is the parsed JSON body, None when there is none."""
        found = self.resolve(method, url)
        if isinstance(found, str):
            return [found]
        op, path_values = found
        problems: list[str] = []
        path_params = {p["name"]: p for p in op.spec.get("parameters", []) if p.get("in") == "path"}
        for name, value in path_values.items():
            problem = self._value_problem(f"path parameter {name}", value, path_params[name])
            if problem:
                problems.append(problem)
        problems += self._query_problems(op, httpx.URL(url))
        if json_body is not None:
            problems += self._body_problems(op, json_body)
        return problems

    # -- responses ----------------------------------------------------------------------------

    def check_response(
        self,
        method: str,
        url: str,
        status: int,
        headers: Mapping[str, str],
        body_bytes: bytes,
    ) -> list[str]:
        """Violations of a response to `method url`; `body_bytes` is the decoded body."""
        body = body_bytes
        found = self.resolve(method, url)
        if isinstance(found, str):
            return [f"cannot check the response: {found}"]
        op = found[0]
        lower = {key.lower(): value for key, value in headers.items()}
        declared: Mapping[str, Any] | None = op.spec["responses"].get(str(status))
        if declared is None and status not in GENERIC_STATUSES:
            codes = ", ".join(sorted(op.spec["responses"]))
            return [f"status {status} is not declared for {op.name} (declared: {codes})"]

        problems: list[str] = []
        if status == 401 and body:
            problems.append("401 must have an empty body (Atera sends none)")
        if status == 429:
            retry_after = lower.get("retry-after")
            if retry_after is None:
                problems.append("429 must carry a Retry-After header (seconds)")
            elif not retry_after.strip().isdigit():
                problems.append(f"429 Retry-After must be whole seconds, not {retry_after!r}")

        schema_ref: str | None = None
        schema: Mapping[str, Any] | None = None
        if declared is not None:
            schema = declared.get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            schema_ref = _pointer(
                "paths", op.path, op.method.lower(), "responses", str(status), "content",
                "application/json", "schema",
            )  # fmt: skip
        elif status in (400, 404):
            schema_ref = _PROBLEM_DETAILS
        elif 200 <= status < 300 and body:
            return [*problems, f"{status} for {op.name} must have an empty body, got {body!r:.80}"]
        if schema_ref is None:
            return problems

        if not body:
            return [*problems, f"{status} for {op.name} must have a JSON body"]
        content_type = lower.get("content-type")
        if content_type is None:
            problems.append("the JSON body has no Content-Type (Atera sends application/json)")
        elif not _is_json_media_type(content_type):
            problems.append(f"the JSON body is sent as {content_type!r}, not application/json")
        try:
            parsed = json.loads(body)
        except ValueError:
            return [*problems, f"the body is not JSON: {body!r:.80}"]
        problems += self._schema_problems(schema_ref, parsed, reading=True, prefix="response body")
        if schema is not None and str(schema.get("$ref", "")).endswith("PagedResult"):
            problems += paging_violations(parsed)
        return problems

    # -- whole exchanges ----------------------------------------------------------------------

    def check_exchange(self, request: httpx.Request, response: httpx.Response) -> list[str]:
        """Violations of a request (already read) and its response (already read)."""
        url = str(request.url)
        found = self.resolve(request.method, url)
        if isinstance(found, str):
            return [found]
        body: object = None
        problems: list[str] = []
        if request.content:
            content_type = request.headers.get("content-type", "")
            if not _is_json_media_type(content_type):
                problems.append(f"request body is sent as {content_type!r}, not application/json")
            try:
                body = json.loads(request.content)
            except ValueError:
                return [*problems, f"request body is not JSON: {request.content!r:.80}"]
            if body is None:
                problems.append("request body is JSON null")
        problems += self.check_request(request.method, url, body)
        problems += self.check_response(
            request.method, url, response.status_code, response.headers, response.content
        )
        return problems


def _is_iso_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


@functools.cache
def default_checker() -> ContractChecker:
    """One shared checker over the packaged subset."""
    return ContractChecker()


class Exchange(NamedTuple):
    """A recorded request and a read copy of its response."""

    request: httpx.Request
    response: httpx.Response


class RecordingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and records every (request, response) pair that crosses it.

    The response body is read here (raw, still encoded) and handed on as an equivalent response,
    so callers see exactly what the inner transport produced; the recorded copy is decoded.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.records: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        response = await self.inner.handle_async_request(request)
        stream = response.stream
        if not isinstance(stream, httpx.AsyncByteStream):
            raise TypeError("the inner transport returned a response without an async stream")
        try:
            raw = b"".join([chunk async for chunk in stream])
        finally:
            await response.aclose()
        recorded = httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(raw),
            request=request,
            extensions=response.extensions,
        )
        recorded.read()
        self.records.append(Exchange(request, recorded))
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(raw),
            request=request,
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


def contract_violations(
    records: Iterable[Exchange], checker: ContractChecker | None = None
) -> list[str]:
    """One line per violation, each naming its exchange."""
    checker = checker or default_checker()
    lines: list[str] = []
    for number, (request, response) in enumerate(records, start=1):
        head = f"#{number} {request.method} {request.url} -> {response.status_code}"
        lines += [f"{head}: {problem}" for problem in checker.check_exchange(request, response)]
    return lines


def assert_contract(records: Iterable[Exchange], checker: ContractChecker | None = None) -> None:
    """Fail, listing every violation, unless all exchanges honour Atera's contract.

    Recording nothing fails too: it usually means the transport was not wired in.
    """
    records = list(records)
    if not records:
        raise AssertionError("no exchanges were recorded: is the RecordingTransport in use?")
    lines = contract_violations(records, checker)
    if lines:
        summary = f"{len(lines)} Atera contract violation(s) in {len(records)} exchange(s):"
        raise AssertionError("\n  ".join([summary, *lines]))
