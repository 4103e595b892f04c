"""The one boundary where httpx outcomes become the project's error tree.

Everything that can go wrong on the wire (an httpx exception, a non-2xx answer, a body that is
not the JSON we expected) is turned into an `AteraError` here and nowhere else. Messages are for
a technician: one or two plain sentences, Atera's own reason for a refusal (truncated), never a
raw body and never the credential.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pydantic

from atera_mcp.client.retry import Failure, failure_for_status
from atera_mcp.domain.wire import Result
from atera_mcp.errors import (
    AmbiguousWriteError,
    AteraError,
    AteraRefusedError,
    AuthError,
    NotFoundError,
    RateLimitedError,
    UpstreamError,
)

REASON_MAX_CHARS = 300
# Without a Retry-After, suggest waiting out Atera's per-minute window.
DEFAULT_RATE_LIMIT_WAIT = 60.0

M = TypeVar("M")


@dataclass(frozen=True)
class Call:
    """What a request was for, in words a technician understands."""

    method: str
    path: str
    action: str  # an infinitive phrase: "read ticket 4711", "create a ticket"
    replayable: bool
    subject: str | None = None  # for a 404: "Ticket 4711"
    redact: Callable[[str], str] = str

    @property
    def writes(self) -> bool:
        """Whether the request changes something (a POST sent as a read is replayable)."""
        method = self.method.upper()
        return method in ("PUT", "PATCH", "DELETE") or (method == "POST" and not self.replayable)


def classify(outcome: httpx.Response | httpx.HTTPError) -> Failure | None:
    """The retryable failure this outcome represents, or None when it is final (or a success)."""
    if isinstance(outcome, httpx.Response):
        return failure_for_status(outcome.status_code)
    # A connect or pool timeout means no connection was ever made: nothing was sent.
    if isinstance(outcome, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return Failure.NOT_SENT
    if isinstance(
        outcome,
        httpx.TimeoutException | httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError,
    ):
        return Failure.LOST
    return None


def to_error(
    outcome: httpx.Response | httpx.HTTPError,
    call: Call,
    *,
    attempts: int,
    retry_after: float | None = None,
) -> AteraError:
    """The project error for a final failed outcome of `call` after `attempts` tries."""
    if isinstance(outcome, httpx.Response):
        return _status_error(outcome, call, attempts=attempts, retry_after=retry_after)
    return _transport_error(outcome, call, attempts=attempts)


def _tries(attempts: int) -> str:
    return "" if attempts == 1 else f" after {attempts} attempts"


def _ambiguous(
    action: str, what_happened: str, cause: str, status: int | None
) -> AmbiguousWriteError:
    return AmbiguousWriteError(
        f"The request to {action} was sent to Atera but {what_happened}, so it may or may "
        "not have been applied. Check in Atera before retrying, or it may be applied twice.",
        cause=cause,
        status=status,
    )


def after_maybe_applied(error: AteraError, call: Call) -> AteraError:
    """The error for a write whose earlier attempt may have been applied (its answer was lost,
    or a 5xx) before a later attempt failed with `error`: the outcome is unknown, never a plain
    failure, so the caller checks before it answers or sends again."""
    if not call.writes or isinstance(error, AmbiguousWriteError):
        return error
    return _ambiguous(
        call.action,
        f"an earlier attempt's answer was lost and a later one failed ({error.message})",
        "a lost answer before a failed retry",
        error.status,
    )


def _transport_error(exc: httpx.HTTPError, call: Call, *, attempts: int) -> AteraError:
    failure = classify(exc)
    if failure is Failure.NOT_SENT:
        return UpstreamError(
            f"Could not connect to Atera to {call.action}{_tries(attempts)}. "
            "Check the network connection and the Atera base URL."
        )
    timed_out = isinstance(exc, httpx.TimeoutException)
    what = "no answer came back in time" if timed_out else "the connection dropped"
    # A write that is replayable (a PUT) gets here only once its replays have run out.
    if failure is Failure.LOST and call.writes:
        return _ambiguous(
            call.action, what, "a timeout" if timed_out else "a dropped connection", None
        )
    if isinstance(exc, httpx.DecodingError):
        # Atera answered, but the body could not be decoded: a write may well have landed.
        what = "its answer could not be read"
        if call.writes:
            return _ambiguous(call.action, what, "an unreadable answer", None)
        return UpstreamError(
            f"Atera's answer to the request to {call.action} could not be read. Try again."
        )
    if failure is Failure.LOST:
        return UpstreamError(
            f"Atera did not answer the request to {call.action}{_tries(attempts)} ({what}). "
            "Try again in a few minutes."
        )
    if call.writes:
        # Whatever failed, the request may have reached Atera: unknown, not a failure.
        return _ambiguous(call.action, f"it failed ({type(exc).__name__})", "a failed send", None)
    return UpstreamError(
        f"The request to {call.action} could not be completed ({type(exc).__name__})."
    )


def _status_error(
    response: httpx.Response, call: Call, *, attempts: int, retry_after: float | None
) -> AteraError:
    status = response.status_code
    if status == 401:
        return AuthError(
            "Atera rejected the API key (HTTP 401). Check ATERA_API_KEY; retrying will not help.",
            status=status,
        )
    if status == 403:
        return AuthError(
            f"Atera refused to let this API key {call.action} (HTTP 403). Check the key's "
            "permissions in Atera; retrying will not help.",
            status=status,
        )
    if status == 429:
        return rate_limited(retry_after if retry_after is not None else DEFAULT_RATE_LIMIT_WAIT)
    reason = upstream_reason(response, call.redact)
    if status == 404:
        if call.subject is not None:
            return NotFoundError(f"{call.subject} was not found in Atera.", status=status)
        return NotFoundError(
            f"Atera found nothing to {call.action} (HTTP 404){_suffix(reason)}", status=status
        )
    if status in (400, 409, 422):
        why = f": {reason}" if reason else " without saying why."
        return AteraRefusedError(
            f"Atera refused to {call.action} (HTTP {status}){why}", status=status
        )
    if status >= 500 and call.writes:
        # A 500 may come after the write committed, as a 502-504 may: either way it is unknown.
        return _ambiguous(call.action, f"Atera answered HTTP {status}", f"HTTP {status}", status)
    if status >= 500:
        return UpstreamError(
            f"Atera failed with HTTP {status} when asked to {call.action}{_tries(attempts)}. "
            "Try again later.",
            status=status,
        )
    return UpstreamError(
        f"Atera answered HTTP {status} to the request to {call.action}, which this client "
        "does not understand.",
        status=status,
    )


def rate_limited(wait: float) -> RateLimitedError:
    """Atera throttles this account for `wait` more seconds (a 429's, or a pause still running)."""
    return RateLimitedError(
        f"Atera is rate limiting requests; wait {math.ceil(wait)} seconds and try again.",
        retry_after=wait,
    )


def _suffix(reason: str | None) -> str:
    return f": {reason}" if reason else "."


def upstream_reason(response: httpx.Response, redact: Callable[[str], str] = str) -> str | None:
    """Atera's own short reason from a refusal: ProblemDetails detail/title, or plain text."""
    text = response.text.strip()
    if not text:
        return None
    try:
        data: Any = json.loads(text)
    except ValueError:
        content_type = response.headers.get("content-type", "")
        if "html" in content_type or text.startswith("<"):
            return None
        return _tidy(text, redact)
    if isinstance(data, str):
        return _tidy(data, redact) if data.strip() else None
    if not isinstance(data, dict):
        return None
    parts: list[str] = []
    for key in ("detail", "title", "message", "Message"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            parts.append(value)
            break
    errors = data.get("errors")
    if isinstance(errors, dict):
        for field, messages in list(errors.items())[:3]:
            if isinstance(messages, list):
                joined = " ".join(m for m in messages if isinstance(m, str))
                parts.append(f"{field}: {joined}" if joined else str(field))
    return _tidy("; ".join(parts), redact) if parts else None


def _tidy(text: str, redact: Callable[[str], str]) -> str:
    flat = re.sub(r"\s+", " ", redact(text)).strip()
    if len(flat) > REASON_MAX_CHARS:
        flat = flat[: REASON_MAX_CHARS - 1].rstrip() + "…"
    return flat


def decode_json(response: httpx.Response, action: str) -> Any:
    """The answer's JSON, or UpstreamError when it is not JSON."""
    try:
        return _whole_characters(response.json())
    except (ValueError, UnicodeDecodeError) as exc:
        raise UpstreamError(
            f"Atera's answer to the request to {action} could not be read (not valid JSON).",
            status=response.status_code,
        ) from exc


_HALF_CHARACTER = re.compile("[\ud800-\udfff]")


def _whole_characters(value: Any) -> Any:
    """JSON may escape half a character: a text cut inside a UTF-16 surrogate pair (an emoji),
    as .NET strings are cut. json.loads keeps the half, and nothing can encode it afterwards:
    the index's insert, the tool's own answer. Each half becomes U+FFFD."""
    if isinstance(value, str):
        return _HALF_CHARACTER.sub("\ufffd", value) if not value.isascii() else value
    if isinstance(value, list):
        return [_whole_characters(item) for item in value]
    if isinstance(value, dict):
        return {key: _whole_characters(item) for key, item in value.items()}
    return value


def decode_as(response: httpx.Response, adapter: Callable[[Any], M], action: str) -> M:
    """The answer parsed by `adapter` (a model's `model_validate`), or UpstreamError."""
    data = decode_json(response, action)
    try:
        return adapter(data)
    except pydantic.ValidationError as exc:
        errors = exc.errors()
        where = ".".join(str(part) for part in errors[0]["loc"]) if errors else ""
        detail = f" (field {where})" if where else ""
        raise UpstreamError(
            f"Atera's answer to the request to {action} did not have the expected shape{detail}.",
            status=response.status_code,
        ) from exc


def decode_created_id(response: httpx.Response, action: str) -> int:
    """The new object's id from a `{"ActionID": ...}` answer (a string or a number).

    An answer without a readable id leaves the write unsettled: AmbiguousWriteError, so the
    caller looks for the object before sending anything again."""
    try:
        result = decode_as(response, Result.model_validate, action)
        return int(result.action_id or "")
    except (UpstreamError, ValueError):
        raise _ambiguous(
            action,
            f"its answer (HTTP {response.status_code}) did not carry a readable id",
            "an unreadable answer",
            response.status_code,
        ) from None
