"""The tokens file: only hashes on disk, mode 0600, and `token list` never shows a secret."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from atera_mcp.auth.commands import add_token, describe_tokens, revoke_token
from atera_mcp.auth.identity import CallerToken
from atera_mcp.auth.tokens import TOKEN_PREFIX, BearerTokenVerifier, TokenFile
from atera_mcp.errors import ConfigError
from atera_mcp.tools import tool_names

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def _add(path: Path, technician: int = 12345, **limits: object) -> str:
    token, _ = add_token(
        path,
        technician_id=technician,
        name=str(limits.get("name", "Jane's laptop")),
        read_only=bool(limits.get("read_only", False)),
        tools=limits.get("tools"),  # type: ignore[arg-type]
        known_tools=tool_names(),
    )
    return token


def test_a_new_token_is_random_and_only_its_hash_is_stored_in_a_0600_file(tmp_path: Path) -> None:
    path = tmp_path / "config" / "tokens.json"
    first, second = _add(path), _add(path)
    assert first != second
    assert first.startswith(TOKEN_PREFIX)
    assert len(first) > 40
    stored = path.read_text()
    assert first not in stored
    assert hashlib.sha256(first.encode()).hexdigest() in stored
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    leftovers = {p.name for p in path.parent.iterdir()} - {"tokens.json", ".tokens.json.lock"}
    assert not leftovers  # no temp files


def test_token_list_shows_ids_names_and_limits_but_never_a_token_or_hash(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = _add(path, read_only=True, tools=["get_ticket", "search_tickets"])
    record = TokenFile(path).records()[0]
    listing = describe_tokens(path)
    assert record.id in listing
    assert "Jane's laptop" in listing
    assert "12345" in listing
    assert "read-only (get_ticket,search_tickets)" in listing
    assert token not in listing
    assert token[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + 6] not in listing
    assert record.sha256[:6] not in listing


def test_an_empty_tokens_file_says_how_to_add_one(tmp_path: Path) -> None:
    assert "atera-mcp token add" in describe_tokens(tmp_path / "tokens.json")


def test_an_unknown_tool_or_bad_technician_is_refused_naming_what_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    with pytest.raises(ConfigError, match=r"unknown tools: delete_everything\. Valid tools: "):
        _add(path, tools=["get_ticket", "delete_everything"])
    with pytest.raises(ConfigError, match="--technician must be"):
        _add(path, technician=0)
    assert not path.exists()


def test_revoking_an_unknown_id_lists_the_ids(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    _add(path)
    ident = TokenFile(path).records()[0].id
    with pytest.raises(ConfigError, match=f"Token ids: {ident}"):
        revoke_token(path, "nope")
    assert revoke_token(path, ident).id == ident
    assert TokenFile(path).records() == ()


@pytest.mark.anyio
async def test_the_verifier_knows_the_technician_and_limits_of_a_token(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = _add(path, technician=777, read_only=True, tools=["get_ticket"])
    verifier = BearerTokenVerifier(TokenFile(path))
    found = await verifier.verify_token(token)
    assert isinstance(found, CallerToken)
    assert found.caller.technician_id == 777
    assert found.caller.read_only
    assert found.caller.tools == frozenset({"get_ticket"})
    assert token not in found.model_dump_json()  # the secret is not kept with the request
    assert await verifier.verify_token(token[:-1]) is None
    assert await verifier.verify_token("") is None


@pytest.mark.anyio
async def test_a_corrupt_tokens_file_refuses_every_token(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = _add(path)
    verifier = BearerTokenVerifier(TokenFile(path))
    assert await verifier.verify_token(token) is not None
    path.write_text("{not json")
    assert await verifier.verify_token(token) is None


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATERA_")}
    env["XDG_CONFIG_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "atera_mcp.cli", "token", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_token_commands_print_the_token_once_on_stdout_and_the_rest_on_stderr(
    tmp_path: Path,
) -> None:
    added = _cli("add", "--technician", "12345", "--name", "Jane's laptop", home=tmp_path)
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip()
    assert token.startswith(TOKEN_PREFIX)
    assert "shown only this once" in added.stderr
    path = tmp_path / "atera-mcp" / "tokens.json"
    assert path.exists()
    listed = _cli("list", home=tmp_path)
    assert "Jane's laptop" in listed.stdout
    assert token not in listed.stdout + listed.stderr
    ident = TokenFile(path).records()[0].id
    revoked = _cli("revoke", ident, home=tmp_path)
    assert revoked.returncode == 0
    assert TokenFile(path).records() == ()
    bad = _cli("add", "--technician", "12", "--tools", "nope", home=tmp_path)
    assert bad.returncode == 2
    assert "Valid tools" in bad.stderr


ADD_IN_A_LOOP = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from atera_mcp.auth.tokens import TokenFile
for n in range(int(sys.argv[2])):
    TokenFile(Path(sys.argv[1])).add(
        technician_id=12345, name=f"{sys.argv[3]}-{n}", read_only=False, tools=None,
        now=datetime.now(UTC),
    )
"""


def test_token_adds_from_parallel_processes_all_land(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    processes, each = 5, 10
    running = [
        subprocess.Popen([sys.executable, "-c", ADD_IN_A_LOOP, str(path), str(each), f"p{i}"])
        for i in range(processes)
    ]
    assert [p.wait(timeout=120) for p in running] == [0] * processes
    names = sorted(r.name for r in TokenFile(path).records())
    assert names == sorted(f"p{i}-{n}" for i in range(processes) for n in range(each))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert {p.name for p in tmp_path.iterdir()} == {"tokens.json", ".tokens.json.lock"}
