"""`atera-mcp index sync|status`: the index's first sync from the command line, and its state.

`cli.py` parses the arguments and calls in here. Progress goes to stderr: a tqdm bar on a
terminal, a plain line every tenth of the way when piped (a log file has no use for a bar).
Exit codes: 0 done, 1 not done (Atera failed, another process is syncing, no index yet, the
file busy or unreadable), 2 a bad setting.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Never, TextIO

import anyio
import httpx
from tqdm import tqdm

from atera_mcp.client import AteraClient
from atera_mcp.config import Settings
from atera_mcp.errors import AteraError, ConfigError
from atera_mcp.index.backend import SchemaMismatch, SyncState
from atera_mcp.index.postgres import PostgresStore
from atera_mcp.index.service import (
    LEASE_SECONDS,
    IndexBusy,
    Location,
    TicketIndex,
    describe,
    index_location,
    open_failures,
    open_statuses,
    open_store,
)
from atera_mcp.index.store import IndexStore
from atera_mcp.index.sync import percent_synced
from atera_mcp.shared.file_budget import FileBudget


class SyncProgress:
    """Reports the first sync's pages as they are read."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._bar: tqdm[Never] | None = None  # a bar over no iterable
        self._tty = stream.isatty()
        self._tenths = -1

    def update(self, state: SyncState) -> None:
        done, total = len(state.pages_done), state.pages_total
        if state.phase == "ready":
            done = total
        if self._tty:
            bar = self._bar
            if bar is None:
                bar = self._bar = tqdm(total=total, unit="page", desc="Indexing", file=self.stream)
            bar.total = total
            bar.update(done - bar.n)  # by steps, so the rate it shows is right
            return
        tenths = int(percent_synced(state) // 10)
        if tenths > self._tenths:
            self._tenths = tenths
            percent = percent_synced(state)
            self.stream.write(f"index sync: {done}/{total} pages ({percent:.0f}%)\n")
            self.stream.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


# Busy past the timeout, unreachable, an I/O error: the index is left as it is.
_NOT_NOW = (*IndexStore.transient, *PostgresStore.transient)


def _location(settings: Settings) -> Location:
    """The account's index: its PostgreSQL schema (ATERA_DATABASE_URL) or its SQLite file."""
    where = index_location(settings)
    if where is not None:
        return where
    if not settings.index_enabled:
        raise ConfigError("ATERA_INDEX is off, so there is no index; set ATERA_INDEX=on.")
    raise ConfigError(
        "ATERA_API_KEY is not set, so the index file cannot be named; set it (or set "
        "ATERA_INDEX_PATH to the index file)."
    )


def sync(
    env: Mapping[str, str],
    *,
    rpm: int | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Run the first sync to its end (resuming a killed one); returns the exit code."""
    out, err = out or sys.stdout, err or sys.stderr
    settings = Settings.from_env(env)
    where = _location(settings)
    if settings.api_key is None:
        raise ConfigError("ATERA_API_KEY is not set. Set it to your Atera API key.")
    key = settings.api_key.get_secret_value()

    budget = None
    if rpm is None and settings.rpm > 0 and settings.budget_path is not None:
        # Shared with the servers running on this machine for the same account.
        budget = FileBudget(settings.budget_path, settings.rpm, settings.sync_rpm)

    async def run() -> int:
        async with AteraClient(
            api_key=key,
            base_url=settings.base_url,
            auth=settings.auth,
            # The sync's requests are background work: by default its share of ATERA_RPM
            # (ATERA_SYNC_RPM); --rpm N gives this explicit sync a budget of its own.
            rpm=settings.rpm if rpm is None else rpm,
            sync_rpm=settings.sync_rpm if rpm is None else (rpm or None),
            timeout=settings.timeout,
            connect_timeout=settings.connect_timeout,
            max_retry_seconds=settings.max_retry_seconds,
            transport=transport,
            rate_budget=budget,
        ) as atera:
            index = await TicketIndex.open(where, atera, open_statuses=open_statuses(settings))
            progress = SyncProgress(err)
            try:
                progress.update(await index.first_sync(progress.update))
                count = await index.run(lambda s: s.count())
            except IndexBusy:
                err.write(_busy(where))
                return 1
            except AteraError as exc:
                err.write(f"atera-mcp: the sync stopped: {exc} Run it again to resume.\n")
                return 1
            finally:
                progress.close()
                # Ctrl-C cancels the sync: still give the lease up, so a rerun resumes at once.
                with anyio.CancelScope(shield=True):
                    await index.close()
                if budget is not None:
                    budget.close()
        out.write(f"Indexed {count:,} tickets in {describe(where)}\n")
        return 0

    try:
        return anyio.run(run)
    except _NOT_NOW as exc:
        err.write(
            f"atera-mcp: the index at {describe(where)} cannot be used now: {exc}. Run it again.\n"
        )
        return 1


def _busy(where: Location) -> str:
    if isinstance(where, Path):
        return (
            f"atera-mcp: another process is building {where}: a running server (it "
            "will finish the job), or a sync that was killed (its claim runs out "
            f"{LEASE_SECONDS / 60:.0f} minutes after it stopped; run this again then "
            "and it resumes).\n"
        )
    # PostgreSQL frees the lock the moment its holder's connection ends.
    return (
        f"atera-mcp: another process is building the index in {describe(where)}: a running "
        "server, which will finish the job. Run this again once it has stopped.\n"
    )


def status(env: Mapping[str, str], *, out: TextIO | None = None) -> int:
    """Print where the index stands; returns the exit code (1: no index file yet)."""
    out = out or sys.stdout
    settings = Settings.from_env(env)
    where = _location(settings)
    place = describe(where)
    missing = f"No index at {place} yet. Run `atera-mcp index sync`, or start the server.\n"
    if isinstance(where, Path) and not where.exists():
        out.write(missing)
        return 1
    try:
        # Read-only: a status check never rebuilds or moves an index a server may be using.
        store = open_store(where, read_only=True)
    except SchemaMismatch as exc:
        if exc.version is None and not isinstance(where, Path):
            out.write(missing)
            return 1
        what = "is empty" if exc.version is None else f"has {exc}"
        out.write(
            f"The index at {place} {what}; the server rebuilds it when it starts (or run "
            "`atera-mcp index sync`).\n"
        )
        return 1
    except open_failures(where) as exc:
        out.write(f"The index at {place} cannot be read: {exc}.\n")
        return 1
    try:
        state, count, size = store.load_state(), store.count(), store.size()
    finally:
        store.close()
    phase = state.phase
    if phase == "sweeping":
        phase += f" ({percent_synced(state):.0f}% of {state.pages_total} pages read)"
    rows = [
        ("Index", place),
        ("Size", _size(size)),
        ("Tickets", f"{count:,}"),
        ("Phase", phase),
        ("Watermark", _when(state.watermark)),
        ("Last refresh", _when(state.last_delta_at)),
        ("Last full sweep", _when(state.last_full_sweep_at)),
    ]
    for label, value in rows:
        out.write(f"{label + ':':<17}{value}\n")
    return 0


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z") if value else "never"


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"
