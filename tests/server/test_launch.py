"""Safe defaults for `serve --transport http`: no open server beyond loopback, and the
DNS-rebinding checks let through only the hosts named in ATERA_ALLOWED_HOSTS."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from atera_mcp.auth.access import http_access
from atera_mcp.auth.tokens import TokenFile
from atera_mcp.errors import ConfigError
from atera_mcp.launch import check_exposure
from tests.harness import settings
from tests.server.http_rig import http_rig


def _with_token(path: Path) -> str:
    token, _ = TokenFile(path).add(
        technician_id=1, name="", read_only=False, tools=None, now=datetime.now(UTC)
    )
    return token


def test_listening_beyond_loopback_needs_the_host_names_clients_use() -> None:
    with pytest.raises(ConfigError, match="ATERA_ALLOWED_HOSTS"):
        check_exposure("0.0.0.0", settings(), None, allow_unauthenticated=True)


@pytest.mark.parametrize(
    ("host", "allowed"),
    [("0.0.0.0", ("mcp.msp.example",)), ("127.0.0.1", ("mcp.msp.example",))],
    ids=["wildcard-bind", "loopback-behind-a-proxy"],
)
def test_serving_beyond_this_machine_without_authentication_is_refused(
    host: str, allowed: tuple[str, ...]
) -> None:
    exposed = settings(allowed_hosts=allowed)
    with pytest.raises(ConfigError, match="--allow-unauthenticated"):
        check_exposure(host, exposed, None, allow_unauthenticated=False)
    check_exposure(host, exposed, None, allow_unauthenticated=True)


def test_loopback_needs_no_authentication_and_tokens_allow_any_host(tmp_path: Path) -> None:
    check_exposure("127.0.0.1", settings(), None, allow_unauthenticated=False)
    check_exposure("::1", settings(allowed_hosts=("localhost",)), None, allow_unauthenticated=False)
    path = tmp_path / "tokens.json"
    _with_token(path)
    configured = settings(tokens_file=path, allowed_hosts=("mcp.msp.example",))
    access = http_access(configured, local_url="http://0.0.0.0:8000")
    assert access is not None
    check_exposure("0.0.0.0", configured, access, allow_unauthenticated=False)


def test_a_tokens_file_that_does_not_exist_yet_does_not_count_as_authentication(
    tmp_path: Path,
) -> None:
    later = settings(tokens_file=tmp_path / "tokens.json", allowed_hosts=("mcp.msp.example",))
    access = http_access(later, local_url="http://0.0.0.0:8000")
    assert access is not None
    assert access.open_now()
    with pytest.raises(ConfigError, match="--allow-unauthenticated"):
        check_exposure("0.0.0.0", later, access, allow_unauthenticated=False)
    _with_token(tmp_path / "tokens.json")
    assert not access.open_now()
    check_exposure("0.0.0.0", later, access, allow_unauthenticated=False)


def test_serve_refuses_to_start_open_beyond_loopback_with_exit_code_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATERA_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path), ATERA_ALLOWED_HOSTS="mcp.msp.example")
    serve = [
        "serve",
        "--sandbox",
        "--tickets",
        "5",
        "--transport",
        "http",
        "--host",
        "0.0.0.0",
        "--port",
        "9",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "atera_mcp.cli", *serve],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "without authentication" in done.stderr
    assert "atera-mcp token add" in done.stderr
    assert done.stdout == ""


@pytest.mark.anyio
async def test_a_host_named_in_allowed_hosts_is_served_and_others_still_get_421(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tokens.json"
    token = _with_token(path)
    configured = settings(tokens_file=path, allowed_hosts=("mcp.msp.example",))
    async with http_rig(configured, tickets=5) as rig:
        answers = {}
        for host in ("mcp.msp.example", "mcp.msp.example:443", "evil.example"):
            async with rig.http(token, Host=host) as http:
                answer = await http.post(
                    "/mcp", json={}, headers={"Content-Type": "application/json"}
                )
            answers[host] = answer.status_code
        async with rig.http(token, Host="mcp.msp.example", Origin="https://evil.example") as http:
            foreign_origin = await http.post("/mcp", json={})
    assert answers["evil.example"] == 421
    assert answers["mcp.msp.example"] not in (421, 401, 403)
    assert answers["mcp.msp.example:443"] not in (421, 401, 403)
    assert foreign_origin.status_code == 403


def test_an_unreadable_tokens_file_stops_the_start_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match=f"The tokens file {path} cannot be read"):
        http_access(settings(tokens_file=path), local_url="http://127.0.0.1:8000")
