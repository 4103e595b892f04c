"""The command line: clear refusals with no key or a bad setting, and a quiet stdout."""

import json
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


def test_with_json_logs_a_refusal_to_start_is_one_json_line() -> None:
    for bad in ({"ATERA_TOOLS": "get_ticket,delete_everything"}, {"ATERA_RPM": "fast"}):
        env = {"ATERA_API_KEY": "k", "ATERA_LOG_FORMAT": "json", **bad}
        done = _run("serve", "--transport", "http", env=env)
        assert done.returncode == 2
        (line,) = done.stderr.splitlines()
        entry = json.loads(line)
        assert entry["level"] == "ERROR"
        assert entry["message"].startswith(("ATERA_TOOLS names", "ATERA_RPM must be"))
        assert done.stdout == ""
