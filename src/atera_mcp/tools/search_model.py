"""What a search is once validated, and what it answers: shared by both ways of answering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import Field

from atera_mcp.domain.views import TicketHit, Timestamp, ToolResult
from atera_mcp.index.fts import TextQuery
from atera_mcp.tools.search_filters import Sort, TicketFilter


class SearchTicketsResult(ToolResult):
    tickets: list[TicketHit]
    total: int = Field(description="Matching tickets in all")
    next_cursor: str | None = Field(None, description="Pass as cursor for the next page")
    complete: bool = Field(description="False when matching tickets may be missing (see note)")
    as_of: Timestamp | None = Field(None, description="When the index last heard from Atera")
    note: str | None = None

    def summary(self) -> str:
        more = "; more with next_cursor" if self.next_cursor else ""
        lines = [f"{len(self.tickets)} of {self.total} matching tickets{more}"]
        lines += [t.line() for t in self.tickets]
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: the filters, the text, the order, the page and its owner hash."""

    filter: TicketFilter
    text: TextQuery | None
    customer_id: int | None
    customer_name: str | None
    modified_after: datetime | None
    sort: Sort
    limit: int
    cursor: str | None
    owner: str  # hash of everything but the page: a cursor only fits its own search
