"""The audit log: one JSON line per write attempt, at ATERA_AUDIT_LOG.

Each line says when, which technician (and through which credential), which tool and ticket,
and how it ended: `ok`, `refused` (with the error class), `error` (a bug), plus what the
result's own `audit()` reports (Atera's ActionID, the result's outcome). Arguments appear as ids
and flags; free text (titles, comments, descriptions, emails) only as its length. Never a
credential.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from atera_mcp.auth.identity import Caller

log = logging.getLogger(__name__)

Outcome = str  # "ok" | "refused" | "error"


def describe_arguments(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """Ids, numbers and flags as given; text as `{"length": n}`; lists of ids as lists."""
    shown: dict[str, Any] = {}
    for name, value in arguments.items():
        if value is None:
            continue
        if isinstance(value, bool | int | float):
            shown[name] = value
        elif isinstance(value, str):
            shown[name] = {"length": len(value)}
        elif isinstance(value, list | tuple) and all(isinstance(v, int) for v in value):
            shown[name] = list(value)
        else:
            shown[name] = {"type": type(value).__name__}
    return shown


def _id_or_none(value: Any) -> int | None:
    """An id as given when it is one; None otherwise. Arguments that failed validation are raw
    (`ticket_id="<customer text>"`), and free text must not reach the log."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class AuditLog:
    """Appends entries to a file (created 0600); one line per write, written whole.

    `technician_id` is who acts when there is no authenticated caller (ATERA_TECHNICIAN_ID).
    """

    def __init__(
        self, path: Path, clock: Callable[[], datetime], technician_id: int | None = None
    ) -> None:
        self.path = path
        self.clock = clock
        self.technician_id = technician_id
        self._lock = anyio.Lock()

    async def record(
        self,
        *,
        tool: str,
        caller: Caller | None,
        arguments: Mapping[str, Any],
        outcome: Outcome,
        error: str | None = None,
        result: Mapping[str, object] | None = None,
    ) -> None:
        who = {
            "time": self.clock().isoformat(),
            "technician_id": caller.technician_id if caller else self.technician_id,
            "caller": caller.label if caller else None,
        }
        entry: dict[str, Any] = {
            "tool": tool,
            "ticket_id": _id_or_none(arguments.get("ticket_id")),
            "outcome": outcome,
            "error": error,
            "arguments": describe_arguments(arguments),
        }
        # The result's own view (ActionID, its outcome, a new ticket's id) overrides ours; who
        # acted and when is never the result's to say.
        entry = {**who, **entry, **(result or {}), **who}
        line = json.dumps(entry, default=str, separators=(",", ":")) + "\n"
        try:
            async with self._lock:
                await anyio.to_thread.run_sync(self._append, line)
        except OSError as exc:
            # The write's answer must not change because the log could not be written.
            log.error("could not write the audit log %s: %s", self.path, exc)

    def _append(self, line: str) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line)
