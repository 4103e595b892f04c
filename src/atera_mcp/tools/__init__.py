"""The tool table: every tool, its kind and its hints, on one screen.

Order here is the order of `tools/list`. Read tools never write; `ATERA_READ_ONLY` keeps only
them, `ATERA_TOOLS` keeps a named subset. Hints are stated explicitly for every tool.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from atera_mcp.domain.views import ToolResult
from atera_mcp.tools.billing import get_billable
from atera_mcp.tools.comments import add_comment, list_comments
from atera_mcp.tools.directory import find_contacts, find_customers, list_technicians
from atera_mcp.tools.search import search_tickets
from atera_mcp.tools.similar import similar_tickets
from atera_mcp.tools.ticket_read import get_ticket
from atera_mcp.tools.tickets import create_ticket, link_tickets, update_ticket
from atera_mcp.tools.time import get_work_hours, log_hours

ToolFn = Callable[..., Awaitable[ToolResult]]


@dataclass(frozen=True)
class ToolSpec:
    fn: ToolFn
    title: str
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool = True  # every tool reaches Atera, an outside system

    @property
    def name(self) -> str:
        return self.fn.__name__


def _read(fn: ToolFn, title: str) -> ToolSpec:
    return ToolSpec(fn, title, read_only=True, destructive=False, idempotent=True)


def _write(fn: ToolFn, title: str, *, destructive: bool, idempotent: bool) -> ToolSpec:
    return ToolSpec(fn, title, read_only=False, destructive=destructive, idempotent=idempotent)


TOOLS: tuple[ToolSpec, ...] = (
    _read(search_tickets, "Search tickets"),
    _read(get_ticket, "Get a ticket"),
    _write(create_ticket, "Create a ticket", destructive=False, idempotent=False),
    # Overwrites fields in place; sending the same change twice leaves the same ticket.
    _write(update_ticket, "Update a ticket", destructive=True, idempotent=True),
    # Comments and work hours cannot be edited or deleted in Atera: additive, not idempotent.
    _write(add_comment, "Add a comment", destructive=False, idempotent=False),
    _read(list_comments, "List comments"),
    _write(log_hours, "Log work hours", destructive=False, idempotent=False),
    _read(get_work_hours, "Get work hours"),
    _read(get_billable, "Billable time"),
    _read(find_customers, "Find customers"),
    _read(find_contacts, "Find contacts"),
    _read(list_technicians, "List technicians"),
    # Replaces the ticket's existing relation of that kind.
    _write(link_tickets, "Link tickets", destructive=True, idempotent=True),
    _read(similar_tickets, "Similar tickets"),
)

__all__ = ["TOOLS", "ToolFn", "ToolSpec"]


def tool_names() -> list[str]:
    return [spec.name for spec in TOOLS]
