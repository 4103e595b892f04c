"""Customers and contacts in the index: the full reads, the catch-up, deletions, and the
directory tools answered from it (exact against the sandbox's own records, 0 requests)."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette

from atera_mcp.domain.fold import fold, words
from atera_mcp.domain.wire import CreateContactRequest
from atera_mcp.index.people_sync import CATCH_UP_EVERY, FULL_EVERY
from atera_mcp.sandbox import sandbox_state
from atera_mcp.tools.directory import find_contacts, find_customers
from atera_mcp.tools.tickets import create_ticket
from tests.contract.openapi_check import assert_contract
from tests.harness import sandbox_app
from tests.index.helpers import Clock, Setup, open_index, outside

pytestmark = pytest.mark.anyio


def directory_account(customers: int = 300, contacts: int = 3000) -> tuple[Starlette, Clock]:
    clock = Clock()
    return sandbox_app(40, clock=clock, customers=customers, contacts=contacts), clock


async def read_directory(setup: Setup) -> None:
    """The directory work that is due, done: at most a read of each kind in full and a
    catch-up of each."""
    for _ in range(4):
        if not await setup.index.people.step():
            return
    raise AssertionError("directory work still due after four steps")


def atera_requests(setup: Setup) -> int:
    return len(setup.recorder.records)


async def test_find_contacts_from_the_index_matches_every_sandbox_contact_with_no_request(
    tmp_path: Path,
) -> None:
    app, clock = directory_account()
    store = sandbox_state(app).store
    async with open_index(app, tmp_path / "i.db", clock) as setup:
        await read_directory(setup)
        ctx = setup.tool_context(clock)
        setup.recorder.records.clear()
        contact = store.contacts[max(store.contacts)]
        surname = contact.last_name or ""
        expected = {
            c.id
            for c in store.contacts.values()
            if fold(surname) in fold(f"{c.first_name} {c.last_name}")
        }
        found = await find_contacts(ctx, name=surname.upper(), limit=50)
        assert found.total == len(expected)
        assert {c.id for c in found.contacts} <= expected
        by_customer = await find_contacts(ctx, customer_id=contact.customer_id, limit=50)
        mine = {c.id for c in store.contacts.values() if c.customer_id == contact.customer_id}
        assert {c.id for c in by_customer.contacts} == mine
        by_email = await find_contacts(ctx, email=contact.email.upper())
        assert contact.id in {c.id for c in by_email.contacts}
        assert atera_requests(setup) == 0


async def test_find_customers_from_the_index_is_exact_and_puts_the_exact_name_first(
    tmp_path: Path,
) -> None:
    app, clock = directory_account()
    store = sandbox_state(app).store
    async with open_index(app, tmp_path / "i.db", clock) as setup:
        await read_directory(setup)
        ctx = setup.tool_context(clock)
        setup.recorder.records.clear()
        everyone = await find_customers(ctx, "", limit=50)
        assert everyone.total == len(store.customers)
        found = await find_customers(ctx, "acme")
        expected = {c.id for c in store.customers.values() if "acme" in c.name.lower()}
        assert {c.id for c in found.customers} == expected
        assert found.customers[0].name == "Acme Corporation"
        by_domain = await find_customers(ctx, "NorthwindDental.COM")
        assert [c.name for c in by_domain.customers] == ["Northwind Dental"]
        assert atera_requests(setup) == 0


async def test_accents_and_case_are_folded_and_one_typo_in_a_name_is_forgiven(
    tmp_path: Path,
) -> None:
    app, clock = directory_account()
    async with open_index(app, tmp_path / "i.db", clock) as setup:
        async with outside(app) as atera:
            body = CreateContactRequest.model_validate(
                {"Email": "zoe@acme.com", "CustomerID": 1, "Firstname": "Zoë", "Lastname": "Ørsted"}
            )
            made = await atera.create_contact(body)
        await read_directory(setup)
        ctx = setup.tool_context(clock)
        for spelling in ("zoe orsted", "ZOË", "Orstd", "Zoë Ørtsed"):
            found = await find_contacts(ctx, name=spelling)
            assert made in {c.id for c in found.contacts}, spelling
        typo = await find_customers(ctx, "Acme Corporaton")
        assert [c.name for c in typo.customers] == ["Acme Corporation"]
        nothing = await find_contacts(ctx, name="Zxqv")
        assert nothing.total == 0


async def test_a_contact_added_in_atera_is_found_after_the_catch_up_read(tmp_path: Path) -> None:
    app, clock = directory_account()
    async with open_index(app, tmp_path / "i.db", clock) as setup:
        await read_directory(setup)
        ctx = setup.tool_context(clock)
        async with outside(app) as atera:
            body = CreateContactRequest.model_validate(
                {"Email": "new.person@acme.com", "CustomerID": 1, "Firstname": "Quentin"}
            )
            made = await atera.create_contact(body)
        assert (await find_contacts(ctx, name="Quentin")).total == 0  # not read yet
        clock.advance(CATCH_UP_EVERY.total_seconds())
        setup.recorder.records.clear()
        assert await setup.index.people.step()
        assert await setup.index.people.step()
        assert not await setup.index.people.step()
        sent = [e.request.url for e in setup.recorder.records]
        assert all("FromLastModifiedDate" in str(u.params) for u in sent)
        assert_contract(setup.recorder.records)
        assert made in {c.id for c in (await find_contacts(ctx, name="quentin")).contacts}


async def test_a_contact_deleted_from_atera_is_dropped_by_the_next_full_read(
    tmp_path: Path,
) -> None:
    app, clock = directory_account()
    store = sandbox_state(app).store
    async with open_index(app, tmp_path / "i.db", clock) as setup:
        await read_directory(setup)
        ctx = setup.tool_context(clock)
        gone = store.contacts.pop(max(store.contacts))
        name = " ".join(words(f"{gone.first_name} {gone.last_name}"))
        assert gone.id in {c.id for c in (await find_contacts(ctx, email=gone.email)).contacts}
        clock.advance(FULL_EVERY.total_seconds())
        await read_directory(setup)
        found = await find_contacts(ctx, name=name, limit=50)
        assert gone.id not in {c.id for c in found.contacts}


async def test_before_the_first_directory_read_the_tools_read_atera(tmp_path: Path) -> None:
    app, clock = directory_account()
    async with open_index(app, tmp_path / "i.db", clock) as setup:
        ctx = setup.tool_context(clock)
        found = await find_customers(ctx, "acme")
        assert found.customers[0].name == "Acme Corporation"
        assert any(e.request.url.path.endswith("/customers") for e in setup.recorder.records)


async def test_a_contact_create_ticket_makes_is_found_at_once_without_a_request(
    tmp_path: Path,
) -> None:
    app, clock = directory_account()
    async with open_index(app, tmp_path / "i.db", clock) as setup:
        await read_directory(setup)
        ctx = setup.tool_context(clock)
        made = await create_ticket(
            ctx,
            "Printer jams on every page",
            "Since this morning.",
            end_user_email="ines.munoz@acme.com",
            end_user_first_name="Inés",
            end_user_last_name="Muñoz",
            customer_id=1,
        )
        setup.recorder.records.clear()
        found = await find_contacts(ctx, name="ines munoz")
        assert made.ticket.end_user is not None
        assert [c.id for c in found.contacts] == [made.ticket.end_user.id]
        assert atera_requests(setup) == 0
