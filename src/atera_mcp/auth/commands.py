"""`atera-mcp token add | list | revoke`: the bodies behind the command line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from atera_mcp.auth.tokens import TokenFile, TokenRecord
from atera_mcp.errors import ConfigError


def add_token(
    path: Path,
    *,
    technician_id: int,
    name: str,
    read_only: bool,
    tools: Sequence[str] | None,
    known_tools: Sequence[str],
) -> tuple[str, TokenRecord]:
    """Make and store a token; returns the token (to print once) and its record."""
    if technician_id < 1:
        raise ConfigError(
            f"--technician must be an Atera technician id, 1 or more (got {technician_id})."
        )
    if tools is not None:
        unknown = sorted(set(tools) - set(known_tools))
        if unknown or not tools:
            raise ConfigError(
                f"--tools names unknown tools: {', '.join(unknown) or '(none given)'}. "
                f"Valid tools: {', '.join(known_tools)}."
            )
    return TokenFile(path).add(
        technician_id=technician_id,
        name=name,
        read_only=read_only,
        tools=tuple(tools) if tools is not None else None,
        now=datetime.now(UTC),
    )


def describe_tokens(path: Path) -> str:
    """A table of the tokens: id, name, technician, limits, created. Never a hash or a token."""
    records = TokenFile(path).records()
    if not records:
        return f"No tokens in {path}. Add one with `atera-mcp token add --technician ID`."
    rows = [("ID", "TECHNICIAN", "ACCESS", "CREATED", "NAME")]
    for r in records:
        access = "read-only" if r.read_only else "read-write"
        if r.tools is not None:
            access += f" ({','.join(r.tools)})"
        rows.append((r.id, str(r.technician_id), access, r.created, r.name))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + "  "
        + row[4]
        for row in rows
    )


def revoke_token(path: Path, ident: str) -> TokenRecord:
    return TokenFile(path).revoke(ident)
