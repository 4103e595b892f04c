"""Ticket endpoints: list, read, create, update, delete, relate, and comments."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from atera_mcp.client.base import ClientBase
from atera_mcp.client.mapping import decode_created_id
from atera_mcp.client.paging import PAGE_SIZE, Collected
from atera_mcp.domain.wire import (
    AddCommentToTicketModel,
    AddTicketRelationModel,
    CreateTicketModel,
    Page,
    TicketCommentDto,
    TicketDto,
    UpdateTicketModel,
    format_utc,
)
from atera_mcp.errors import InvalidRequestError


class TicketEndpoints(ClientBase):
    """Tickets, their relations and their comments."""

    # -- tickets ----------------------------------------------------------------------------

    async def list_tickets_page(
        self,
        *,
        page: int = 1,
        items_in_page: int = PAGE_SIZE,
        customer_id: int | None = None,
        status: str | None = None,
        include_relations: bool = False,
    ) -> Page[TicketDto]:
        """GET /tickets: one page, optionally filtered by customer and one status name."""
        return await self._page(
            "/tickets",
            Page[TicketDto],
            action="list tickets",
            page=page,
            items_in_page=items_in_page,
            params=_ticket_filters(customer_id, status, include_relations),
        )

    async def list_tickets(
        self,
        *,
        customer_id: int | None = None,
        status: str | None = None,
        include_relations: bool = False,
        max_items: int | None = None,
    ) -> Collected[TicketDto]:
        """GET /tickets across pages, up to `max_items`."""
        return await self._collect(
            "/tickets",
            Page[TicketDto],
            action="list tickets",
            max_items=max_items,
            params=_ticket_filters(customer_id, status, include_relations),
        )

    async def tickets_modified_since(
        self, since: datetime, *, max_items: int | None = None, include_comments: bool = False
    ) -> Collected[TicketDto]:
        """GET /tickets/lastmodified: tickets modified on or after `since` (naive = UTC)."""
        return await self._collect(
            "/tickets/lastmodified",
            Page[TicketDto],
            action="list recently modified tickets",
            max_items=max_items,
            params=_modified_filters(since, include_comments),
        )

    async def tickets_modified_since_page(
        self,
        since: datetime,
        *,
        page: int = 1,
        items_in_page: int = PAGE_SIZE,
        include_comments: bool = False,
    ) -> Page[TicketDto]:
        """GET /tickets/lastmodified: one page (the index's delta reads page by page)."""
        return await self._page(
            "/tickets/lastmodified",
            Page[TicketDto],
            action="list recently modified tickets",
            page=page,
            items_in_page=items_in_page,
            params=_modified_filters(since, include_comments),
        )

    async def tickets_status_modified(
        self, *, max_items: int | None = None
    ) -> Collected[TicketDto]:
        """GET /tickets/statusmodified: resolved and closed tickets."""
        return await self._collect(
            "/tickets/statusmodified",
            Page[TicketDto],
            action="list resolved and closed tickets",
            max_items=max_items,
        )

    async def get_ticket(self, ticket_id: int, *, include_relations: bool = False) -> TicketDto:
        """GET /tickets/{id}; NotFoundError when there is no such ticket."""
        return await self._get(
            f"/tickets/{ticket_id}",
            TicketDto,
            action=f"read ticket {ticket_id}",
            params={"includeRelations": True} if include_relations else None,
            subject=f"Ticket {ticket_id}",
        )

    async def create_ticket(self, body: CreateTicketModel) -> int:
        """POST /tickets; returns the new TicketID. Never replayed once sent: an unclear answer
        (or one without a readable id) raises AmbiguousWriteError for the caller to settle."""
        action = "create a ticket"
        response = await self._core.send("POST", "/tickets", action=action, json=body.to_wire())
        return decode_created_id(response, action)

    async def update_ticket(self, ticket_id: int, body: UpdateTicketModel) -> None:
        """PUT /tickets/{id} with only the fields that were set on `body`."""
        fields = body.to_wire()
        if not fields:
            raise InvalidRequestError(f"No changes were given for ticket {ticket_id}.")
        await self._core.send(
            "PUT",
            f"/tickets/{ticket_id}",
            action=f"update ticket {ticket_id}",
            json=fields,
            subject=f"Ticket {ticket_id}",
        )

    async def delete_ticket(self, ticket_id: int) -> None:
        """DELETE /tickets/{id}."""
        await self._core.send(
            "DELETE",
            f"/tickets/{ticket_id}",
            action=f"delete ticket {ticket_id}",
            subject=f"Ticket {ticket_id}",
        )

    async def add_relation(
        self,
        ticket_id: int,
        related_ticket_id: int,
        relation_type: Literal["Parent", "Child"],
    ) -> None:
        """POST /tickets/{id}/relations: mark `related_ticket_id` as this ticket's parent/child."""
        body = AddTicketRelationModel(
            related_ticket_id=related_ticket_id, relation_type=relation_type
        )
        await self._core.send(
            "POST",
            f"/tickets/{ticket_id}/relations",
            action=f"link ticket {related_ticket_id} to ticket {ticket_id}",
            json=body.to_wire(),
            subject=f"Ticket {ticket_id}",
        )

    # -- comments ---------------------------------------------------------------------------

    async def list_comments_page(
        self, ticket_id: int, *, page: int = 1, items_in_page: int = PAGE_SIZE
    ) -> Page[TicketCommentDto]:
        """GET /tickets/{id}/comments: one page."""
        return await self._page(
            f"/tickets/{ticket_id}/comments",
            Page[TicketCommentDto],
            action=f"read the comments on ticket {ticket_id}",
            page=page,
            items_in_page=items_in_page,
            subject=f"Ticket {ticket_id}",
        )

    async def list_comments(
        self, ticket_id: int, *, max_items: int | None = None
    ) -> Collected[TicketCommentDto]:
        """GET /tickets/{id}/comments across pages."""
        return await self._collect(
            f"/tickets/{ticket_id}/comments",
            Page[TicketCommentDto],
            action=f"read the comments on ticket {ticket_id}",
            max_items=max_items,
            subject=f"Ticket {ticket_id}",
        )

    async def add_comment(self, ticket_id: int, body: AddCommentToTicketModel) -> None:
        """POST /tickets/{id}/comments (answers 200 with a Result or 201 empty). Never replayed
        once sent: an unclear answer raises AmbiguousWriteError for the caller to settle."""
        await self._core.send(
            "POST",
            f"/tickets/{ticket_id}/comments",
            action=f"add a comment to ticket {ticket_id}",
            json=body.to_wire(),
            subject=f"Ticket {ticket_id}",
        )


def _ticket_filters(
    customer_id: int | None, status: str | None, include_relations: bool
) -> dict[str, int | str | bool | None]:
    return {
        "customerId": customer_id,
        "ticketStatus": status,
        "includeRelations": True if include_relations else None,
    }


def _modified_filters(since: datetime, include_comments: bool) -> dict[str, str | bool | None]:
    return {
        # Whole seconds, rounded down: the feed is "on or after", so nothing is skipped.
        "date": format_utc(since.replace(microsecond=0)),
        "includeComments": True if include_comments else None,
    }
