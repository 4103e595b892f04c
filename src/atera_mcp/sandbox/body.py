"""Request bodies the way ASP.NET binds them, parsed into the project's wire models.

The wire request models forbid unknown fields (the client must never send one), but the real
API silently drops them and matches property names and enum values case-insensitively; this
module bridges the two: it canonicalises a raw JSON object before the model validates it.
"""

from __future__ import annotations

import json
import types
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from atera_mcp.sandbox.problems import ApiError, bad_request

M = TypeVar("M", bound=BaseModel)
_JSON_TYPES = ("application/json", "text/json")


async def json_body(request: Request) -> Any:
    """The decoded JSON body, or the 400/415 ASP.NET answers for a missing or broken one."""
    raw = await request.body()
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if raw.strip() and not (media in _JSON_TYPES or media.endswith("+json")):
        raise ApiError(415, f"Unsupported content type '{media or 'none'}': send application/json.")
    if not raw.strip():
        raise bad_request("A non-empty request body is required.", "$")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad_request(f"The request body is not valid JSON: {exc}.", "$") from None


def canonical(model: type[BaseModel], data: Any) -> Any:
    """`data` with keys spelled as the model's aliases, unknown keys dropped, enums cased."""
    if not isinstance(data, dict):
        return data
    by_key = {
        (f.alias or name).lower(): (f.alias or name, f.annotation)
        for name, f in model.model_fields.items()
    }
    out: dict[str, Any] = {}
    for key, value in data.items():
        match = by_key.get(str(key).lower())
        if match is None:
            continue  # unknown property: Atera ignores it
        alias, annotation = match
        out[alias] = _canonical_value(annotation, value)
    return out


def _canonical_value(annotation: Any, value: Any) -> Any:
    for arg in _union_members(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return canonical(arg, value)
        if get_origin(arg) is Literal and isinstance(value, str):
            for choice in get_args(arg):
                if isinstance(choice, str) and choice.lower() == value.strip().lower():
                    return choice
    return value


def _union_members(annotation: Any) -> tuple[Any, ...]:
    if get_origin(annotation) in (Union, types.UnionType):
        return get_args(annotation)
    return (annotation,)


def validate(model: type[M], data: Any) -> M:
    """Validate already-canonical data; pydantic's complaints become ASP.NET-style 400s."""
    if not isinstance(data, dict):
        raise bad_request("The request body must be a JSON object.", "$")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "$"
            errors.setdefault(field, []).append(_message(field, error))
        detail = " ".join(message for messages in errors.values() for message in messages)
        raise ApiError(400, detail, errors) from None


def parse(model: type[M], data: Any) -> M:
    """Canonicalise then validate: the usual path for a request body."""
    return validate(model, canonical(model, data))


def _message(field: str, error: Any) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return f"The {field} field is required."
    if kind == "value_error":  # a model-level rule, e.g. "exactly one comment author"
        message = str(error["msg"]).removeprefix("Value error, ")
        return message[:1].upper() + message[1:] + "."
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"The value '{value}' is not valid for {field}. Valid values: {expected}."
    return f"The value '{value}' is not valid for {field}: {error['msg']}."
