"""`atera-mcp` commands: argument parsing only; the work happens in launch, sandbox and demo."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from atera_mcp import __version__
from atera_mcp.errors import ConfigError


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

    sandbox = commands.add_parser("sandbox", help="run the Atera-compatible sandbox API")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=_port, default=8080)
    sandbox.add_argument("--tickets", type=_non_negative, default=300)
    sandbox.add_argument("--seed", type=int, default=1)
    sandbox.add_argument("--api-key", default="sandbox-key", help="the key clients must send")
    sandbox.add_argument("--rpm", type=_non_negative, default=700, help="0 means no limit")
    sandbox.add_argument("--order", **_ORDER)

    commands.add_parser("demo", help="play the creation and resolution workflows")
    return parser


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
        else:
            from atera_mcp.demo import run_demo

            return run_demo()
    except ConfigError as exc:
        print(f"atera-mcp: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
