"""Logging to stderr: plain lines by default, one JSON object a line with ATERA_LOG_FORMAT=json
(for log collectors: Loki, CloudWatch, journald's JSON view).

Every line comes through the root logger's one handler; uvicorn's loggers propagate to it when
uvicorn is started with `log_config=None` (launch.py does so in JSON mode). What is logged is
the same in both formats: the project never logs a credential or a request body.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

from atera_mcp.config import LogFormat, LogLevel

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message"}`, plus `exception` (the traceback) when the
    record carries one and `stack` when it asked for one. Time is ISO-8601 UTC, milliseconds."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, str] = {
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def json_error(logger: str, message: str) -> str:
    """`message` as the JSON line an ERROR record of `logger` would be: for what is said
    before logging is set up, such as a refusal to start (cli.py)."""
    record = logging.LogRecord(logger, logging.ERROR, __file__, 0, message, None, None)
    return JsonFormatter().format(record)


def log_handler(log_format: LogFormat, stream: TextIO | None = None) -> logging.Handler:
    """A stderr handler in the chosen format."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    return handler


def configure_logging(
    level: LogLevel, log_format: LogFormat, stream: TextIO | None = None
) -> logging.Handler:
    """Make the root logger write `level` and above to stderr in `log_format`, replacing any
    handler it had; returns the handler (launch.py formats its banner with it)."""
    handler = log_handler(log_format, stream)
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    if level != "DEBUG":
        # One line per HTTP request is noise at INFO; DEBUG shows it.
        logging.getLogger("httpx").setLevel(logging.WARNING)
    return handler
