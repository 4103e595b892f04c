"""Serve a sandbox over HTTP with uvicorn (for demos and end-to-end tests)."""

from __future__ import annotations

import uvicorn

from atera_mcp.sandbox.app import create_app
from atera_mcp.sandbox.config import SandboxConfig


def run_sandbox(host: str, port: int, config: SandboxConfig) -> None:
    """Seed, then serve until interrupted. uvicorn logs to stderr; stdout stays silent."""
    app = create_app(config)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
