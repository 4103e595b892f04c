"""A fake identity provider: signing keys made in the test, a JWKS served through
httpx.MockTransport (no network), and access tokens minted on demand."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from atera_mcp.config_oauth import OAuthSettings

ISSUER = "https://login.idp.test/tenant/v2.0"
AUDIENCE = "api://atera-mcp"
JWKS_URL = "https://login.idp.test/tenant/discovery/v2.0/keys"
OAUTH = OAuthSettings(issuer=ISSUER, audience=AUDIENCE, jwks_url=JWKS_URL)

# Made once per test session: RSA key generation is the slow part of these tests.
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: PrivateKeyTypes, kid: str) -> dict[str, Any]:
    if isinstance(key, rsa.RSAPrivateKey):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        jwk["alg"] = "RS256"
    else:
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
        jwk["alg"] = "ES256"
    return {**jwk, "kid": kid, "use": "sig"}


@dataclass
class FakeProvider:
    """Publishes `keys` (kid -> private key) at JWKS_URL; counts the fetches."""

    keys: dict[str, PrivateKeyTypes] = field(
        default_factory=lambda: {"rsa-1": RSA_KEY, "ec-1": EC_KEY}
    )
    fetches: int = 0

    def transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            assert str(request.url) == JWKS_URL
            self.fetches += 1
            keys = [public_jwk(key, kid) for kid, key in self.keys.items()]
            return httpx.Response(200, json={"keys": keys})

        return httpx.MockTransport(handler)

    def token(
        self,
        email: str | None = "jane@msp.example",
        *,
        kid: str = "rsa-1",
        key: PrivateKeyTypes | None = None,
        **claims: Any,
    ) -> str:
        """A signed access token; `claims` override the defaults (None removes a claim)."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "subject-jane",
            "iat": now,
            "exp": now + 600,
            "email": email,
            "email_verified": True,
            "scp": "access_as_user",
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        signing = key or self.keys[kid]
        algorithm = "RS256" if isinstance(signing, rsa.RSAPrivateKey) else "ES256"
        return jwt.encode(body, signing, algorithm=algorithm, headers={"kid": kid})  # type: ignore[arg-type]
