"""OAuth 2.1 resource server: JWT access tokens from the MSP's identity provider.

A token is accepted when it is signed by one of the provider's keys (jwks.py) with an
asymmetric algorithm, names the configured issuer and audience, has not expired, and a claim
the provider vouches for names a technician (config_oauth.py: a mapped subject, a claim the
tenant controls, or `email` with `email_verified: true`); scopes may limit it to the read
tools. A well-signed token that fails those is a `Refusal`: the HTTP gate answers it with 403
and says why, rather than the bare 401 that would send the client round the login loop again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from atera_mcp.auth.identity import Caller, CallerToken
from atera_mcp.auth.jwks import JwksCache
from atera_mcp.auth.tokens import TOKEN_PREFIX
from atera_mcp.config_oauth import USER_EDITABLE_EMAIL, OAuthSettings
from atera_mcp.domain.directory import Technician

log = logging.getLogger(__name__)

# Asymmetric only: an HMAC algorithm would let anyone holding the public key sign tokens.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
LEEWAY_SECONDS = 60  # clock skew between the provider and this server


@dataclass(frozen=True)
class Refusal:
    """A valid token whose holder may not use this server; `reason` is for the holder."""

    reason: str


class OAuthVerifier:
    """The SDK's TokenVerifier for the identity provider's JWT access tokens."""

    def __init__(
        self, config: OAuthSettings, technicians: Sequence[Technician], keys: JwksCache
    ) -> None:
        self.config = config
        self.keys = keys
        self._by_email = {t.email.casefold(): t for t in technicians if t.email}

    async def verify_token(self, token: str) -> CallerToken | None:
        checked = await self.check(token)
        return checked if isinstance(checked, CallerToken) else None

    async def check(self, token: str) -> CallerToken | Refusal | None:
        """The caller `token` stands for; a Refusal for a stranger; None for a bad token."""
        claims = await self._claims(token)
        if claims is None:
            return None
        technician_id = self._technician(claims)
        if isinstance(technician_id, Refusal):
            return technician_id
        scopes = _scopes(claims)
        read_only = self._read_only(scopes)
        if isinstance(read_only, Refusal):
            return read_only
        subject = str(claims.get("sub") or technician_id)
        client = claims.get("azp") or claims.get("client_id") or claims.get("appid") or "oauth"
        return CallerToken(
            token=f"oauth {subject}",
            client_id=str(client),
            scopes=scopes,
            expires_at=int(claims["exp"]),
            subject=subject,
            claims={"iss": claims["iss"]},
            caller=Caller(
                technician_id,
                f"oauth {subject}",
                read_only=read_only,
                hidden=self.config.hidden_from(scopes),
            ),
        )

    def _technician(self, claims: dict[str, Any]) -> int | Refusal:
        """The technician a claim the provider vouches for names: a mapped subject first, then
        the email claim (`email` only when verified)."""
        subject = claims.get(self.config.subject_claim)
        if isinstance(subject, str) and subject in self.config.subjects:
            return self.config.subjects[subject]
        claim = self.config.email_claim
        email = claims.get(claim)
        if not isinstance(email, str) or not email.strip():
            return Refusal(
                f"The access token has no '{claim}' claim, so this server cannot tell which "
                "technician you are. The administrator sets ATERA_OAUTH_EMAIL_CLAIM."
            )
        if claim == USER_EDITABLE_EMAIL and not _verified(claims.get("email_verified")):
            log.warning("refused an identity-provider token whose email is not verified")
            return Refusal(
                "The access token's email is not marked verified by the identity provider "
                "(email_verified is not true), so it cannot say which technician you are. The "
                "administrator maps a claim the tenant controls (ATERA_OAUTH_EMAIL_CLAIM, e.g. "
                "preferred_username) or your subject (ATERA_OAUTH_SUBJECTS)."
            )
        technician = self._by_email.get(email.strip().casefold())
        if technician is None:
            log.warning("refused an identity-provider token for an unknown email")
            return Refusal(
                f"{email} is not a technician on this server. Ask the administrator to add "
                "you to ATERA_TECHNICIANS."
            )
        return technician.id

    def _read_only(self, scopes: list[str]) -> bool | Refusal:
        """Rights from scopes when ATERA_OAUTH_READ_SCOPE / _WRITE_SCOPE are set; else every
        tool (the server's own ATERA_READ_ONLY / ATERA_TOOLS still apply)."""
        read, write = self.config.read_scope, self.config.write_scope
        if read is None or write is None or write in scopes:
            return False
        if read in scopes:
            return True
        return Refusal(
            f"The access token carries neither the '{read}' nor the '{write}' scope, so it "
            "grants no rights on this server. Ask the administrator for one of them."
        )

    async def _claims(self, token: str) -> dict[str, Any] | None:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return None
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            return None
        kid = header.get("kid")
        key = await self.keys.key(kid if isinstance(kid, str) else None)
        if key is None:
            return None
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self.config.audience,
                issuer=self.config.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            # Why, for the server log; never the token.
            log.info("refused an identity-provider token: %s", type(exc).__name__)
            return None
        return claims


def _scopes(claims: dict[str, Any]) -> list[str]:
    """`scope` (RFC 9068, space separated) or Entra ID's `scp` (a string or a list)."""
    raw = claims.get("scope", claims.get("scp", ""))
    if isinstance(raw, list):
        return [str(s) for s in raw]
    return str(raw).split()


def _verified(value: object) -> bool:
    """`email_verified` as providers send it: a JSON true (some send the string "true")."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


class RefuseStrangers:
    """403 with a reason for a valid identity-provider token whose holder is not a technician.

    The SDK can only say 401 "Authentication required", which sends an OAuth client to log in
    again with the same account. This runs before the SDK's own check (and so verifies such a
    token twice; signature checks cost microseconds).
    """

    def __init__(self, app: ASGIApp, oauth: OAuthVerifier) -> None:
        self.app = app
        self.oauth = oauth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = HTTPConnection(scope).headers.get("authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() == "bearer" and token and not token.startswith(TOKEN_PREFIX):
                checked = await self.oauth.check(token.strip())
                if isinstance(checked, Refusal):
                    body = {"error": "access_denied", "error_description": checked.reason}
                    await JSONResponse(body, status_code=403)(scope, receive, send)
                    return
        await self.app(scope, receive, send)
