"""Concurrent reads for the tools: the client's one `gather` (cancel the rest, re-raise the
first error unwrapped), re-exported so tool modules need not reach into the client room."""

from __future__ import annotations

from atera_mcp.client.concurrency import gather

__all__ = ["gather"]
