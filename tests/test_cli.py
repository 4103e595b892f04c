"""The command line: clear refusals with no key or a bad setting, and a quiet stdout."""

import os
import subprocess
import sys


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ATERA_")}
    return subprocess.run(
        [sys.executable, "-m", "atera_mcp.cli", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_serve_without_a_key_or_sandbox_exits_non_zero_and_says_what_to_do() -> None:
    done = _run("serve", env={})
    assert done.returncode == 2
    assert "ATERA_API_KEY is not set" in done.stderr
    assert "--sandbox" in done.stderr
    assert done.stdout == ""


def test_a_bad_setting_is_named_at_start() -> None:
    done = _run("serve", env={"ATERA_API_KEY": "k", "ATERA_RPM": "fast"})
    assert done.returncode == 2
    assert "ATERA_RPM must be a whole number" in done.stderr
    assert done.stdout == ""


def test_an_unknown_tool_in_the_allow_list_is_refused_at_start() -> None:
    done = _run("serve", env={"ATERA_API_KEY": "k", "ATERA_TOOLS": "get_ticket,delete_everything"})
    assert done.returncode == 2
    assert "delete_everything" in done.stderr
