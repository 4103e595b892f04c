"""The rate budget shared by the server processes of one machine, through a small SQLite file.

A technician often runs the server twice on one machine (the desktop app and the IDE each start
a stdio process) with one Atera key. Each keeping its own `RateBudget` would send 700 a minute
each; `FileBudget` keeps `RateBudget`'s promises (see ratelimit.py) across all of them without
Redis: at most `rpm` in any sliding minute plus the margin, background capped at `sync_rpm`,
interactive first, a 429's Retry-After pausing every process.

The `Schedule`'s state lives in one row of an SQLite file (by default next to the account's
index, named by the same fingerprint). Each step of acquiring reads the row, runs
`Schedule.take` and writes the row back inside one `BEGIN IMMEDIATE` transaction, so steps
from different processes never interleave. Times are the machine's monotonic clock, which
every process on it reads alike (Linux, macOS and Windows), so a slot one process reserved is
the same instant for the others. A row written at a later time than now was written before the
machine restarted (the clock began again) and is dropped.

When the file cannot be written within its busy timeout, nothing is sent: the step raises
`SharedStateUnavailable`, as the Redis budget does when Redis does not answer.

Libraries were considered: a lock file (`filelock`) around a JSON file is this transaction done
by hand, and the limiters with a file or SQLite backend (`pyrate-limiter`) count one window for
one class; neither holds interactive reservations that background work must yield to.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from pathlib import Path

import anyio

from atera_mcp.client.ratelimit import (
    DEFAULT_MARGIN,
    WINDOW_SECONDS,
    Clock,
    Schedule,
    SteppedBudget,
    default_burst,
    default_sync_rpm,
)
from atera_mcp.errors import SharedStateUnavailable

log = logging.getLogger(__name__)

BUSY_SECONDS = 5.0  # a step holds the file for well under a millisecond

_TABLE = "CREATE TABLE IF NOT EXISTS budget (id INTEGER PRIMARY KEY, written REAL, state TEXT)"


class FileBudget(SteppedBudget):
    """The account's budget, shared through the SQLite file at `path` by every process on
    this machine built alike. `clock` is injectable for tests (seconds, shared by every
    instance in the test); `margin` widens the counted minute as in `RateBudget`."""

    def __init__(
        self,
        path: Path,
        rpm: int,
        sync_rpm: int | None = None,
        *,
        burst: int | None = None,
        margin: float = DEFAULT_MARGIN,
        clock: Clock = time.monotonic,
    ) -> None:
        if margin < 0:
            raise ValueError("margin must not be negative")
        self.path = path
        self.rpm = rpm
        self.sync_rpm = sync_rpm if sync_rpm is not None else default_sync_rpm(rpm)
        self.burst = burst if burst is not None else default_burst(rpm)
        sync_burst = default_burst(self.sync_rpm) if burst is None else burst

        def schedule() -> Schedule:
            return Schedule(
                rpm,
                self.sync_rpm,
                burst=self.burst,
                sync_burst=sync_burst,
                window=WINDOW_SECONDS + margin,
            )

        schedule()  # the rates are checked now, not at the first request
        self._new_schedule = schedule
        self._clock = clock
        # One step at a time on the connection: on the event loop, or in a worker thread when
        # the file is busy (the thread waits for the lock; the loop never does).
        self._guard = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"FileBudget(rpm={self.rpm}, sync_rpm={self.sync_rpm}, burst={self.burst})"

    async def _step(self, op: str, value: float | None = None) -> tuple[float, float | None]:
        # Nearly always the file is free: one step takes a fraction of a millisecond, done
        # here. Opening the file, or waiting while another process holds it, is done in a
        # worker thread.
        if self._connection is not None and self._guard.acquire(blocking=False):
            try:
                return self._step_now(op, value, wait=False)
            except _Busy:
                pass
            finally:
                self._guard.release()
        return await anyio.to_thread.run_sync(self._waiting_step, op, value)

    def _waiting_step(self, op: str, value: float | None) -> tuple[float, float | None]:
        # SQLite answers "locked" at once, past its busy handler, in a few moments: while
        # another process turns a new file to WAL or recovers it. Those are tried again
        # (in this worker thread) until the busy timeout has passed.
        deadline = time.monotonic() + BUSY_SECONDS
        with self._guard:
            while True:
                try:
                    return self._step_now(op, value, wait=True)
                except _Busy as busy:
                    if time.monotonic() >= deadline:
                        cause = busy.__cause__
                        met = cause if isinstance(cause, Exception) else busy
                        raise _unavailable(met) from None
                time.sleep(0.01)

    def _step_now(self, op: str, value: float | None, *, wait: bool) -> tuple[float, float | None]:
        try:
            connection = self._connection or self._connect()
            if wait:
                connection.execute("BEGIN IMMEDIATE")  # SQLite waits up to its busy timeout
            elif not _begin_now(connection):
                raise _Busy
            try:
                answer = self._run(connection, op, value)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            return answer
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                raise _unavailable(exc) from None
            self._end_transaction()
            raise _Busy from exc
        except (OSError, sqlite3.Error) as exc:
            raise _unavailable(exc) from None

    def _end_transaction(self) -> None:
        """Roll back what a step that met a busy file left open, so the next step can begin."""
        if self._connection is not None and self._connection.in_transaction:
            self._connection.execute("ROLLBACK")

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            self.path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False
        )
        try:
            # A lost write (a power cut) costs nothing worth a disk flush on every request.
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute(_TABLE)
        except sqlite3.Error:
            connection.close()
            raise
        self._connection = connection
        return connection

    def close(self) -> None:
        """Close the file (the next step opens it again)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _run(
        self, connection: sqlite3.Connection, op: str, value: float | None
    ) -> tuple[float, float | None]:
        now = self._clock()
        schedule = self._new_schedule()
        row = connection.execute("SELECT written, state FROM budget WHERE id = 1").fetchone()
        if row is not None and row[0] <= now:
            schedule.load(json.loads(row[1]))
        if op == "pause_left":
            return max(0.0, schedule.paused_until - now), None
        answer: tuple[float, float | None] = (0.0, None)
        if op == "pause":
            schedule.pause_until(now + (value or 0.0))
        else:
            step = schedule.take("background" if op == "background" else "interactive", now, value)
            answer = (step.wait, step.reserved)
        connection.execute(
            "INSERT OR REPLACE INTO budget (id, written, state) VALUES (1, ?, ?)",
            (now, json.dumps(schedule.save())),
        )
        return answer


class _Busy(Exception):
    """Another process holds the file at this instant."""


def _begin_now(connection: sqlite3.Connection) -> bool:
    """Take the file's write lock if it is free now (never wait: the caller is the event loop)."""
    connection.execute("PRAGMA busy_timeout = 0")
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
            raise
        return False
    finally:
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
    return True


def _unavailable(exc: Exception) -> SharedStateUnavailable:
    log.warning("The rate budget file could not be used: %s", exc)
    return SharedStateUnavailable(
        "The rate budget this machine's server processes share (a file beside the ticket "
        "index) could not be used, so nothing was sent to Atera. Try again in a moment; if it "
        "persists, check that the file can be written."
    )
