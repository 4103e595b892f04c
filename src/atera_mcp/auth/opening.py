"""A server started before its tokens file existed: open until the file appears, then tokens
are required for good, without a restart (a deleted file keeps its last tokens, tokens.py).

Such a server is built with the SDK's bearer-token check on from the start, so that the switch
is only a flag. While the file has never existed, `OpenUntilTokens` (ASGI middleware, in front
of the SDK's) puts this process's own pass in every request's `Authorization` header (in place
of whatever was sent: the server is open), a random value that never leaves the process; the
verifier accepts that pass only while the file has not appeared, as a caller-less token: the
configured technician acts, as on an open server.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from mcp.server.auth.provider import AccessToken
from starlette.types import ASGIApp, Receive, Scope, Send

from atera_mcp.auth.tokens import TokenFile

log = logging.getLogger(__name__)


class Opening:
    """Whether the server is still open, and the pass that lets a request through while it is."""

    def __init__(self, tokens: TokenFile, scopes: list[str]) -> None:
        self.tokens = tokens
        self.scopes = scopes  # what the SDK requires of any token
        self._pass = secrets.token_urlsafe(32)
        self._closed = False

    def is_open(self) -> bool:
        """True until the tokens file first appears; never again after (one stat per call)."""
        if not self._closed and self.tokens.path.exists():
            self._closed = True
            log.warning(
                "The tokens file %s appeared: every request needs a token now.", self.tokens.path
            )
        return not self._closed

    def header(self) -> bytes:
        return f"Bearer {self._pass}".encode()

    def admits(self, token: str) -> AccessToken | None:
        """The caller-less token for this process's pass while the server is open."""
        if not hmac.compare_digest(token.encode(), self._pass.encode()) or not self.is_open():
            return None
        return AccessToken(token="open", client_id="open", scopes=self.scopes)


class OpenUntilTokens:
    """Gives every request the pass while the server is open."""

    def __init__(self, app: ASGIApp, opening: Opening) -> None:
        self.app = app
        self.opening = opening

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.opening.is_open():
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"authorization"]
            headers.append((b"authorization", self.opening.header()))
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)
