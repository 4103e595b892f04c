"""Starting the server for real: settings, the embedded sandbox, and the transports.

`cli.py` parses arguments and calls in here. stdout belongs to the MCP protocol under stdio,
so everything meant for a person goes to stderr.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import secrets
import sys
from collections.abc import Mapping
from typing import Literal

import httpx
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import SecretStr

from atera_mcp.config import Settings
from atera_mcp.domain.directory import Technician
from atera_mcp.sandbox import (
    SANDBOX_TECHNICIANS,
    SandboxConfig,
    TicketOrder,
    create_app,
    sandbox_transport,
)
from atera_mcp.server import build_server

SANDBOX_BASE_URL = "https://sandbox.atera.invalid/api/v3"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def say(message: str) -> None:
    """A line for the person running the server: always stderr, never the protocol stream."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def sandbox_settings(
    base: Settings, *, tickets: int, seed: int, order: TicketOrder = "newest"
) -> tuple[Settings, httpx.AsyncBaseTransport]:
    """Settings and an in-process transport for a freshly seeded sandbox account."""
    key = secrets.token_urlsafe(24)
    config = SandboxConfig(tickets=tickets, seed=seed, api_key=key, rpm=0, order=order)
    app = create_app(config)
    technicians = tuple(
        Technician(id=t.id, name=f"{t.first_name} {t.last_name}", email=t.email)
        for t in SANDBOX_TECHNICIANS
    )
    acting = technicians[0]
    settings = dataclasses.replace(
        base,
        api_key=SecretStr(key),
        base_url=SANDBOX_BASE_URL,
        auth="x-api-key",
        technicians=technicians,
        technician_id=base.technician_id or acting.id,
        technician_email=base.technician_email or acting.email,
        time_zone=None,
    )
    return settings, sandbox_transport(app)


def client_config(url: str) -> str:
    return json.dumps({"mcpServers": {"atera": {"type": "http", "url": url}}}, indent=2)


def serve(
    *,
    env: Mapping[str, str],
    sandbox: Literal["never", "always", "if-no-key"],
    transport: Literal["stdio", "http"],
    host: str,
    port: int,
    tickets: int = 300,
    seed: int = 1,
    order: TicketOrder = "newest",
) -> None:
    """Build the server from the environment and run it until interrupted."""
    settings = Settings.from_env(env)
    logging.basicConfig(
        level=settings.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if settings.log_level != "DEBUG":
        # One line per HTTP request is noise at INFO; DEBUG shows it.
        logging.getLogger("httpx").setLevel(logging.WARNING)
    http_transport: httpx.AsyncBaseTransport | None = None
    use_sandbox = sandbox == "always" or (sandbox == "if-no-key" and settings.api_key is None)
    if use_sandbox:
        settings, http_transport = sandbox_settings(
            settings, tickets=tickets, seed=seed, order=order
        )
        say("=" * 72)
        say("  SANDBOX MODE: serving a seeded demo Atera account, NOT your real data.")
        say(f"  {tickets} tickets, seed {seed}. Set ATERA_API_KEY to serve your account.")
        say("=" * 72)
    server = build_server(settings, transport=http_transport)
    if transport == "stdio":
        server.run("stdio")
        return
    url = f"http://{'[::1]' if host == '::1' else host}:{port}/mcp"
    say(f"atera-mcp {'(sandbox) ' if use_sandbox else ''}serving MCP at {url}")
    say("Client configuration to paste (Claude Code, VS Code, Cursor):")
    say(client_config(url))
    if host not in LOOPBACK:
        say(f"WARNING: listening on {host}, beyond this machine. Anyone who can reach it can act.")
    server.run(
        "streamable-http",
        host=host,
        port=port,
        transport_security=TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=[f"{h}:*" for h in ("127.0.0.1", "localhost", "[::1]")]
            + ([] if host in LOOPBACK else [f"{host}:*"]),
            allowed_origins=[f"http://{h}:*" for h in ("127.0.0.1", "localhost", "[::1]")],
        ),
    )
