"""Bearer tokens for the shared HTTP server: one per technician (or per laptop).

A token is 32 random bytes, shown once when it is made; the tokens file keeps only its
SHA-256, so the file alone lets nobody in. The file is re-read whenever it changes, so a
revoked token stops working on the next request, without a restart. `token add` and `revoke`
hold a lock beside the file (`.tokens.json.lock`) from reading it to replacing it, so two
commands at once both land. A file deleted while the server runs leaves the last tokens it
read in force (a server that required tokens never becomes open), and says so in the log.

    {"tokens": [{"id": "3f9a1c2b", "name": "Jane's laptop", "technician_id": 12345,
                 "read_only": false, "tools": null, "created": "2026-11-29T06:00:00+00:00",
                 "sha256": "<hex>"}]}
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from atera_mcp.auth.identity import Caller, CallerToken
from atera_mcp.errors import ConfigError

log = logging.getLogger(__name__)

TOKEN_PREFIX = "atm_"  # makes a leaked token recognisable to secret scanners and people


@dataclass(frozen=True)
class TokenRecord:
    id: str
    name: str
    technician_id: int
    read_only: bool
    tools: tuple[str, ...] | None
    created: str
    sha256: str

    def caller(self) -> Caller:
        tools = frozenset(self.tools) if self.tools is not None else None
        return Caller(self.technician_id, f"token {self.id}", self.read_only, tools)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenFile:
    """The tokens file: read on change, written atomically with mode 0600."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int, int] | None = None
        self._records: tuple[TokenRecord, ...] = ()

    def records(self) -> tuple[TokenRecord, ...]:
        """The current tokens; re-read when the file's identity, size or mtime changed."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            if self._seen is not None:
                log.warning(
                    "The tokens file %s was deleted; the %d tokens last read from it stay in "
                    "force until it is written again (`atera-mcp token add`).",
                    self.path,
                    len(self._records),
                )
                self._seen = None
            return self._records
        seen = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if seen != self._seen:
            self._records = self._read()
            self._seen = seen
        return self._records

    @contextlib.contextmanager
    def _locked(self) -> Iterator[tuple[TokenRecord, ...]]:
        """Hold the lock beside the file; yields its tokens as they are on disk now."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = self.path.with_name(f".{self.path.name}.lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released when fd closes, even if this process dies
            self._seen = None  # read afresh: another command may have written it a moment ago
            yield self.records() if self.path.exists() else ()
        finally:
            os.close(fd)

    def find(self, token: str) -> TokenRecord | None:
        """The record whose hash matches `token`; every hash is compared in constant time."""
        digest = _digest(token)
        found = None
        for record in self.records():
            if hmac.compare_digest(record.sha256, digest):
                found = record
        return found

    def add(
        self,
        *,
        technician_id: int,
        name: str,
        read_only: bool,
        tools: tuple[str, ...] | None,
        now: datetime,
    ) -> tuple[str, TokenRecord]:
        """Make a token; returns it (to show once) and the record stored for it."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._locked() as existing:
            ident = secrets.token_hex(4)
            while any(r.id == ident for r in existing):
                ident = secrets.token_hex(4)
            record = TokenRecord(
                id=ident,
                name=name,
                technician_id=technician_id,
                read_only=read_only,
                tools=tools,
                created=now.isoformat(timespec="seconds"),
                sha256=_digest(token),
            )
            self._write((*existing, record))
        return token, record

    def revoke(self, ident: str) -> TokenRecord:
        """Remove the token with id `ident`; a ConfigError lists the ids when there is none."""
        with self._locked() as existing:
            match = next((r for r in existing if r.id == ident), None)
            if match is None:
                known = ", ".join(r.id for r in existing) or "none"
                raise ConfigError(f"No token has the id '{ident}'. Token ids: {known}.")
            self._write(tuple(r for r in existing if r.id != ident))
        return match

    def _read(self) -> tuple[TokenRecord, ...]:
        try:
            data: Any = json.loads(self.path.read_text(encoding="utf-8"))
            return tuple(_record(item) for item in data["tokens"])
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ConfigError(
                f"The tokens file {self.path} cannot be read ({type(exc).__name__}). Fix or "
                "delete it, then add tokens again with `atera-mcp token add`."
            ) from None

    def _write(self, records: tuple[TokenRecord, ...]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        body = json.dumps({"tokens": [asdict(r) for r in records]}, indent=1) + "\n"
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}")
        # Created 0600 from the start: the hashes are not secrets, but the file says who may act.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)  # readers see the old file or the new, never half
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
            raise


def _record(item: Any) -> TokenRecord:
    tools = item.get("tools")
    return TokenRecord(
        id=str(item["id"]),
        name=str(item.get("name") or ""),
        technician_id=int(item["technician_id"]),
        read_only=bool(item.get("read_only", False)),
        tools=tuple(str(t) for t in tools) if tools is not None else None,
        created=str(item.get("created") or ""),
        sha256=str(item["sha256"]),
    )


class BearerTokenVerifier:
    """The SDK's TokenVerifier over the tokens file."""

    def __init__(self, tokens: TokenFile, *, scopes: tuple[str, ...] = ()) -> None:
        self.tokens = tokens
        self.scopes = list(scopes)  # an admin-made token carries whatever the server requires

    async def verify_token(self, token: str) -> CallerToken | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        # A stat per request (microseconds) is what lets revocation work without a restart.
        try:
            record = self.tokens.find(token)
        except ConfigError as exc:
            log.error("refusing every bearer token: %s", exc)  # fail closed until it is fixed
            return None
        if record is None:
            return None
        return CallerToken(
            token=f"token {record.id}",  # the SDK keeps this; the secret itself stays out
            client_id=f"token-{record.id}",
            scopes=self.scopes,
            subject=f"technician-{record.technician_id}",
            caller=record.caller(),
        )
