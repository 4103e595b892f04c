"""`atera-mcp index sync|status`: output, progress when piped or on a terminal, exit codes."""

from __future__ import annotations

import io
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from atera_mcp import index_cli
from atera_mcp.cli import main
from atera_mcp.index.schema import SCHEMA_VERSION
from atera_mcp.index.store import IndexStore
from atera_mcp.sandbox import sandbox_state, sandbox_transport
from tests.contract.openapi_check import RecordingTransport
from tests.harness import API_KEY, BASE_URL, sandbox_app


def environment(path: Path) -> dict[str, str]:
    return {
        "ATERA_API_KEY": API_KEY,
        "ATERA_BASE_URL": BASE_URL,
        "ATERA_INDEX_PATH": str(path),
        "ATERA_RPM": "0",
    }


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_index_sync_piped_prints_plain_progress_lines_and_indexes_every_ticket(
    tmp_path: Path,
) -> None:
    app, path = sandbox_app(tickets=300), tmp_path / "i.sqlite3"
    out, err = io.StringIO(), io.StringIO()
    code = index_cli.sync(environment(path), out=out, err=err, transport=sandbox_transport(app))
    assert code == 0
    lines = err.getvalue().splitlines()
    assert lines[0] == "index sync: 1/6 pages (17%)"
    assert lines[-1] == "index sync: 6/6 pages (100%)"
    assert all(line.startswith("index sync: ") for line in lines)  # no bar, no escapes
    assert out.getvalue() == f"Indexed 300 tickets in {path}\n"
    store = IndexStore.open(path)
    try:
        assert store.ticket_ids() == set(sandbox_state(app).store.tickets)
    finally:
        store.close()


def test_index_sync_on_a_terminal_draws_a_progress_bar(tmp_path: Path) -> None:
    app, path = sandbox_app(tickets=120), tmp_path / "i.sqlite3"
    err = Terminal()
    code = index_cli.sync(
        environment(path), out=io.StringIO(), err=err, transport=sandbox_transport(app)
    )
    assert code == 0
    assert "Indexing" in err.getvalue()
    assert "3/3" in err.getvalue()
    assert "\r" in err.getvalue()  # redrawn in place


def test_index_sync_fails_with_exit_code_1_when_atera_refuses(tmp_path: Path) -> None:
    app, path = sandbox_app(tickets=20), tmp_path / "i.sqlite3"
    sandbox_state(app).faults.fail("GET", "/tickets", 401)
    err = io.StringIO()
    code = index_cli.sync(
        environment(path), out=io.StringIO(), err=err, transport=sandbox_transport(app)
    )
    assert code == 1
    assert "the sync stopped" in err.getvalue()
    assert "Run it again to resume" in err.getvalue()
    assert API_KEY not in err.getvalue()


def test_index_sync_leaves_the_work_to_a_process_already_syncing(tmp_path: Path) -> None:
    app, path = sandbox_app(tickets=20), tmp_path / "i.sqlite3"
    store = IndexStore.open(path)
    assert store.try_lease("a running server", datetime.now(UTC), 120)
    store.close()
    err = io.StringIO()
    code = index_cli.sync(
        environment(path), out=io.StringIO(), err=err, transport=sandbox_transport(app)
    )
    assert code == 1
    assert "another process is building" in err.getvalue()
    assert "run this again then and it resumes" in err.getvalue()


def test_index_sync_of_a_built_index_only_catches_up_with_the_feed(tmp_path: Path) -> None:
    app, path = sandbox_app(tickets=60), tmp_path / "i.sqlite3"
    env, transport = environment(path), RecordingTransport(sandbox_transport(app))
    assert index_cli.sync(env, out=io.StringIO(), err=io.StringIO(), transport=transport) == 0
    transport.records.clear()
    out = io.StringIO()
    assert index_cli.sync(env, out=out, err=io.StringIO(), transport=transport) == 0
    assert [e.request.url.path.rsplit("/", 1)[-1] for e in transport.records] == ["lastmodified"]
    assert out.getvalue() == f"Indexed 60 tickets in {path}\n"


def test_index_status_prints_tickets_phase_watermark_and_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app, path = sandbox_app(tickets=120), tmp_path / "i.sqlite3"
    index_cli.sync(
        environment(path), out=io.StringIO(), err=io.StringIO(), transport=sandbox_transport(app)
    )
    for name, value in environment(path).items():
        monkeypatch.setenv(name, value)
    assert main(["index", "status"]) == 0
    out = capsys.readouterr().out
    assert f"Index:           {path}" in out
    assert "Tickets:         120" in out
    assert "Phase:           ready" in out
    assert "Watermark:       20" in out  # an ISO time
    assert "Last refresh:    20" in out
    assert "KiB" in out or "MiB" in out
    assert API_KEY not in out


def test_index_status_without_an_index_says_how_to_build_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in environment(tmp_path / "none.sqlite3").items():
        monkeypatch.setenv(name, value)
    assert main(["index", "status"]) == 1
    assert "atera-mcp index sync" in capsys.readouterr().out
    assert not (tmp_path / "none.sqlite3").exists()


def test_index_commands_refuse_when_the_index_is_off(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ATERA_API_KEY", API_KEY)
    monkeypatch.setenv("ATERA_INDEX", "off")
    assert main(["index", "sync"]) == 2
    assert main(["index", "status"]) == 2
    assert "ATERA_INDEX is off" in capsys.readouterr().err


def test_index_sync_rejects_a_negative_rpm(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["index", "sync", "--rpm", "-5"])
    assert exit.value.code == 2
    assert "--rpm" in capsys.readouterr().err


def test_index_status_reports_another_schema_version_and_leaves_the_file_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "i.sqlite3"
    IndexStore.open(path).close()
    with sqlite3.connect(path) as conn:  # written by an older atera-mcp
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    content = path.read_bytes()
    for name, value in environment(path).items():
        monkeypatch.setenv(name, value)
    assert main(["index", "status"]) == 1
    assert f"schema version 1, not {SCHEMA_VERSION}" in capsys.readouterr().out
    assert path.read_bytes() == content
    assert not list(tmp_path.glob("*.old"))


def test_index_status_of_a_file_that_is_not_a_database_says_so_and_moves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "i.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    for name, value in environment(path).items():
        monkeypatch.setenv(name, value)
    assert main(["index", "status"]) == 1
    assert "cannot be read: file is not a database" in capsys.readouterr().out
    assert path.read_bytes() == b"this is not a database" * 100
    assert not list(tmp_path.glob("*.old"))


def test_index_sync_of_a_file_it_cannot_open_now_prints_one_line_and_exits_1(
    tmp_path: Path,
) -> None:
    app, path = sandbox_app(tickets=20), tmp_path / "i.sqlite3"
    IndexStore.open(path).close()
    os.mkdir(f"{path}-wal")  # SQLite cannot open the write-ahead log: an I/O error
    err = io.StringIO()
    code = index_cli.sync(
        environment(path), out=io.StringIO(), err=err, transport=sandbox_transport(app)
    )
    assert code == 1
    assert err.getvalue().count("\n") == 1
    assert "cannot be used now: unable to open database file" in err.getvalue()
