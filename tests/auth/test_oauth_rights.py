"""Issue 16: a provider token names a technician only through a claim the provider vouches
for, and its scopes give the caller read or read-write rights, at list and at call alike."""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from typing import Any

import pytest
from mcp.types import CallToolResult

from atera_mcp.auth.identity import CallerToken
from atera_mcp.auth.jwks import JwksCache
from atera_mcp.auth.oauth import OAuthVerifier, Refusal
from atera_mcp.config_oauth import OAuthSettings
from atera_mcp.errors import ConfigError
from atera_mcp.server import select_tools
from atera_mcp.tools import TOOLS
from tests.auth.idp import AUDIENCE, ISSUER, JWKS_URL, OAUTH, FakeProvider
from tests.harness import TECHNICIANS, settings
from tests.server.http_rig import http_rig

PUBLIC_URL = "https://mcp.msp.example/mcp"
JANE, BOB = TECHNICIANS[0], TECHNICIANS[1]
SCOPED = dataclasses.replace(OAUTH, read_scope="atera.read", write_scope="atera.write")
READ_TOOLS = {spec.name for spec in TOOLS if spec.read_only}


def _verifier(provider: FakeProvider, config: OAuthSettings = OAUTH) -> OAuthVerifier:
    return OAuthVerifier(config, TECHNICIANS, JwksCache(JWKS_URL, transport=provider.transport()))


@pytest.mark.anyio
async def test_an_email_the_provider_does_not_mark_verified_names_nobody() -> None:
    provider = FakeProvider()
    verifier = _verifier(provider)
    for verified in (False, None, "false"):
        refused = await verifier.check(provider.token(JANE.email, email_verified=verified))
        assert isinstance(refused, Refusal)
        assert "email_verified is not true" in refused.reason
    accepted = await verifier.check(provider.token(JANE.email, email_verified="true"))
    assert isinstance(accepted, CallerToken)
    assert accepted.caller.technician_id == JANE.id


@pytest.mark.anyio
async def test_a_tenant_controlled_claim_is_taken_as_it_is() -> None:
    provider = FakeProvider()
    entra = dataclasses.replace(OAUTH, email_claim="preferred_username")
    token = provider.token(
        "someone-else@msp.example", email_verified=None, preferred_username=JANE.email
    )
    checked = await _verifier(provider, entra).check(token)
    assert isinstance(checked, CallerToken)
    assert checked.caller.technician_id == JANE.id


@pytest.mark.anyio
async def test_a_mapped_object_id_names_its_technician_whatever_the_email_says() -> None:
    provider = FakeProvider()
    mapped = dataclasses.replace(OAUTH, subject_claim="oid", subjects={"oid-bob": BOB.id})
    checked = await _verifier(provider, mapped).check(
        provider.token(JANE.email, email_verified=False, oid="oid-bob")
    )
    assert isinstance(checked, CallerToken)
    assert checked.caller.technician_id == BOB.id
    # An unmapped object id falls back to the (verified) email claim.
    fallback = await _verifier(provider, mapped).check(provider.token(JANE.email, oid="oid-x"))
    assert isinstance(fallback, CallerToken)
    assert fallback.caller.technician_id == JANE.id


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("scope", "read_only"),
    [("atera.read", True), ("atera.write", False), ("atera.read atera.write", False)],
)
async def test_the_write_scope_grants_every_tool_and_the_read_scope_only_reading(
    scope: str, read_only: bool
) -> None:
    provider = FakeProvider()
    checked = await _verifier(provider, SCOPED).check(provider.token(JANE.email, scp=scope))
    assert isinstance(checked, CallerToken)
    assert checked.caller.read_only is read_only


@pytest.mark.anyio
async def test_a_token_with_neither_rights_scope_is_refused_saying_which_it_needs() -> None:
    provider = FakeProvider()
    refused = await _verifier(provider, SCOPED).check(provider.token(JANE.email, scp="openid"))
    assert isinstance(refused, Refusal)
    assert "neither the 'atera.read' nor the 'atera.write' scope" in refused.reason


def _unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': 'rsa-1'})}.{part(claims)}."


@pytest.mark.anyio
async def test_an_unsigned_token_with_every_right_claim_is_refused() -> None:
    provider = FakeProvider()
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": int(time.time()) + 600,
        "email": JANE.email,
        "email_verified": True,
        "scp": "atera.write",
    }
    assert await _verifier(provider, SCOPED).check(_unsigned(claims)) is None


def _scoped_settings() -> Any:
    return settings(oauth=SCOPED, public_url=PUBLIC_URL)


@pytest.mark.anyio
async def test_a_read_scope_caller_sees_and_calls_only_read_tools_over_http() -> None:
    provider = FakeProvider()
    async with (
        http_rig(_scoped_settings(), jwks=provider.transport(), tickets=20) as rig,
        rig.client(provider.token(JANE.email, scp="atera.read")) as client,
    ):
        listed = {t.name for t in (await client.list_tools()).tools}
        read = await client.call_tool("find_customers", {"query": "acme"})
        write = await client.call_tool(
            "add_comment", {"ticket_id": 1, "text": "hello", "internal": True}
        )
    assert listed == READ_TOOLS
    assert isinstance(read, CallToolResult)
    assert not read.is_error
    assert isinstance(write, CallToolResult)
    assert write.is_error
    assert "Unknown tool: add_comment" in str(write.content[0])
    assert not [r for r in rig.recorder.records if r.request.method == "POST"]


@pytest.mark.anyio
async def test_a_write_scope_caller_sees_every_tool_over_http() -> None:
    provider = FakeProvider()
    async with (
        http_rig(_scoped_settings(), jwks=provider.transport(), tickets=20) as rig,
        rig.client(provider.token(JANE.email, scp="atera.write")) as client,
    ):
        listed = {t.name for t in (await client.list_tools()).tools}
    assert listed > READ_TOOLS
    assert "create_ticket" in listed


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("claims", "status"),
    [
        ({"email_verified": False}, 403),
        ({"scp": "openid"}, 403),
        ({"exp": int(time.time()) - 3600}, 401),
        ({"aud": "api://someone-else"}, 401),
        ({"iss": "https://login.other.test/"}, 401),
    ],
    ids=["unverified-email", "no-rights-scope", "expired", "wrong-audience", "wrong-issuer"],
)
async def test_what_a_refused_provider_token_gets_over_http(
    claims: dict[str, Any], status: int
) -> None:
    provider = FakeProvider()
    token = provider.token(JANE.email, **{"scp": "atera.write", **claims})
    async with (
        http_rig(_scoped_settings(), jwks=provider.transport(), tickets=20) as rig,
        rig.http(token) as http,
    ):
        answer = await http.post("/mcp", json={})
    assert answer.status_code == status
    if status == 403:
        assert answer.json()["error"] == "access_denied"
    assert rig.recorder.records == []


BILLING = dataclasses.replace(SCOPED, tool_scopes={"get_billable": frozenset({"atera.billing"})})


@pytest.mark.anyio
async def test_a_tool_set_scope_gates_its_tools_at_list_and_at_call() -> None:
    provider = FakeProvider()
    async with http_rig(
        settings(oauth=BILLING, public_url=PUBLIC_URL), jwks=provider.transport(), tickets=20
    ) as rig:
        async with rig.client(provider.token(JANE.email, scp="atera.write")) as client:
            without = {t.name for t in (await client.list_tools()).tools}
            refused = await client.call_tool("get_billable", {"ticket_ids": [1]})
        async with rig.client(provider.token(JANE.email, scp="atera.read atera.billing")) as client:
            with_scope = {t.name for t in (await client.list_tools()).tools}
    assert "get_billable" not in without
    assert "create_ticket" in without
    assert isinstance(refused, CallToolResult)
    assert refused.is_error
    assert "Unknown tool: get_billable" in str(refused.content[0])
    assert with_scope == READ_TOOLS


def test_a_tool_set_naming_an_unknown_tool_stops_the_start() -> None:
    typo = dataclasses.replace(SCOPED, tool_scopes={"get_billables": frozenset({"atera.b"})})
    with pytest.raises(ConfigError, match="ATERA_OAUTH_TOOL_SCOPES names unknown tools"):
        select_tools(settings(oauth=typo, public_url=PUBLIC_URL))
