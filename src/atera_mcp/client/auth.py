"""How the credential travels: `X-API-KEY` for legacy keys, `Authorization: Bearer` for JWTs.

The key lives only inside `AteraAuth`, which adds the header to each outgoing request, so it is
never part of the HTTP client's default headers, a repr, a log line or an error message.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Literal

import httpx

from atera_mcp.errors import ConfigError

AuthMode = Literal["auto", "x-api-key", "bearer"]
AuthScheme = Literal["x-api-key", "bearer"]

# Atera's legacy keys are 32 characters; its JWTs run to hundreds. Clients in the wild split at 100.
LEGACY_KEY_MAX_LENGTH = 100


def choose_scheme(api_key: str, mode: AuthMode) -> AuthScheme:
    """The header scheme for this key: an explicit override wins, else decided by length."""
    if mode != "auto":
        return mode
    return "bearer" if len(api_key) > LEGACY_KEY_MAX_LENGTH else "x-api-key"


def auth_header(api_key: str, scheme: AuthScheme) -> tuple[str, str]:
    """The (name, value) header pair carrying the key."""
    if scheme == "bearer":
        return "Authorization", f"Bearer {api_key}"
    return "X-API-KEY", api_key


class AteraAuth(httpx.Auth):
    """httpx auth flow that adds the credential header to every request."""

    def __init__(self, api_key: str, mode: AuthMode = "auto") -> None:
        key = api_key.strip()
        if not key:
            raise ConfigError("The Atera API key is empty; set ATERA_API_KEY.")
        self.scheme: AuthScheme = choose_scheme(key, mode)
        self._header = auth_header(key, self.scheme)

    def __repr__(self) -> str:
        return f"AteraAuth(scheme={self.scheme!r}, key=<redacted>)"

    def redact(self, text: str) -> str:
        """`text` with any occurrence of the key replaced: a last guard on upstream messages."""
        value = self._header[1]
        key = value.removeprefix("Bearer ") if self.scheme == "bearer" else value
        return text.replace(key, "<redacted>")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        name, value = self._header
        request.headers[name] = value
        yield request
