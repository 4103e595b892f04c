"""Serve a sandbox over HTTP with uvicorn (for demos and end-to-end tests)."""

from __future__ import annotations

import copy
from typing import Any

import uvicorn

from atera_mcp.sandbox.app import create_app
from atera_mcp.sandbox.config import SandboxConfig


def run_sandbox(host: str, port: int, config: SandboxConfig, *, access_log: bool = False) -> None:
    """Seed, then serve until interrupted. uvicorn logs to stderr; stdout stays silent.

    `access_log` adds a line per request, also on stderr (uvicorn's default puts it on stdout).
    """
    app = create_app(config)
    log_config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["handlers"]["access"]["stream"] = "ext://sys.stderr"
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=access_log,
        log_config=log_config,
        server_header=False,  # Atera does not announce uvicorn
    )
