"""Name lookups from the index on a large directory (5,000 customers, 50,000 contacts).

Run on demand: `PYTHONPATH=. .venv/bin/python bench/bench_directory.py [--postgres URL]`.
The index reads the directory once (requests and time printed), then find_customers and
find_contacts run for a sample of the sandbox's own records: each answer is checked against
a brute-force match over the sandbox's data (accents and case folded), typo'd names must still
find their record, and every lookup must send 0 requests to Atera.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import anyio
import psycopg
from psycopg import sql
from pydantic import SecretStr
from tests.contract.openapi_check import RecordingTransport

from atera_mcp.client import AteraClient
from atera_mcp.config import Settings
from atera_mcp.domain.fold import fold, words
from atera_mcp.index.pg_schema import schema_for
from atera_mcp.index.postgres import PostgresTarget
from atera_mcp.index.service import Location, TicketIndex
from atera_mcp.sandbox import SandboxConfig, create_app, sandbox_state, sandbox_transport
from atera_mcp.sandbox.records import Contact
from atera_mcp.sandbox.store import SandboxStore
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.directory import find_contacts, find_customers
from bench.figures import percentile

KEY = "bench-key-0123456789"


def drop_schema(where: PostgresTarget) -> None:
    """The bench's schema is its own: dropped when done, as the tests drop theirs."""
    with psycopg.connect(where.url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(where.schema))
        )


BASE = "https://sandbox.bench/api/v3"
SAMPLE = 200
T = TypeVar("T")


def typo(word: str, rnd: random.Random) -> str:
    """The word with two neighbouring letters swapped (a typo one edit away)."""
    if len(word) < 4:
        return word
    at = rnd.randrange(1, len(word) - 2)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def full(c: Contact) -> str:
    return " ".join(words(f"{c.first_name or ''} {c.last_name or ''}"))


async def timed(timings: list[float], call: Callable[[], Awaitable[T]]) -> T:
    began = time.perf_counter()
    result = await call()
    timings.append((time.perf_counter() - began) * 1000)
    return result


async def main(args: argparse.Namespace) -> None:
    began = time.perf_counter()
    config = SandboxConfig(
        tickets=args.tickets,
        seed=1,
        api_key=KEY,
        rpm=0,
        customers=args.customers,
        contacts=args.contacts,
    )
    app = create_app(config)
    store = sandbox_state(app).store
    print(
        f"sandbox: {len(store.tickets):,} tickets, {len(store.customers):,} customers, "
        f"{len(store.contacts):,} contacts (seeded in {time.perf_counter() - began:.1f} s)"
    )
    recorder = RecordingTransport(sandbox_transport(app))
    settings = Settings(api_key=SecretStr(KEY), base_url=BASE, rpm=0)
    with tempfile.TemporaryDirectory() as folder:
        where: Location = Path(folder) / "index.sqlite3"
        if args.postgres:
            where = PostgresTarget(args.postgres, schema_for("benchdirectory0000"))
        async with AteraClient(api_key=KEY, base_url=BASE, rpm=0, transport=recorder) as atera:
            index = await TicketIndex.open(where, atera)
            try:
                await run(index, atera, settings, recorder, store)
            finally:
                await index.close()
                if isinstance(where, PostgresTarget):
                    drop_schema(where)


async def run(
    index: TicketIndex,
    atera: AteraClient,
    settings: Settings,
    recorder: RecordingTransport,
    store: SandboxStore,
) -> None:
    began = time.perf_counter()
    while await index.people.step():
        pass
    print(
        f"first directory read ({index.store.describe().split(' in ')[0]}): "
        f"{len(recorder.records):,} requests, {time.perf_counter() - began:.1f} s"
    )
    ctx = ToolContext.create(atera, settings, index=index)
    recorder.records.clear()
    rnd = random.Random(7)
    contacts = rnd.sample(list(store.contacts.values()), SAMPLE)
    customers = rnd.sample(list(store.customers.values()), SAMPLE)
    timings: dict[str, list[float]] = {}
    wrong: list[str] = []

    def expected_by_name(name: str) -> set[int]:
        terms = words(name)
        keys = {c.id: full(c) for c in store.contacts.values()}
        keys = {i: f"{k} {k.replace(' ', '')}" for i, k in keys.items()}
        return {i for i, k in keys.items() if all(t in k for t in terms)}

    for c in contacts:
        name = f"{c.first_name} {c.last_name}"
        found = await timed(
            timings.setdefault("contact by full name", []),
            partial(find_contacts, ctx, name=name.upper(), limit=50),
        )
        want = expected_by_name(name)
        if found.total != len(want) or not {x.id for x in found.contacts} <= want:
            wrong.append(f"name {name}")
        found = await timed(
            timings.setdefault("contact by email", []),
            partial(find_contacts, ctx, email=c.email, limit=50),
        )
        want = {x.id for x in store.contacts.values() if fold(c.email) in fold(x.email)}
        if {x.id for x in found.contacts} != want:
            wrong.append(f"email {c.email}")
        misspelt = f"{c.first_name} {typo(c.last_name or '', rnd)}"
        found = await timed(
            timings.setdefault("contact, surname typo'd", []),
            partial(find_contacts, ctx, name=misspelt, customer_id=c.customer_id),
        )
        if c.id not in {x.id for x in found.contacts}:
            wrong.append(f"typo {misspelt}")
    for cu in customers:
        hits = await timed(
            timings.setdefault("customer by name", []),
            partial(find_customers, ctx, cu.name.lower(), limit=50),
        )
        want = {
            x.id
            for x in store.customers.values()
            if " ".join(words(cu.name)) in " ".join(words(x.name))
            or fold(cu.name) in fold(x.domain)
        }
        shown = {x.id for x in hits.customers}
        if hits.total != len(want) or not shown <= want or cu.id not in shown:
            wrong.append(f"customer {cu.name}")
    print(f"{'lookup':26} {'calls':>5} {'p50 ms':>7} {'p95 ms':>7}")
    for label, values in timings.items():
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(f"{label:26} {len(values):5} {p50:7.1f} {p95:7.1f}")
    print(f"requests to Atera during {sum(map(len, timings.values())):,} lookups: ", end="")
    print(len(recorder.records))
    print(f"answers differing from the sandbox's own records: {len(wrong)}", wrong[:5])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL: index there instead of SQLite")
    anyio.run(main, parser.parse_args())
