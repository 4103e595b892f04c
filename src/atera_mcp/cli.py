"""`atera-mcp` commands: argument parsing only; the work happens in launch, sandbox and demo."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from atera_mcp import __version__
from atera_mcp.errors import ConfigError


def _refuse(exc: ConfigError) -> None:
    """Why the command cannot run, on stderr. With ATERA_LOG_FORMAT=json it is one JSON log
    line like every other: a log collector reading the service's stderr must see why it did
    not start, not a line it cannot parse."""
    if os.environ.get("ATERA_LOG_FORMAT", "").strip().lower() == "json":
        from atera_mcp.ops.logs import json_error

        print(json_error(__name__, str(exc)), file=sys.stderr)
    else:
        print(f"atera-mcp: {exc}", file=sys.stderr)


def _port(value: str) -> int:
    port = int(value)
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError("a port is a number from 1 to 65535")
    return port


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


# Atera documents no order for GET /tickets; the sandbox can serve either, to test clients.
_ORDER: dict[str, Any] = {
    "choices": ("newest", "oldest"),
    "default": "newest",
    "help": "sandbox order of GET /tickets (Atera documents none)",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="atera-mcp", description=__doc__)
    parser.add_argument("--version", action="version", version=f"atera-mcp {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the MCP server (stdio by default)")
    mode = serve.add_mutually_exclusive_group()
    mode.add_argument("--sandbox", action="store_true", help="serve a seeded demo account")
    mode.add_argument(
        "--sandbox-if-no-key",
        action="store_true",
        help="serve the demo account when ATERA_API_KEY is not set",
    )
    serve.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--tickets", type=_non_negative, default=300, help="sandbox tickets")
    serve.add_argument("--seed", type=int, default=1, help="sandbox seed")
    serve.add_argument("--order", **_ORDER)
    serve.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="serve HTTP beyond loopback with no tokens or OAuth (anyone reaching it can act)",
    )

    sandbox = commands.add_parser("sandbox", help="run the Atera-compatible sandbox API")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=_port, default=8080)
    sandbox.add_argument("--tickets", type=_non_negative, default=300)
    sandbox.add_argument("--seed", type=int, default=1)
    sandbox.add_argument("--api-key", default="sandbox-key", help="the key clients must send")
    sandbox.add_argument("--rpm", type=_non_negative, default=700, help="0 means no limit")
    sandbox.add_argument("--order", **_ORDER)

    commands.add_parser("demo", help="play the creation and resolution workflows")

    token = commands.add_parser("token", help="bearer tokens for the shared HTTP server")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    add = token_commands.add_parser("add", help="make a token; it is printed once")
    add.add_argument("--technician", type=int, required=True, help="Atera technician id")
    add.add_argument("--name", default="", help='a label, e.g. "Jane\'s laptop"')
    add.add_argument("--read-only", action="store_true", help="only the read tools")
    add.add_argument("--tools", help="only these tools, separated by commas")
    token_commands.add_parser("list", help="the tokens (never the tokens themselves)")
    revoke = token_commands.add_parser("revoke", help="stop a token working, at once")
    revoke.add_argument("id", help="the token's id, from `token list`")

    index = commands.add_parser("index", help="the local ticket index (search_tickets)")
    actions = index.add_subparsers(dest="action", required=True)
    sync = actions.add_parser("sync", help="index every ticket now (resumes a killed sync)")
    sync.add_argument(
        "--rpm", type=_non_negative, default=None, help="request budget (default ATERA_RPM)"
    )
    actions.add_parser("status", help="tickets, phase, watermark, last refresh, file size")
    return parser


def _token(args: argparse.Namespace) -> None:
    from atera_mcp.auth.commands import add_token, describe_tokens, revoke_token
    from atera_mcp.config import Settings
    from atera_mcp.tools import tool_names

    path = Settings.from_env(os.environ).tokens_file
    assert path is not None  # from_env always names one
    if args.token_command == "add":
        tools = (
            None if args.tools is None else [t.strip() for t in args.tools.split(",") if t.strip()]
        )
        secret, record = add_token(
            path,
            technician_id=args.technician,
            name=args.name,
            read_only=args.read_only,
            tools=tools,
            known_tools=tool_names(),
        )
        print(secret)  # stdout: the token alone, so `$(atera-mcp token add ...)` captures it
        print(
            f"Token {record.id} for technician {record.technician_id} stored in {path}. "
            "It is shown only this once: give it to its holder now.",
            file=sys.stderr,
        )
    elif args.token_command == "list":
        print(describe_tokens(path))
    else:
        gone = revoke_token(path, args.id)
        print(
            f"Revoked token {gone.id} ({gone.name or 'no name'}); it stops working now.",
            file=sys.stderr,
        )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            from atera_mcp.launch import serve

            serve(
                env=os.environ,
                sandbox="always"
                if args.sandbox
                else "if-no-key"
                if args.sandbox_if_no_key
                else "never",
                transport=args.transport,
                host=args.host,
                port=args.port,
                tickets=args.tickets,
                seed=args.seed,
                order=args.order,
                allow_unauthenticated=args.allow_unauthenticated,
            )
        elif args.command == "sandbox":
            from atera_mcp.sandbox import SandboxConfig, run_sandbox

            config = SandboxConfig(
                tickets=args.tickets,
                seed=args.seed,
                api_key=args.api_key,
                rpm=args.rpm,
                order=args.order,
            )
            run_sandbox(args.host, args.port, config)
        elif args.command == "token":
            _token(args)
        elif args.command == "index":
            from atera_mcp import index_cli

            if args.action == "sync":
                return index_cli.sync(os.environ, rpm=args.rpm)
            return index_cli.status(os.environ)
        else:
            from atera_mcp.demo import run_demo

            return run_demo()
    except ConfigError as exc:
        _refuse(exc)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
