"""Deterministic seed data: the customers, contacts and tickets of a small MSP.

Everything derives from `random.Random(seed)`, the ticket count and the `now` anchor, so the same
inputs give identical data. Records are plain dataclasses; nothing here touches pydantic, which
keeps 50,000 tickets within a few seconds.
"""

from __future__ import annotations

import gc
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from atera_mcp.sandbox import names
from atera_mcp.sandbox.families import apply_families
from atera_mcp.sandbox.records import Agent, Alert, Contact, Customer, Ticket
from atera_mcp.sandbox.seed_devices import generate_devices
from atera_mcp.sandbox.seed_tickets import TicketSeeder
from atera_mcp.sandbox.timeline import DayTable

HISTORY_DAYS = 180
MAX_CUSTOMERS = 240
FIRST_CONTACT_ID = 1001


@dataclass(slots=True)
class SeedData:
    customers: dict[int, Customer]
    contacts: dict[int, Contact]
    tickets: dict[int, Ticket]
    agents: dict[int, Agent]
    alerts: dict[int, Alert]
    # Ticket id -> the family of tickets sharing its cause (families.py); never served.
    families: dict[int, str]


def customer_count(tickets: int) -> int:
    """How many customers a sandbox of `tickets` tickets has: about 25 tickets each."""
    return min(MAX_CUSTOMERS, max(len(names.CURATED_CUSTOMERS), tickets // 25))


def generate(
    *,
    tickets: int,
    seed: int,
    now: datetime,
    zone: ZoneInfo,
    families: bool = True,
    customers: int | None = None,
    contacts: int | None = None,
    work_scale: float = 1.0,
) -> SeedData:
    """Build the whole data set for (seed, tickets, now) in the account's time zone; with
    `families`, some resolved tickets are rewritten into families sharing a cause.

    `customers` and `contacts` override the sizes the ticket count implies (a directory as
    large as a big MSP's), `work_scale` the time entries per ticket (1.15 at 50,000 tickets
    gives about 10,000 a month); left out, the data is exactly what it always was."""
    rnd = random.Random(seed)
    with _collector_paused():
        clients = _customers(rnd, customers or customer_count(tickets), now)
        latest = now - timedelta(days=HISTORY_DAYS + 1)
        people = _contacts(rnd, clients, latest, contacts)
        days = DayTable(now, zone, HISTORY_DAYS)
        seeder = TicketSeeder(rnd, now, days, list(clients.values()), people, work_scale)
        built = seeder.build(tickets)
        # Devices draw from their own stream: the data above is what it was before they came.
        devices = generate_devices(seed, now, clients.values(), people.values(), built.values())
        # So do families (they leave ids, statuses and times as they were).
        members = (
            apply_families(random.Random(f"families-{seed}"), built, people) if families else {}
        )
        return SeedData(clients, people, built, devices.agents, devices.alerts, members)


@contextmanager
def _collector_paused() -> Iterator[None]:
    # The seed allocates ~300k long-lived, acyclic objects; the cyclic collector would rescan
    # them again and again while they pile up (about 15% of the seed time), to free nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _customers(rnd: random.Random, count: int, now: datetime) -> dict[int, Customer]:
    pairs = [(name, domain) for name, domain in names.CURATED_CUSTOMERS]
    generated = [
        (f"{prefix} {trade}", f"{_slug(prefix)}{tag}.{tld}")
        for prefix in names.NAME_PREFIXES
        for trade, tag, tld in names.NAME_TRADES
    ]
    pairs += rnd.sample(generated, min(len(generated), max(0, count - len(pairs))))
    # Past the distinct names: the same trades in other towns, as chains name their branches.
    base = list(pairs)
    branches = (
        (f"{name} {city}", f"{city.lower().replace(' ', '')}.{domain}")
        for city, *_ in names.CITIES
        for name, domain in base
    )
    while len(pairs) < count:
        pairs.append(next(branches))
    customers: dict[int, Customer] = {}
    for customer_id, (name, domain) in enumerate(pairs[:count], start=1):
        city, state, zip_prefix, area = rnd.choice(names.CITIES)
        created = now - timedelta(days=rnd.randint(200, 2400), minutes=rnd.randint(0, 1439))
        customers[customer_id] = Customer(
            id=customer_id,
            name=name,
            domain=domain,
            phone=_phone(rnd, area),
            address=f"{rnd.randint(10, 9899)} {rnd.choice(names.STREETS)}",
            city=city,
            state=state,
            zip_code=f"{zip_prefix}{rnd.randint(1, 99):02d}",
            business_number=f"{rnd.randint(10, 99)}-{rnd.randint(1000000, 9999999)}",
            contract_id=5000 + customer_id if rnd.random() < 0.7 else None,
            created_on=created,
            last_modified=created + timedelta(days=rnd.randint(0, 150)),
        )
    acme = next((c for c in customers.values() if c.domain == "acme.com"), None)
    if acme is not None:
        # The demo client has a contract, so its tickets carry SLA due dates (set after the
        # draws: the random stream, and so every other record, stays as it was).
        acme.contract_id = 5000 + acme.id
    return customers


def _contacts(
    rnd: random.Random, customers: dict[int, Customer], latest: datetime, total: int | None
) -> dict[int, Contact]:
    """Each customer's people: 3 to 12 of them, or `total` spread evenly (at least one)."""
    contacts: dict[int, Contact] = {}
    next_id = FIRST_CONTACT_ID
    for n, customer in enumerate(customers.values()):
        area = customer.phone[1:4]
        people = [(rnd.choice(names.FIRST_NAMES), rnd.choice(names.LAST_NAMES))]
        size = rnd.randint(3, 12) if total is None else _share(total, len(customers), n)
        people += [
            (rnd.choice(names.FIRST_NAMES), rnd.choice(names.LAST_NAMES)) for _ in range(size - 1)
        ]
        if customer.domain == "acme.com":
            # Demos and the README rely on this exact person.
            people[0] = ("John", "Smith")
        seen: set[str] = set()
        for index, (first, last) in enumerate(people):
            local = _slug(first) + "." + _slug(last)
            email = f"{local}@{customer.domain}"
            suffix = 2
            while email in seen:
                email, suffix = f"{local}{suffix}@{customer.domain}", suffix + 1
            seen.add(email)
            created = customer.created_on + (latest - customer.created_on) * rnd.random() * 0.9
            contacts[next_id] = Contact(
                id=next_id,
                customer_id=customer.id,
                first_name=first,
                last_name=last,
                email=email,
                phone=_phone(rnd, area) if rnd.random() < 0.85 else None,
                mobile_phone=_phone(rnd, area) if rnd.random() < 0.5 else None,
                job_title=names.JOB_TITLES[0] if index == 0 else rnd.choice(names.JOB_TITLES),
                is_contact_person=index == 0,
                created_on=created,
                last_modified=created + (latest - created) * rnd.random(),
            )
            next_id += 1
    return contacts


def _share(total: int, parts: int, n: int) -> int:
    """Part `n` of `total` split into `parts` near-equal whole parts, at least 1."""
    return max(1, total // parts + (1 if n < total % parts else 0))


def _phone(rnd: random.Random, area: str) -> str:
    # 555-0100..0199 is the block reserved for fiction: realistic, and nobody's real number.
    return f"({area}) 555-{rnd.randint(100, 199):04d}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())
