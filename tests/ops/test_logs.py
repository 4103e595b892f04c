"""ATERA_LOG_FORMAT=json: every line on stderr is one JSON object (time, level, logger,
message, exception), the server's banner and uvicorn's own lines included; no credential and
no request body is written."""

from __future__ import annotations

import io
import json
import logging
import os
import selectors
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from atera_mcp.ops.logs import log_handler
from tests.ports import free_port


def _logged(handler: logging.Handler, emit: Any) -> list[dict[str, Any]]:
    logger = logging.getLogger("atera_mcp.test_json_logs")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    stream = getattr(handler, "stream")  # noqa: B009 (StreamHandler's, typed loosely)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_json_log_line_carries_time_level_logger_message_and_the_exception() -> None:
    def emit(logger: logging.Logger) -> None:
        logger.warning("two\nlines for %s", "Jane")
        try:
            raise ValueError("broken")
        except ValueError:
            logger.exception("it failed")

    first, second = _logged(log_handler("json", io.StringIO()), emit)
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["message"] == "two\nlines for Jane"
    assert first["level"] == "WARNING"
    assert first["logger"] == "atera_mcp.test_json_logs"
    assert first["time"].endswith("Z")
    when = datetime.fromisoformat(first["time"].replace("Z", "+00:00"))
    assert when.utcoffset() is not None
    assert when.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert second["message"] == "it failed"
    assert "ValueError: broken" in second["exception"]
    assert second["exception"].startswith("Traceback")


class StderrLines:
    """A child's stderr read line by line with a bounded wait: straight from the pipe (a
    buffered reader would hold lines that select() then never reports)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stderr is not None
        self.fd = process.stderr.fileno()
        self.pending = b""
        self.lines: list[str] = []

    def until(self, needle: str, seconds: float) -> None:
        """Read until a line holding `needle` has come (after those read before)."""
        start = len(self.lines)
        deadline = time.monotonic() + seconds
        with selectors.DefaultSelector() as selector:
            selector.register(self.fd, selectors.EVENT_READ)
            while not any(needle in line for line in self.lines[start:]):
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(timeout=left):
                    raise AssertionError(f"no line with {needle!r}:\n{''.join(self.lines)}")
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    raise AssertionError(f"stderr closed:\n{''.join(self.lines)}")
                self.pending += chunk
                *whole, self.pending = self.pending.split(b"\n")
                self.lines += [line.decode() + "\n" for line in whole]

    def rest(self, tail: bytes) -> None:
        self.lines += [line.decode() + "\n" for line in (self.pending + tail).splitlines()]


def test_serve_over_http_writes_only_json_lines_to_stderr_uvicorn_included(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATERA_")}
    env.update(
        XDG_CONFIG_HOME=str(tmp_path),
        ATERA_LOG_FORMAT="json",
        ATERA_LOG_LEVEL="INFO",
        ATERA_INDEX="off",
    )
    port = free_port()
    command = [sys.executable, "-m", "atera_mcp.cli", "serve", "--sandbox", "--tickets", "5"]
    command += ["--transport", "http", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stderr = StderrLines(process)
    try:
        stderr.until("Uvicorn running on", 60)
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as answer:
            assert json.load(answer) == {"status": "ok"}
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "find_customers", "arguments": {"query": "Body-Marker-42"}},
        }
        request = urllib.request.Request(
            f"{base}/mcp",
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json, text/event-stream",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200
            answer.read()
        stderr.until("POST /mcp", 30)  # uvicorn's access line
    finally:
        process.send_signal(signal.SIGTERM)
        out, rest = process.communicate(timeout=30)
    stderr.rest(rest)
    lines = stderr.lines
    entries = [json.loads(line) for line in lines if line.strip()]
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    loggers = {e["logger"] for e in entries}
    assert {"uvicorn.error", "uvicorn.access", "atera_mcp.launch"} <= loggers
    assert any("SANDBOX MODE" in e["message"] for e in entries)
    assert "Body-Marker-42" not in "".join(lines)
    assert out == b""
