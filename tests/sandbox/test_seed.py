"""The seeded data: deterministic, and shaped like a real MSP's desk."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from atera_mcp.sandbox import SANDBOX_TECHNICIANS
from atera_mcp.sandbox.families import FAMILIES, members_per_family
from atera_mcp.sandbox.seed import SeedData, customer_count, generate
from atera_mcp.sandbox.sla import RESOLVED_STATUSES
from tests.sandbox.helpers import NOW

ZONE = ZoneInfo("America/New_York")
SLA_HOURS = {"Critical": 1, "High": 4, "Medium": 8, "Low": 24}


def seeded(tickets: int = 600, seed: int = 1) -> SeedData:
    return generate(tickets=tickets, seed=seed, now=NOW, zone=ZONE)


@pytest.fixture(scope="module")
def data() -> SeedData:
    return seeded()


def test_the_same_inputs_give_identical_data() -> None:
    assert seeded(300, 7) == seeded(300, 7)


def test_a_different_seed_gives_different_data() -> None:
    first, second = seeded(300, 1), seeded(300, 2)
    assert [t.title for t in first.tickets.values()] != [t.title for t in second.tickets.values()]


def test_acme_and_john_smith_are_always_there() -> None:
    for seed in (1, 2, 3):
        data = seeded(50, seed)
        acme = data.customers[1]
        assert (acme.name, acme.domain) == ("Acme Corporation", "acme.com")
        john = data.contacts[1001]
        assert (john.first_name, john.last_name, john.email, john.customer_id) == (
            "John",
            "Smith",
            "john.smith@acme.com",
            1,
        )


def test_six_technicians_with_msp_emails() -> None:
    assert len(SANDBOX_TECHNICIANS) == 6
    assert len({t.id for t in SANDBOX_TECHNICIANS}) == 6
    assert all(t.email.endswith("@brightpath-it.com") for t in SANDBOX_TECHNICIANS)
    assert SANDBOX_TECHNICIANS[0].full_name == "Maya Patel"


def test_customers_scale_with_tickets_within_bounds() -> None:
    assert customer_count(300) == 12
    assert customer_count(5_000) == 200
    assert customer_count(50_000) == 240


def test_contacts_are_three_to_twelve_per_customer_at_its_domain(data: SeedData) -> None:
    per_customer = Counter(c.customer_id for c in data.contacts.values())
    assert set(per_customer) == set(data.customers)
    assert all(3 <= n <= 12 for n in per_customer.values())
    for contact in data.contacts.values():
        assert contact.email.endswith("@" + data.customers[contact.customer_id].domain)
    emails = [c.email for c in data.contacts.values()]
    assert len(emails) == len(set(emails))


def test_tickets_span_the_last_180_days_and_nothing_happens_after_now(data: SeedData) -> None:
    for ticket in data.tickets.values():
        assert NOW - timedelta(days=181) <= ticket.created <= NOW
        assert ticket.modified <= NOW
        assert all(ticket.created <= c.date <= NOW for c in ticket.comments)
        assert all(ticket.created <= w.start < w.end <= NOW for w in ticket.work)


def test_ticket_ids_follow_creation_time(data: SeedData) -> None:
    created = [t.created for t in data.tickets.values()]
    assert created == sorted(created)


def test_comments_open_with_the_end_users_description_in_date_order(data: SeedData) -> None:
    for ticket in data.tickets.values():
        first = ticket.comments[0]
        assert (first.text, first.end_user_id) == (ticket.description, ticket.end_user_id)
        dates = [c.date for c in ticket.comments]
        assert dates == sorted(dates)
    kinds = Counter(
        "internal" if c.is_internal else "tech" if c.technician_id else "user"
        for t in data.tickets.values()
        for c in t.comments
    )
    assert min(kinds.values()) > 50


def test_no_seeded_text_shows_an_unfilled_placeholder(data: SeedData) -> None:
    # A reply reading "I have connected to {device}" is template text, not a desk's data.
    texts = [
        text
        for t in data.tickets.values()
        for text in (
            t.title,
            t.description,
            *(c.text for c in t.comments),
            *(w.description for w in t.work),
        )
    ]
    assert not [text for text in texts if re.search(r"\{[a-z_]+\}", text or "")]


def test_work_entries_last_15_minutes_to_4_hours_and_never_overlap(data: SeedData) -> None:
    entries = [w for t in data.tickets.values() for w in t.work]
    assert len(entries) > 300
    for ticket in data.tickets.values():
        for entry in ticket.work:
            assert timedelta(minutes=15) <= entry.end - entry.start <= timedelta(hours=4)
        ordered = sorted(ticket.work, key=lambda w: w.start)
        assert all(a.end <= b.start for a, b in itertools.pairwise(ordered))
    billable = sum(w.billable for w in entries) / len(entries)
    assert 0.55 < billable < 0.9
    assert any(w.on_site for w in entries)


def test_old_tickets_are_mostly_closed_and_recent_ones_mostly_open(data: SeedData) -> None:
    old = [t for t in data.tickets.values() if NOW - t.created > timedelta(days=30)]
    recent = [t for t in data.tickets.values() if NOW - t.created < timedelta(days=3)]
    assert sum(t.status == "Closed" for t in old) / len(old) > 0.8
    assert sum(t.status not in RESOLVED_STATUSES for t in recent) / len(recent) > 0.4


def test_resolved_date_is_set_exactly_on_resolved_and_closed_tickets(data: SeedData) -> None:
    for ticket in data.tickets.values():
        assert (ticket.resolved is not None) == (ticket.status in RESOLVED_STATUSES)


def test_due_dates_follow_the_priority_sla_where_the_customer_has_one(data: SeedData) -> None:
    without = 0
    for ticket in data.tickets.values():
        if data.customers[ticket.customer_id].contract_id is None:
            # No contract, no SLA policy: Atera leaves both due dates empty.
            assert ticket.first_response_due is None
            assert ticket.closed_due is None
            without += 1
            continue
        sla = timedelta(hours=SLA_HOURS[ticket.priority])
        assert ticket.first_response_due == ticket.created + sla
        assert ticket.closed_due == ticket.created + 4 * sla
    assert 0 < without < len(data.tickets) / 2


def test_open_tickets_wait_on_either_side(data: SeedData) -> None:
    unresolved = [t for t in data.tickets.values() if t.status not in RESOLVED_STATUSES]
    unanswered = [t for t in unresolved if t.technician_first_comment is None]
    customer_last = [
        t
        for t in unresolved
        if t.technician_first_comment is not None
        and t.last_end_user_comment_at is not None
        and t.last_technician_comment_at is not None
        and t.last_end_user_comment_at > t.last_technician_comment_at
    ]
    assert unanswered
    assert customer_last


def test_the_mix_reads_like_a_real_desk(data: SeedData) -> None:
    tickets = list(data.tickets.values())
    priorities = Counter(t.priority for t in tickets)
    assert priorities["Medium"] > priorities["Critical"] > 0
    assert {t.type for t in tickets} == {"Incident", "Problem", "Request", "Change"}
    assert any(t.technician_id is None for t in tickets)
    assert any(t.status not in ("Open", "Pending", "Resolved", "Closed") for t in tickets)
    assert len({t.title for t in tickets}) > 200
    assert any("Acme Corporation" in t.title or "ACME-" in t.title for t in tickets)


def test_a_few_tickets_are_related_one_level_deep(data: SeedData) -> None:
    children = [t for t in data.tickets.values() if t.parent_id is not None]
    assert children
    for child in children:
        parent = data.tickets[child.parent_id or 0]
        assert child.id in parent.child_ids
        assert parent.parent_id is None
        assert not child.child_ids
        assert parent.customer_id == child.customer_id


def test_families_of_resolved_tickets_share_a_cause_in_words_of_their_own(data: SeedData) -> None:
    members: dict[str, list[int]] = {}
    for ticket_id, key in data.families.items():
        members.setdefault(key, []).append(ticket_id)
    assert set(members) == {f.key for f in FAMILIES}
    for family in FAMILIES:
        tickets = [data.tickets[i] for i in members[family.key]]
        assert len(tickets) >= members_per_family(600)
        assert all(t.status in RESOLVED_STATUSES and t.resolved for t in tickets)
        worded = [(t.title, t.description) for t in tickets]
        assert len(set(worded)) == len(worded), family.key
        for ticket in tickets:
            resolved = ticket.resolved
            assert resolved is not None
            fix = [c for c in ticket.comments if c.technician_id and c.date <= resolved]
            assert fix[-1].text in family.fixes
            assert ticket.comments[0].text == ticket.description


def test_families_draw_from_their_own_stream_so_every_other_seeded_value_is_unchanged() -> None:
    plain = generate(tickets=300, seed=7, now=NOW, zone=ZONE, families=False)
    data = seeded(300, 7)
    assert (data.customers, data.contacts) == (plain.customers, plain.contacts)
    assert data.families
    for ticket_id, ticket in data.tickets.items():
        before = plain.tickets[ticket_id]
        if ticket_id not in data.families:
            assert ticket == before
            continue
        assert ticket.title != before.title
        assert [(c.date, c.technician_id) for c in ticket.comments] == [
            (c.date, c.technician_id) for c in before.comments
        ]
        assert (ticket.status, ticket.resolved, ticket.work) == (
            before.status,
            before.resolved,
            before.work,
        )


def test_the_directory_can_be_as_large_as_a_big_msps_with_every_name_and_domain_distinct() -> None:
    big = generate(tickets=100, seed=1, now=NOW, zone=ZONE, customers=5_000, contacts=50_000)
    assert len(big.customers) == 5_000
    assert len(big.contacts) == 50_000
    assert len({c.name for c in big.customers.values()}) == 5_000
    assert len({c.domain for c in big.customers.values()}) == 5_000
    assert len({c.email for c in big.contacts.values()}) == 50_000
    assert {c.customer_id for c in big.contacts.values()} == set(big.customers)


def test_without_directory_sizes_the_seed_is_what_it_always_was() -> None:
    data = seeded(300, 7)
    text = repr(sorted((c.id, c.name, c.domain) for c in data.customers.values()))
    text += repr(
        sorted(
            (c.id, c.first_name, c.last_name, c.email, c.customer_id)
            for c in data.contacts.values()
        )
    )
    text += repr(sorted((t.id, t.title) for t in data.tickets.values()))
    # The digest of the same data as seeded before the directory sizes existed.
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == "899547ec27efe527"


def test_work_scale_makes_the_book_denser_and_leaves_the_default_as_it_was() -> None:
    plain = generate(tickets=2_000, seed=3, now=NOW, zone=ZONE)
    dense = generate(tickets=2_000, seed=3, now=NOW, zone=ZONE, work_scale=1.2)
    count = [sum(len(t.work) for t in d.tickets.values()) for d in (plain, dense)]
    assert 1.1 * count[0] < count[1] < 1.35 * count[0]
    assert generate(tickets=2_000, seed=3, now=NOW, zone=ZONE, work_scale=1.0) == plain
