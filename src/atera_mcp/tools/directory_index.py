"""find_customers and find_contacts answered from the index (0 requests to Atera).

Used once the index has read a kind in full (index/people_sync.py says how fresh it is then);
before that, or with the index off, or when the store cannot be read, the tools read Atera as
they always did (None here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from atera_mcp.domain.wire import ContactDto, CustomerDto
from atera_mcp.index.people import Kind
from atera_mcp.index.people_sync import PeopleDirectory
from atera_mcp.tools.context import ToolContext

T = TypeVar("T")


@dataclass(frozen=True)
class Found(Generic[T]):
    """The records to show (ranked, at most `limit`) and how many matched in all."""

    items: list[T]
    total: int


def rank(name: str, query: str) -> int:
    """Exact name first, then names starting with the query, then the rest."""
    return 0 if name == query else 1 if name.startswith(query) else 2


async def _directory(ctx: ToolContext, kind: Kind) -> PeopleDirectory | None:
    index = ctx.index
    if index is None:
        return None
    index.mark_used()
    try:
        ready = await index.people.as_of(kind) is not None
    except index.store.failures:
        return None
    return index.people if ready else None


async def customers_from_index(
    ctx: ToolContext, query: str, limit: int
) -> Found[CustomerDto] | None:
    people = await _directory(ctx, "customers")
    if people is None:
        return None
    assert ctx.index is not None
    try:
        hits = await people.customers(query)
        folded = query.strip().casefold()
        hits.sort(key=lambda h: (rank(h[1], folded), h[1], h[0]))
        shown = await people.load_customers([i for i, _ in hits[:limit]])
    except ctx.index.store.failures:
        return None
    return Found(shown, len(hits))


async def contacts_from_index(
    ctx: ToolContext, *, name: str | None, email: str | None, customer_id: int | None, limit: int
) -> Found[ContactDto] | None:
    people = await _directory(ctx, "contacts")
    if people is None:
        return None
    assert ctx.index is not None
    try:
        hits = await people.contacts(name=name, email=email, customer_id=customer_id)
        hits.sort(key=lambda h: (h[1], h[0]))
        shown = await people.load_contacts([i for i, _ in hits[:limit]])
    except ctx.index.store.failures:
        return None
    return Found(shown, len(hits))


async def customer_known(ctx: ToolContext, customer_id: int) -> bool | None:
    """Whether the index holds the customer; None when it cannot say."""
    people = await _directory(ctx, "customers")
    if people is None:
        return None
    assert ctx.index is not None
    try:
        return bool(await people.load_customers([customer_id]))
    except ctx.index.store.failures:
        return None
