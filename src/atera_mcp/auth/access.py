"""Who may call the shared HTTP server: the verifiers the SDK runs, and the settings it needs.

With a tokens file, bearer tokens made by `atera-mcp token add` are accepted; with
ATERA_OAUTH_*, the identity provider's JWT access tokens are, and the server publishes its
protected-resource metadata (RFC 9728) so clients can find the provider. Both may be on at once.
The SDK answers a request without a valid token with 401 and a `WWW-Authenticate` header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from starlette.applications import Starlette

from atera_mcp.auth.opening import Opening, OpenUntilTokens
from atera_mcp.auth.tokens import TOKEN_PREFIX, BearerTokenVerifier, TokenFile
from atera_mcp.config import Settings

if TYPE_CHECKING:  # PyJWT and the JWKS client are imported only when OAuth is configured
    from atera_mcp.auth.oauth import OAuthVerifier


class Verifiers:
    """The SDK's TokenVerifier: our bearer tokens by their prefix, anything else via OAuth (or,
    while a server without a tokens file is still open, its own pass: opening.py)."""

    def __init__(
        self,
        tokens: BearerTokenVerifier | None,
        oauth: OAuthVerifier | None,
        opening: Opening | None = None,
    ) -> None:
        self.tokens = tokens
        self.oauth = oauth
        self.opening = opening

    async def verify_token(self, token: str) -> AccessToken | None:
        if token.startswith(TOKEN_PREFIX):
            return await self.tokens.verify_token(token) if self.tokens else None
        if self.opening is not None:
            return self.opening.admits(token)
        return await self.oauth.verify_token(token) if self.oauth else None


@dataclass(frozen=True)
class HttpAccess:
    """What build_server hands the SDK, plus the 403 gate for identity-provider strangers."""

    verifier: Verifiers
    auth: AuthSettings
    described: str  # for the startup banner

    def open_now(self) -> bool:
        """Whether requests need no credential yet (no tokens file so far, no OAuth)."""
        opening = self.verifier.opening
        return opening is not None and opening.is_open()

    def guard(self, app: Starlette) -> Starlette:
        """Add the gates: 403 with the reason for a known-but-unmapped person; the pass for
        requests while the server is still open."""
        if self.verifier.oauth is not None:
            from atera_mcp.auth.oauth import RefuseStrangers

            app.add_middleware(RefuseStrangers, oauth=self.verifier.oauth)
        if self.verifier.opening is not None:
            app.add_middleware(OpenUntilTokens, opening=self.verifier.opening)
        return app


def http_access(
    settings: Settings, *, local_url: str, jwks_transport: httpx.AsyncBaseTransport | None = None
) -> HttpAccess | None:
    """The access rules `settings` configure, or None when the server is open to anyone."""
    tokens = None
    opening = None
    parts: list[str] = []
    scopes = settings.oauth.scopes if settings.oauth else ()
    if settings.tokens_file is not None:
        token_file = TokenFile(settings.tokens_file)
        count = len(token_file.records())  # a broken file is a ConfigError now, not later
        tokens = BearerTokenVerifier(token_file, scopes=scopes)
        if not settings.tokens_file.exists() and settings.oauth is None:
            opening = Opening(token_file, list(scopes))
        active = f"{count} active" if count else "none yet: add one with `atera-mcp token add`"
        parts.append(f"bearer tokens from {settings.tokens_file} ({active})")
    oauth = None
    if settings.oauth is not None:
        from atera_mcp.auth.jwks import JwksCache
        from atera_mcp.auth.oauth import OAuthVerifier

        keys = JwksCache(settings.oauth.jwks_url, transport=jwks_transport)
        oauth = OAuthVerifier(settings.oauth, settings.technicians, keys)
        parts.append(f"OAuth access tokens from {settings.oauth.issuer}")
    if tokens is None and oauth is None:
        return None
    auth = AuthSettings(
        # Only published when OAuth is on; with bearer tokens alone there is no provider.
        issuer_url=settings.oauth.issuer if settings.oauth else local_url,
        resource_server_url=settings.public_url if settings.oauth else None,
        required_scopes=list(scopes) or None,
        # The verifier checks the token's audience itself (ATERA_OAUTH_AUDIENCE).
        validate_token_resource=False,
    )
    return HttpAccess(Verifiers(tokens, oauth, opening), auth, "; ".join(parts))
