"""`PeopleDirectory`: customers and contacts kept in the index, and name lookups over them.

How fresh they are. Atera lists both with `FromLastModifiedDate` (a day or a time in the
account's zone), which is enough for a catch-up but not a change feed: deletions are not listed.
So, as background work at the sync's share of the budget:
- a full read of each kind (every page) once a day; when it saw as many distinct records as
  Atera counted (pages shift while they are read), the rows it did not see are deleted;
- while the server is in use, a catch-up every `CATCH_UP_EVERY` (one page of each kind,
  usually): everything modified since the day before the last read began (a day early, since
  the account's zone is not known here).
A customer or contact added or changed in Atera is found within `CATCH_UP_EVERY` of the change
while the server is in use (after an idle spell, within a background step of the first call);
one deleted is dropped within a day. Until a kind's first full read is done, lookups of that kind
return None and the tools read Atera as they do without the index.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from atera_mcp.client import AteraClient
from atera_mcp.domain.fold import fold, words
from atera_mcp.domain.wire import ContactDto, CustomerDto, Page
from atera_mcp.index.backend import IndexBackend
from atera_mcp.index.people import (
    Kind,
    PeopleState,
    PersonRow,
    Query,
    contact_row,
    customer_row,
    lookup,
)
from atera_mcp.index.rows import timestamp
from atera_mcp.index.sync import PAGE_SIZE, Clock, StoreRunner, page_count, read_pages

log = logging.getLogger(__name__)

FULL_EVERY = timedelta(days=1)
CATCH_UP_EVERY = timedelta(minutes=15)
KINDS: tuple[Kind, ...] = ("customers", "contacts")

Hits = list[tuple[int, str]]  # (id, sort key): a tool ranks them, then loads the few it shows


@dataclass
class PeopleDirectory:
    """The directory's background work and lookups; `TicketIndex` decides when work runs."""

    atera: AteraClient
    run: StoreRunner
    clock: Clock
    concurrency: int = 2  # low priority, as the other upkeep
    heartbeat: Callable[[], Awaitable[None]] | None = None

    async def state(self) -> PeopleState:
        return await self.run(lambda s: s.load_people_state())

    # -- background work ----------------------------------------------------------------------

    async def step(self, *, in_use: bool = True) -> bool:
        """Do the most urgent piece of directory work, if any is due; whether one was.
        Catch-ups, like the tickets' deltas, run only while the server is in use."""
        state, now = await self.state(), self.clock()
        for kind in KINDS:
            last = state.full.get(kind)
            if last is None or now - last >= FULL_EVERY:
                await self.read(kind, full=True)
                return True
        for kind in KINDS if in_use else ():
            if now - state.delta.get(kind, state.full[kind]) >= CATCH_UP_EVERY:
                await self.read(kind, full=False)
                return True
        return False

    async def read(self, kind: Kind, *, full: bool) -> None:
        """Read every record of `kind` (full), or those modified since the last read began."""
        started = self.clock()
        moment = timestamp(started) or 0.0
        since: date | None = None
        if not full:
            state = await self.state()
            last = state.delta.get(kind) or state.full.get(kind)
            since = None if last is None else (last - timedelta(days=1)).date()
        seen: set[int] = set()
        largest = 0

        async def fetch(number: int) -> Page[CustomerDto] | Page[ContactDto]:
            if kind == "customers":
                return await self.atera.customers_page(
                    page=number, items_in_page=PAGE_SIZE, modified_since=since
                )
            return await self.atera.contacts_page(
                page=number, items_in_page=PAGE_SIZE, modified_since=since
            )

        async def on_page(
            number: int, page: Page[CustomerDto] | Page[ContactDto], _: datetime
        ) -> None:
            nonlocal largest
            rows = _rows(page.items or [])
            seen.update(r.id for r in rows)
            largest = max(largest, page.total_item_count)
            await self.run(lambda s: s.upsert_people(kind, rows, moment))
            if self.heartbeat is not None:
                await self.heartbeat()

        first = await fetch(1)
        await on_page(1, first, started)
        pages = range(2, page_count(first) + 1)
        await read_pages(fetch, pages, on_page, self.clock, self.concurrency)
        if full and len(seen) >= largest:
            # Every record Atera counted was seen: what was not is gone from Atera.
            await self.run(lambda s: s.drop_people_unseen(kind, moment))
        elif full:
            log.info("Directory read of %s saw %d of %d: nothing dropped", kind, len(seen), largest)

        def save(store: IndexBackend) -> None:
            current = store.load_people_state()
            if full:
                current.full[kind] = started
            current.delta[kind] = started
            store.save_people_state(current)

        await self.run(save)

    # -- lookups ------------------------------------------------------------------------------

    async def as_of(self, kind: Kind) -> datetime | None:
        """When the index last read `kind` from Atera; None before its first full read."""
        state = await self.state()
        if kind not in state.full:
            return None
        return max(state.delta.get(kind, state.full[kind]), state.full[kind])

    async def customers(self, text: str) -> Hits:
        """Customers whose name or domain contains `text` (a typo in a name word tolerated)."""
        q = text.strip()
        either = (" ".join(words(q)), fold(q)) if q else None
        query = Query(either=either)
        return await self.run(lambda s: lookup(s, "customers", query, q))

    async def contacts(
        self, *, name: str | None, email: str | None, customer_id: int | None
    ) -> Hits:
        """Contacts by the words of a name, an email fragment and a customer (they combine)."""
        other = fold(email).strip() if email else None
        query = Query([[w] for w in words(name)], other or None, None, customer_id)
        return await self.run(lambda s: lookup(s, "contacts", query, name))

    async def load_customers(self, ids: Sequence[int]) -> list[CustomerDto]:
        bodies = await self.run(lambda s: s.people_bodies("customers", ids))
        return [CustomerDto.model_validate_json(bodies[i]) for i in ids if i in bodies]

    async def load_contacts(self, ids: Sequence[int]) -> list[ContactDto]:
        bodies = await self.run(lambda s: s.people_bodies("contacts", ids))
        return [ContactDto.model_validate_json(bodies[i]) for i in ids if i in bodies]


def record_work(record: CustomerDto | ContactDto, at: datetime) -> Callable[[IndexBackend], None]:
    """Store work putting one record read or made live into the index."""
    kind: Kind = "customers" if isinstance(record, CustomerDto) else "contacts"
    rows, moment = _rows([record]), timestamp(at) or 0.0
    return lambda store: store.upsert_people(kind, rows, moment)


def _rows(records: Sequence[CustomerDto | ContactDto]) -> list[PersonRow]:
    found = (customer_row(r) if isinstance(r, CustomerDto) else contact_row(r) for r in records)
    return [r for r in found if r is not None]
