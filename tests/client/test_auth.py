"""The credential header: X-API-KEY for legacy keys, Bearer for JWTs, overridable."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from atera_mcp import __version__
from atera_mcp.client import AteraClient
from atera_mcp.client.auth import AuthMode
from atera_mcp.errors import ConfigError

MakeClient = Callable[..., AteraClient]
SHORT_KEY = "0123456789abcdef0123456789abcdef"
JWT = "eyJ" + "a" * 147


async def headers_sent(make_client: MakeClient, key: str, mode: AuthMode) -> httpx.Headers:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"CompanyName": "Acme"})

    async with make_client(handler, api_key=key, auth=mode) as client:
        await client.get_account()
    return seen[0].headers


@pytest.mark.anyio
async def test_a_short_key_travels_as_x_api_key(make_client: MakeClient) -> None:
    headers = await headers_sent(make_client, SHORT_KEY, "auto")
    assert headers["X-API-KEY"] == SHORT_KEY
    assert "Authorization" not in headers


@pytest.mark.anyio
async def test_a_150_character_token_travels_as_bearer(make_client: MakeClient) -> None:
    headers = await headers_sent(make_client, JWT, "auto")
    assert headers["Authorization"] == f"Bearer {JWT}"
    assert "X-API-KEY" not in headers


@pytest.mark.anyio
async def test_the_scheme_can_be_forced_either_way(make_client: MakeClient) -> None:
    forced_bearer = await headers_sent(make_client, SHORT_KEY, "bearer")
    forced_key = await headers_sent(make_client, JWT, "x-api-key")
    assert forced_bearer["Authorization"] == f"Bearer {SHORT_KEY}"
    assert forced_key["X-API-KEY"] == JWT
    assert "Authorization" not in forced_key


@pytest.mark.anyio
async def test_every_request_asks_for_json_and_names_the_client(make_client: MakeClient) -> None:
    headers = await headers_sent(make_client, SHORT_KEY, "auto")
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"] == f"atera-mcp/{__version__}"


def test_the_client_reports_its_scheme_but_not_its_key() -> None:
    client = AteraClient(api_key=JWT, rpm=0)
    assert client.auth_scheme == "bearer"
    assert JWT not in repr(client)


def test_an_empty_key_is_a_config_error_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match="ATERA_API_KEY"):
        AteraClient(api_key="  ")
