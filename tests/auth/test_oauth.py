"""OAuth 2.1 resource server: the identity provider's JWT access tokens, checked against keys
fetched (through a MockTransport) from its JWKS; the email claim picks the technician."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from mcp.types import CallToolResult

from atera_mcp.auth.identity import CallerToken
from atera_mcp.auth.jwks import JwksCache
from atera_mcp.auth.oauth import OAuthVerifier, Refusal
from atera_mcp.tools import tool_names
from tests.auth.idp import (
    AUDIENCE,
    ISSUER,
    JWKS_URL,
    OAUTH,
    OTHER_RSA_KEY,
    RSA_KEY,
    FakeProvider,
)
from tests.harness import TECHNICIANS, settings
from tests.server.http_rig import http_rig

PUBLIC_URL = "https://mcp.msp.example/mcp"
JANE = TECHNICIANS[0]


def _verifier(provider: FakeProvider, clock: list[float] | None = None) -> OAuthVerifier:
    now = clock or [0.0]
    keys = JwksCache(JWKS_URL, transport=provider.transport(), clock=lambda: now[0])
    return OAuthVerifier(OAUTH, TECHNICIANS, keys)


@pytest.mark.anyio
@pytest.mark.parametrize("kid", ["rsa-1", "ec-1"])
async def test_a_valid_token_stands_for_the_technician_with_that_email(kid: str) -> None:
    provider = FakeProvider()
    checked = await _verifier(provider).verify_token(provider.token(JANE.email, kid=kid))
    assert isinstance(checked, CallerToken)
    assert checked.caller.technician_id == JANE.id
    assert checked.scopes == ["access_as_user"]
    assert checked.subject == "subject-jane"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "https://login.other.test/"},
        {"aud": "api://someone-else"},
        {"exp": int(time.time()) - 3600},
        {"exp": None},
        {"aud": None},
    ],
    ids=["wrong-issuer", "wrong-audience", "expired", "no-expiry", "no-audience"],
)
async def test_a_token_with_the_wrong_claims_is_refused(claims: dict[str, Any]) -> None:
    provider = FakeProvider()
    assert await _verifier(provider).verify_token(provider.token(JANE.email, **claims)) is None


@pytest.mark.anyio
async def test_a_token_signed_by_another_key_under_a_known_kid_is_refused() -> None:
    provider = FakeProvider()
    forged = provider.token(JANE.email, kid="rsa-1", key=OTHER_RSA_KEY)
    assert await _verifier(provider).verify_token(forged) is None


@pytest.mark.anyio
async def test_a_token_with_an_unknown_kid_is_refused_and_refetches_at_most_once_a_minute() -> None:
    provider = FakeProvider()
    clock = [0.0]
    verifier = _verifier(provider, clock)
    unknown = provider.token(JANE.email, kid="nobody", key=OTHER_RSA_KEY)
    assert await verifier.verify_token(unknown) is None
    assert await verifier.verify_token(unknown) is None
    assert provider.fetches == 1
    clock[0] = 61.0
    assert await verifier.verify_token(unknown) is None
    assert provider.fetches == 2


@pytest.mark.anyio
async def test_a_rotated_key_is_picked_up_when_a_token_names_it() -> None:
    provider = FakeProvider()
    clock = [0.0]
    verifier = _verifier(provider, clock)
    assert await verifier.verify_token(provider.token(JANE.email)) is not None
    provider.keys = {"rsa-2": OTHER_RSA_KEY}  # the provider rotates
    clock[0] = 120.0
    rotated = await verifier.verify_token(provider.token(JANE.email, kid="rsa-2"))
    assert isinstance(rotated, CallerToken)
    assert provider.fetches == 2


@pytest.mark.anyio
async def test_a_failing_key_endpoint_refuses_tokens_until_it_answers_and_keeps_known_keys() -> (
    None
):
    provider = FakeProvider()
    healthy = provider.transport()
    down = {"now": True}

    async def flaky(request: httpx.Request) -> httpx.Response:
        if down["now"]:
            return httpx.Response(503)
        return await healthy.handle_async_request(request)

    clock = [0.0]
    keys = JwksCache(JWKS_URL, transport=httpx.MockTransport(flaky), clock=lambda: clock[0])
    verifier = OAuthVerifier(OAUTH, TECHNICIANS, keys)
    token = provider.token(JANE.email)
    assert await verifier.verify_token(token) is None
    down["now"], clock[0] = False, 61.0
    assert await verifier.verify_token(token) is not None
    down["now"], clock[0] = True, 7200.0  # the cache is old and the refresh fails
    assert await verifier.verify_token(token) is not None


@pytest.mark.anyio
@pytest.mark.parametrize(
    "document",
    [{"keys": "nope"}, {"keys": ["x", {"kty": "oct", "k": "c2VjcmV0"}]}, ["not", "a", "jwks"]],
    ids=["keys-not-a-list", "no-usable-key", "not-an-object"],
)
async def test_a_malformed_key_set_refuses_tokens_without_crashing(document: object) -> None:
    provider = FakeProvider()
    transport = httpx.MockTransport(lambda _: httpx.Response(200, json=document))
    verifier = OAuthVerifier(OAUTH, TECHNICIANS, JwksCache(JWKS_URL, transport=transport))
    assert await verifier.verify_token(provider.token(JANE.email)) is None


@pytest.mark.anyio
async def test_keys_are_cached_between_tokens() -> None:
    provider = FakeProvider()
    verifier = _verifier(provider)
    for _ in range(5):
        assert await verifier.verify_token(provider.token(JANE.email)) is not None
    assert provider.fetches == 1


@pytest.mark.anyio
async def test_an_hmac_token_signed_with_the_public_key_is_refused() -> None:
    # The classic algorithm-confusion forgery, built by hand (PyJWT itself refuses to make it).
    provider = FakeProvider()
    public = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 600, "email": JANE.email}
    header = {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}
    signing_input = b".".join(_b64(json.dumps(part).encode()) for part in (header, claims))
    signature = hmac.new(public, signing_input, hashlib.sha256).digest()
    forged = (signing_input + b"." + _b64(signature)).decode()
    assert await _verifier(provider).verify_token(forged) is None


def _b64(raw: bytes) -> bytes:
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


@pytest.mark.anyio
async def test_an_unknown_email_or_a_missing_claim_is_a_refusal_that_says_why() -> None:
    provider = FakeProvider()
    verifier = _verifier(provider)
    stranger = await verifier.check(provider.token("mallory@elsewhere.example"))
    assert isinstance(stranger, Refusal)
    assert "mallory@elsewhere.example is not a technician" in stranger.reason
    missing = await verifier.check(provider.token(None))
    assert isinstance(missing, Refusal)
    assert "'email' claim" in missing.reason
    assert await verifier.verify_token(provider.token("mallory@elsewhere.example")) is None


@pytest.mark.anyio
async def test_garbage_is_not_a_token() -> None:
    provider = FakeProvider()
    for garbage in ("", "abc", "a.b.c", "eyJhbGciOiJub25lIn0.e30."):
        assert await _verifier(provider).verify_token(garbage) is None
    assert provider.fetches == 0


def _oauth_settings(**changes: Any) -> Any:
    return settings(oauth=OAUTH, public_url=PUBLIC_URL, **changes)


@pytest.mark.anyio
async def test_the_server_publishes_protected_resource_metadata_and_points_401_at_it() -> None:
    provider = FakeProvider()
    async with (
        http_rig(_oauth_settings(), jwks=provider.transport(), tickets=20) as rig,
        rig.http() as http,
    ):
        refused = await http.post("/mcp", json={})
        metadata = await http.get("/.well-known/oauth-protected-resource/mcp")
    assert refused.status_code == 401
    challenge = refused.headers["www-authenticate"]
    assert (
        'resource_metadata="https://mcp.msp.example/.well-known/oauth-protected-resource/mcp"'
        in challenge
    )
    assert metadata.status_code == 200
    assert metadata.json()["resource"] == PUBLIC_URL
    assert metadata.json()["authorization_servers"] == [ISSUER]


@pytest.mark.anyio
async def test_a_technician_with_a_provider_token_lists_and_calls_tools_over_http() -> None:
    provider = FakeProvider()
    async with (
        http_rig(_oauth_settings(), jwks=provider.transport(), tickets=20) as rig,
        rig.client(provider.token(JANE.email)) as client,
    ):
        assert len((await client.list_tools()).tools) == len(tool_names())
        found = await client.call_tool("find_customers", {"query": "acme"})
    assert isinstance(found, CallToolResult)
    assert not found.is_error


@pytest.mark.anyio
async def test_a_provider_token_for_someone_who_is_not_a_technician_gets_403_saying_so() -> None:
    provider = FakeProvider()
    async with http_rig(_oauth_settings(), jwks=provider.transport(), tickets=20) as rig:
        async with rig.http(provider.token("mallory@elsewhere.example")) as http:
            answer = await http.post("/mcp", json={})
        async with rig.http(provider.token(JANE.email, iss="https://evil.example/")) as http:
            forged = await http.post("/mcp", json={})
    assert answer.status_code == 403
    assert (
        "mallory@elsewhere.example is not a technician"
        in json.loads(answer.text)["error_description"]
    )
    assert forged.status_code == 401
    assert rig.recorder.records == []


@pytest.mark.anyio
async def test_required_scopes_are_enforced_and_published() -> None:
    provider = FakeProvider()
    scoped = OAUTH.__class__(**{**OAUTH.__dict__, "scopes": ("atera.write",)})
    async with (
        http_rig(
            settings(oauth=scoped, public_url=PUBLIC_URL), jwks=provider.transport(), tickets=20
        ) as rig,
        rig.http(provider.token(JANE.email)) as http,
    ):
        answer = await http.post("/mcp", json={})
        metadata = await http.get("/.well-known/oauth-protected-resource/mcp")
    assert answer.status_code == 403
    assert metadata.json()["scopes_supported"] == ["atera.write"]
