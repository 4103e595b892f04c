"""find_customers, find_contacts and list_technicians against the seeded sandbox.

Expectations come from every customer and contact read through the client, so they hold for
whatever the seed produces; only the documented fixtures (Acme Corporation, John Smith, six
technicians) are named.
"""

from __future__ import annotations

import re

import pytest

from atera_mcp.domain.wire import ContactDto
from atera_mcp.errors import RuleError
from atera_mcp.tools.directory import find_contacts, find_customers, list_technicians
from tests.contract.openapi_check import assert_contract
from tests.harness import TECHNICIANS, Rig, rig

pytestmark = pytest.mark.anyio


async def every_contact(r: Rig) -> list[ContactDto]:
    found = await r.ctx.atera.find_contacts()
    assert found.complete
    return found.items


def requested(r: Rig) -> list[str]:
    return [f"{e.request.method} {e.request.url.path}" for e in r.recorder.records]


async def test_find_customers_matches_name_fragments_in_any_case_exact_name_first() -> None:
    async with rig() as r:
        result = await find_customers(r.ctx, "aCmE")
        assert result.customers[0].name == "Acme Corporation"
        assert result.customers[0].domain == "acme.com"
        assert result.customers[0].phone
        everyone = (await r.ctx.atera.list_customers()).items
        expected = {c.customer_id for c in everyone if "acme" in (c.customer_name or "").lower()}
        assert {c.id for c in result.customers} == expected
        assert result.total == len(expected)
        assert result.complete
        assert_contract(r.recorder.records)


async def test_find_customers_matches_the_domain_too() -> None:
    async with rig() as r:
        result = await find_customers(r.ctx, "NorthwindDental.COM")
        assert [c.name for c in result.customers] == ["Northwind Dental"]


async def test_find_customers_with_an_empty_query_lists_customers_up_to_the_limit() -> None:
    async with rig() as r:
        everyone = (await r.ctx.atera.list_customers()).items
        result = await find_customers(r.ctx, "", limit=5)
        assert result.total == len(everyone)
        assert len(result.customers) == 5
        names = [c.name.casefold() for c in result.customers]
        assert names == sorted(names)


async def test_find_customers_reports_no_match_as_an_empty_result() -> None:
    async with rig() as r:
        result = await find_customers(r.ctx, "zzz no such customer")
        assert result.customers == []
        assert result.total == 0
        assert result.complete


async def test_find_contacts_by_email_uses_ateras_email_filter() -> None:
    async with rig() as r:
        result = await find_contacts(r.ctx, email="john.smith@acme")
        assert [c.name for c in result.contacts] == ["John Smith"]
        john = result.contacts[0]
        assert john.email == "john.smith@acme.com"
        assert john.customer.name == "Acme Corporation"
        assert john.customer.id == 1
        assert john.id is not None
        assert john.job_title
        assert [e.request.url.params.get("Email") for e in r.recorder.records] == [
            "john.smith@acme"
        ]
        assert_contract(r.recorder.records)


async def test_find_contacts_by_email_ignores_case() -> None:
    async with rig() as r:
        result = await find_contacts(r.ctx, email="JOHN.Smith@ACME.com")
        assert [c.email for c in result.contacts] == ["john.smith@acme.com"]


async def test_find_contacts_by_name_takes_last_name_first_with_punctuation() -> None:
    async with rig() as r:
        result = await find_contacts(r.ctx, name="Smith, John")
        assert "John Smith" in [c.name for c in result.contacts]


async def test_find_contacts_by_name_matches_first_last_and_full_name_in_any_case() -> None:
    async with rig() as r:
        everyone = await every_contact(r)
        smiths = {c.end_user_id for c in everyone if (c.lastname or "").lower() == "smith"}
        by_last = await find_contacts(r.ctx, name="SMITH", limit=50)
        assert smiths <= {c.id for c in by_last.contacts}
        full = await find_contacts(r.ctx, name="john smith")
        assert "John Smith" in [c.name for c in full.contacts]
        assert all("john" in c.name.lower() and "smith" in c.name.lower() for c in full.contacts)


async def test_find_contacts_by_customer_walks_contacts_and_never_calls_a_missing_endpoint() -> (
    None
):
    async with rig() as r:
        everyone = await every_contact(r)
        expected = sorted(
            (c for c in everyone if c.customer_id == 1),
            key=lambda c: (f"{c.firstname} {c.lastname}".lower(), c.end_user_id),
        )
        r.recorder.records.clear()
        result = await find_contacts(r.ctx, customer_id=1, limit=50)
        assert [c.id for c in result.contacts] == [c.end_user_id for c in expected]
        assert result.total == len(expected)
        assert result.complete
        assert all(p == "GET /api/v3/contacts" for p in requested(r))
        assert not any("/contacts/customer" in p for p in requested(r))
        assert_contract(r.recorder.records)


async def test_find_contacts_combines_filters() -> None:
    async with rig() as r:
        result = await find_contacts(r.ctx, email="acme.com", name="john", customer_id=1)
        assert "John Smith" in [c.name for c in result.contacts]
        assert all(c.customer.id == 1 and "john" in c.name.lower() for c in result.contacts)
        none = await find_contacts(r.ctx, email="acme.com", customer_id=2)
        assert none.contacts == []
        assert none.total == 0


async def test_find_contacts_needs_at_least_one_criterion() -> None:
    async with rig() as r:
        with pytest.raises(RuleError, match="at least one of email, name or customer_id"):
            await find_contacts(r.ctx)
        with pytest.raises(RuleError, match="at least one"):
            await find_contacts(r.ctx, email="  ", name=" ")
        assert r.recorder.records == []


async def test_find_contacts_for_an_unknown_customer_says_so() -> None:
    async with rig() as r:
        with pytest.raises(RuleError, match=re.escape("Customer 99999 was not found")):
            await find_contacts(r.ctx, customer_id=99999)


async def test_list_technicians_shows_the_configured_ones_and_the_acting_technician() -> None:
    async with rig() as r:
        result = await list_technicians(r.ctx)
        assert {t.id for t in result.technicians} == {t.id for t in TECHNICIANS}
        assert all(t.source == "configured" for t in result.technicians)
        assert [t.id for t in result.technicians if t.acting] == [TECHNICIANS[0].id]
        assert "no technician list" in result.note


async def test_list_technicians_learns_from_tickets_when_none_are_configured() -> None:
    async with rig(
        technicians=(), technician_id=None, technician_email="GRACE.KIM@brightpath-it.com"
    ) as r:
        result = await list_technicians(r.ctx)
        assert result.technicians
        assert all(t.source == "observed" for t in result.technicians)
        assert {t.id for t in result.technicians} <= {t.id for t in TECHNICIANS}
        acting = [t.email for t in result.technicians if t.acting]
        assert acting in ([], ["grace.kim@brightpath-it.com"])
        assert requested(r) == ["GET /api/v3/tickets"]
        assert_contract(r.recorder.records)
        # Once technicians have been seen, listing them reads nothing more.
        r.recorder.records.clear()
        await list_technicians(r.ctx)
        assert r.recorder.records == []
