"""Directory endpoints: the account, customers and contacts."""

from __future__ import annotations

from datetime import date

from atera_mcp.client.base import ClientBase
from atera_mcp.client.mapping import decode_created_id
from atera_mcp.client.paging import Collected
from atera_mcp.domain.wire import (
    AccountInfo,
    ContactDto,
    CreateContactRequest,
    CustomerDto,
    Page,
)


class DirectoryEndpoints(ClientBase):
    """The account, customers and contacts."""

    # -- account ----------------------------------------------------------------------------

    async def get_account(self) -> AccountInfo:
        """GET /account: company name, plan and time zone; a cheap health check."""
        return await self._get("/account", AccountInfo, action="read the Atera account")

    # -- customers and contacts -------------------------------------------------------------

    async def list_customers(self, *, max_items: int | None = None) -> Collected[CustomerDto]:
        """GET /customers across pages."""
        return await self._collect(
            "/customers", Page[CustomerDto], action="list customers", max_items=max_items
        )

    async def customers_page(
        self, *, page: int, items_in_page: int, modified_since: date | None = None
    ) -> Page[CustomerDto]:
        """One page of GET /customers; `modified_since` is Atera's FromLastModifiedDate (a day
        in the account's zone: callers give one a day early, as they know no zone)."""
        return await self._page(
            "/customers",
            Page[CustomerDto],
            action="list customers",
            page=page,
            items_in_page=items_in_page,
            params=_since(modified_since),
        )

    async def contacts_page(
        self, *, page: int, items_in_page: int, modified_since: date | None = None
    ) -> Page[ContactDto]:
        """One page of GET /contacts, as `customers_page`."""
        return await self._page(
            "/contacts",
            Page[ContactDto],
            action="list contacts",
            page=page,
            items_in_page=items_in_page,
            params=_since(modified_since),
        )

    async def get_customer(self, customer_id: int) -> CustomerDto:
        """GET /customers/{id}."""
        return await self._get(
            f"/customers/{customer_id}",
            CustomerDto,
            action=f"read customer {customer_id}",
            subject=f"Customer {customer_id}",
        )

    async def find_contacts(
        self,
        *,
        email: str | None = None,
        phone: str | None = None,
        max_items: int | None = None,
    ) -> Collected[ContactDto]:
        """GET /contacts; `email` and `phone` are Atera's contains-filters."""
        return await self._collect(
            "/contacts",
            Page[ContactDto],
            action="search contacts",
            max_items=max_items,
            params={"Email": email, "Phone": phone},
        )

    async def get_contact(self, contact_id: int) -> ContactDto:
        """GET /contacts/{id}."""
        return await self._get(
            f"/contacts/{contact_id}",
            ContactDto,
            action=f"read contact {contact_id}",
            subject=f"Contact {contact_id}",
        )

    async def create_contact(self, body: CreateContactRequest) -> int:
        """POST /contacts; returns the new contact's EndUserID. Never replayed once sent."""
        action = "create a contact"
        response = await self._core.send("POST", "/contacts", action=action, json=body.to_wire())
        return decode_created_id(response, action)


def _since(day: date | None) -> dict[str, str]:
    return {} if day is None else {"FromLastModifiedDate": day.isoformat()}
