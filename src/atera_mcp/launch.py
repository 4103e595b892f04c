"""Starting the server for real: settings, the embedded sandbox, and the transports.

`cli.py` parses arguments and calls in here. stdout belongs to the MCP protocol under stdio,
so everything meant for a person goes to stderr (as JSON lines with ATERA_LOG_FORMAT=json).

Streamable HTTP is always stateless: each request is served on its own, with no session kept
between requests, so any replica behind a load balancer answers any request (no sticky
sessions). What a session would have carried lives elsewhere: the caller's identity in each
request's bearer token, the index and the rate budget in the shared stores. The answers stay
SSE streams (not `json_response`) so progress notifications still reach the client.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import json
import logging
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import httpx
import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import SecretStr
from starlette.applications import Starlette
from uvicorn.config import LOGGING_CONFIG

from atera_mcp.config import Settings
from atera_mcp.domain.directory import Technician
from atera_mcp.errors import ConfigError
from atera_mcp.ops import configure_logging
from atera_mcp.server import build_server
from atera_mcp.tools.context import ToolContext

# The sandbox, and the HTTP server's access rules (OAuth: PyJWT), are imported when used: a
# stdio server on a real account starts without either.
if TYPE_CHECKING:
    from atera_mcp.auth.access import HttpAccess
    from atera_mcp.sandbox import TicketOrder

SANDBOX_BASE_URL = "https://sandbox.atera.invalid/api/v3"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def announce(message: str, handler: logging.Handler | None = None) -> None:
    """A message for the person running the server: always stderr, never the protocol stream.
    Through `handler` (JSON logs) it is one log record, shown whatever the log level."""
    if handler is None:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
        return
    handler.handle(logging.LogRecord(__name__, logging.INFO, __file__, 0, message, None, None))


def sandbox_settings(
    base: Settings, *, tickets: int, seed: int, order: TicketOrder = "newest"
) -> tuple[Settings, httpx.AsyncBaseTransport]:
    """Settings and an in-process transport for a freshly seeded sandbox account."""
    from atera_mcp.sandbox import SANDBOX_TECHNICIANS, SandboxConfig, create_app, sandbox_transport

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


@contextlib.contextmanager
def sandbox_index(settings: Settings) -> Iterator[Settings]:
    """The sandbox's index lives in a temporary file removed at exit: its account is seeded
    anew at every start, so yesterday's index would describe tickets that never existed."""
    if not settings.index_enabled:  # ATERA_INDEX=off
        yield settings
        return
    folder = tempfile.mkdtemp(prefix="atera-mcp-sandbox-")
    try:
        yield dataclasses.replace(settings, index_path=Path(folder) / "index.sqlite3")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def exit_on_sigterm() -> None:
    """Let SIGTERM end the process as Ctrl-C does, through `finally` blocks and atexit (so
    the sandbox's temporary index is removed). Uvicorn shuts down gracefully on SIGTERM and
    then raises it again, which without this would kill the process on the spot."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def client_config(url: str, *, token: bool = False) -> str:
    entry: dict[str, object] = {"type": "http", "url": url}
    if token:
        entry["headers"] = {"Authorization": "Bearer <your token from `atera-mcp token add`>"}
    return json.dumps({"mcpServers": {"atera": entry}}, indent=2)


def _is_loopback(host: str) -> bool:
    """`127.0.0.1`, `localhost:8000`, `::1`, `[::1]:8000`: this machine only."""
    if host.startswith("["):
        name = host[1:].split("]")[0]
    else:
        name = host.split(":")[0] if host.count(":") == 1 else host
    return name in LOOPBACK


def _with_ports(host: str) -> list[str]:
    """`name` may come with any port; `name:port` only as written (`[::1]` is a bare name)."""
    has_port = host.rsplit("]", 1)[-1].count(":") == 1
    return [host] if has_port else [host, f"{host}:*"]


def transport_security(allowed_hosts: tuple[str, ...]) -> TransportSecuritySettings:
    """DNS-rebinding and Origin checks: loopback plus the names in ATERA_ALLOWED_HOSTS."""
    hosts = [
        h for host in ("127.0.0.1", "localhost", "[::1]", *allowed_hosts) for h in _with_ports(host)
    ]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=hosts,
        allowed_origins=[f"{scheme}://{h}" for h in hosts for scheme in ("http", "https")],
    )


def check_exposure(
    host: str, settings: Settings, access: HttpAccess | None, *, allow_unauthenticated: bool
) -> None:
    """Refuse (ConfigError) to serve beyond this machine without knowing who calls."""
    if not _is_loopback(host) and not settings.allowed_hosts:
        raise ConfigError(
            f"--host {host} listens beyond this machine, and clients reaching it by name would "
            "be refused (DNS-rebinding protection). Set ATERA_ALLOWED_HOSTS to the names they "
            "use, e.g. ATERA_ALLOWED_HOSTS=mcp.msp.example."
        )
    exposed = not _is_loopback(host) or any(not _is_loopback(h) for h in settings.allowed_hosts)
    # A tokens file that does not exist yet guards nothing until it does.
    unguarded = access is None or access.open_now()
    if exposed and unguarded and not allow_unauthenticated:
        raise ConfigError(
            f"Refusing to serve {host} (reachable beyond this machine) without authentication: "
            "anyone who reaches it would act with your Atera key. Add a token with "
            "`atera-mcp token add --technician ID`, or configure ATERA_OAUTH_ISSUER, "
            "ATERA_OAUTH_AUDIENCE and ATERA_OAUTH_JWKS_URL. To serve it open anyway, pass "
            "--allow-unauthenticated."
        )


def http_app(
    server: MCPServer[ToolContext], settings: Settings, access: HttpAccess | None
) -> Starlette:
    """The streamable-HTTP ASGI app: the SDK's, stateless, with the access gate when there is
    one; /healthz, /readyz and /metrics ride beside /mcp as its custom routes (see ops/)."""
    app = server.streamable_http_app(
        stateless_http=True, transport_security=transport_security(settings.allowed_hosts)
    )
    return access.guard(app) if access is not None else app


def stdio_server(
    settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> MCPServer[ToolContext]:
    """The server a stdio run serves: no /metrics there, so no Prometheus instruments."""
    return build_server(settings, transport=transport, metrics=False)


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
    allow_unauthenticated: bool = False,
) -> None:
    """Build the server from the environment and run it until interrupted."""
    settings = Settings.from_env(env)
    handler = configure_logging(settings.log_level, settings.log_format)
    as_json = settings.log_format == "json"
    if as_json:
        logging.captureWarnings(True)  # a Python warning becomes a JSON line too

    def say(message: str) -> None:
        announce(message, handler if as_json else None)

    http_transport: httpx.AsyncBaseTransport | None = None
    use_sandbox = sandbox == "always" or (sandbox == "if-no-key" and settings.api_key is None)
    if use_sandbox:
        settings, http_transport = sandbox_settings(
            settings, tickets=tickets, seed=seed, order=order
        )
        index_folder = contextlib.ExitStack()
        settings = index_folder.enter_context(sandbox_index(settings))
        atexit.register(index_folder.close)  # the temporary index goes when the process does
        exit_on_sigterm()
        rule = "=" * 72
        say(
            f"{rule}\n  SANDBOX MODE: serving a seeded demo Atera account, NOT your real data."
            f"\n  {tickets} tickets, seed {seed}. Set ATERA_API_KEY to serve your account.\n{rule}"
        )
    if transport == "stdio":
        stdio_server(settings, http_transport).run("stdio")
        return
    from atera_mcp.auth.access import http_access

    url = f"http://{'[::1]' if host == '::1' else host}:{port}/mcp"
    access = http_access(settings, local_url=url.removesuffix("/mcp"))
    check_exposure(host, settings, access, allow_unauthenticated=allow_unauthenticated)
    server = build_server(settings, transport=http_transport, access=access)
    shown = settings.public_url or url
    say(f"atera-mcp {'(sandbox) ' if use_sandbox else ''}serving MCP at {shown}")
    if access is not None and not access.open_now():
        say(f"Callers authenticate with {access.described}.")
    elif _is_loopback(host):
        say("No authentication: only this machine can reach it; it acts as ATERA_TECHNICIAN_ID.")
    else:
        say(f"WARNING: listening on {host} WITHOUT authentication (--allow-unauthenticated).")
    if access is not None and access.open_now():
        say(f"Tokens will be required once {settings.tokens_file} exists (`atera-mcp token add`).")
    say("Client configuration to paste (Claude Code, VS Code, Cursor):")
    say(client_config(shown, token=access is not None and not access.open_now()))
    uvicorn.run(
        http_app(server, settings, access),
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        # JSON: uvicorn configures no handlers of its own; its records reach the root's.
        log_config=None if as_json else LOGGING_CONFIG,
    )
