"""Brute-force totals for bench_index's QUERIES, counted over the sandbox's own records.

Written again from the tool contract, apart from the search code: a status, priority, customer
(id, or a name containing the text), technician or end user's email must match; `overdue` is
open work whose first response (not yet given) or close date is past due; each word of `query`
must be a word of the title, description or last comments, the last word as a prefix. Words
are cut by the index's own tokenizer (`fts.tokens`, SQLite's), after a cheap substring check.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from atera_mcp.index.fts import tokens
from atera_mcp.sandbox.records import Ticket
from atera_mcp.sandbox.store import SandboxStore

RESPONSE_HOURS = {"Critical": 1, "High": 4, "Medium": 8, "Low": 24}


def expected_total(store: SandboxStore, query: dict[str, Any], now: datetime) -> int:
    return sum(matches(store, t, query, now) for t in store.tickets.values())


def matches(store: SandboxStore, t: Ticket, q: dict[str, Any], now: datetime) -> bool:
    if "status" in q and t.status not in q["status"]:
        return False
    if "priority" in q and t.priority not in q["priority"]:
        return False
    if "customer_id" in q and t.customer_id != q["customer_id"]:
        return False
    if "customer_name" in q:
        customer = store.customers.get(t.customer_id)
        if customer is None or q["customer_name"].casefold() not in customer.name.casefold():
            return False
    if "technician_id" in q and t.technician_id != q["technician_id"]:
        return False
    if "end_user_email" in q:
        user = store.contacts.get(t.end_user_id)
        if user is None or (user.email or "").casefold() != q["end_user_email"].casefold():
            return False
    if "overdue" in q and overdue(t, now) != q["overdue"]:
        return False
    return "query" not in q or has_words(t, q["query"])


def overdue(t: Ticket, now: datetime) -> bool:
    if t.status in ("Resolved", "Closed"):
        return False
    hours = RESPONSE_HOURS.get(t.priority, 8)
    response = t.first_response_due or t.created + timedelta(hours=hours)
    missed_response = t.technician_first_comment is None and response < now
    return missed_response or (t.closed_due is not None and t.closed_due < now)


def has_words(t: Ticket, query: str) -> bool:
    *whole, last = query.casefold().split()
    texts = [t.title, t.description, t.last_end_user_comment or "", t.last_technician_comment or ""]
    text = "\n".join(texts).casefold()
    if not all(word in text for word in [*whole, last]):
        return False  # a word that is not even a substring is not a word
    words = {w for part in texts for w in tokens(part)}
    return all(w in words for w in whole) and any(w.startswith(last) for w in words)
