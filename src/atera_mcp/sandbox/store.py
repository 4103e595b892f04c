"""The sandbox's data: seeded records, lookups, id counters and the hidden modified stamp."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from atera_mcp.sandbox.problems import not_found
from atera_mcp.sandbox.records import (
    SANDBOX_TECHNICIANS,
    Agent,
    Alert,
    Contact,
    Customer,
    SandboxTechnician,
    Ticket,
    WorkEntry,
)
from atera_mcp.sandbox.seed import SeedData
from atera_mcp.sandbox.timeline import SandboxClock


class SandboxStore:
    """Everything the API serves. Unknown ids raise the 404 Atera would answer."""

    def __init__(self, data: SeedData, clock: SandboxClock, zone: ZoneInfo) -> None:
        self.customers: dict[int, Customer] = data.customers
        self.contacts: dict[int, Contact] = data.contacts
        self.tickets: dict[int, Ticket] = data.tickets
        self.agents: dict[int, Agent] = data.agents
        self.alerts: dict[int, Alert] = data.alerts
        self.families: dict[int, str] = data.families  # for measuring similar_tickets
        self.clock = clock
        self.zone = zone
        self.technicians = {tech.id: tech for tech in SANDBOX_TECHNICIANS}
        self._technicians_by_email = {tech.email.lower(): tech for tech in SANDBOX_TECHNICIANS}
        self._next_ticket_id = max(self.tickets, default=0) + 1
        self._next_contact_id = max(self.contacts, default=1000) + 1
        self._next_work_id = max((entry.id for entry in self.work_entries()), default=0) + 1
        self._next_comment_id = sum(len(t.comments) for t in self.tickets.values()) + 1
        self._write_seq = 0
        # Lists of GET /tickets by filter, kept until the next write (a large account's sync
        # reads thousands of pages of one list: building it per page made every page O(N)).
        self._lists: dict[Hashable, list[Ticket]] = {}
        self._lists_at: tuple[int, int] = (0, len(self.tickets))

    # Lookups ----------------------------------------------------------------------------
    def ticket(self, ticket_id: int) -> Ticket:
        found = self.tickets.get(ticket_id)
        if found is None:
            raise not_found("Ticket", ticket_id)
        return found

    def alert(self, alert_id: int) -> Alert:
        found = self.alerts.get(alert_id)
        if found is None:
            raise not_found("Alert", alert_id)
        return found

    def contact(self, contact_id: int) -> Contact:
        found = self.contacts.get(contact_id)
        if found is None:
            raise not_found("Contact", contact_id)
        return found

    def customer(self, customer_id: int) -> Customer:
        found = self.customers.get(customer_id)
        if found is None:
            raise not_found("Customer", customer_id)
        return found

    def technician_by_id(self, technician_id: int) -> SandboxTechnician | None:
        return self.technicians.get(technician_id)

    def technician_by_email(self, email: str) -> SandboxTechnician | None:
        return self._technicians_by_email.get(email.strip().lower())

    def contact_by_email(self, email: str) -> Contact | None:
        wanted = email.strip().lower()
        return next((c for c in self.contacts.values() if c.email.lower() == wanted), None)

    def customer_by_domain(self, domain: str) -> Customer | None:
        wanted = domain.strip().lower()
        return next((c for c in self.customers.values() if c.domain.lower() == wanted), None)

    def customer_by_name(self, name: str) -> Customer | None:
        wanted = name.strip().lower()
        return next((c for c in self.customers.values() if c.name.lower() == wanted), None)

    def work_entries(self) -> Iterator[WorkEntry]:
        for ticket in self.tickets.values():
            yield from ticket.work

    def listing(self, key: Hashable, build: Callable[[], list[Ticket]]) -> list[Ticket]:
        """The ticket list `key` names, built by `build` unless built since the last write
        (every write stamps the ticket it touches; a deletion changes the count)."""
        now = (self._write_seq, len(self.tickets))
        if now != self._lists_at:
            self._lists, self._lists_at = {}, now
        if key not in self._lists:
            self._lists[key] = build()
        return self._lists[key]

    # Writes -----------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def touch(self, ticket: Ticket) -> datetime:
        """Stamp a write on the ticket (the hidden last-modified feeding /tickets/lastmodified)."""
        self._write_seq += 1
        ticket.modified, ticket.modified_seq = self.now(), self._write_seq
        return ticket.modified

    def new_ticket_id(self) -> int:
        self._next_ticket_id += 1
        return self._next_ticket_id - 1

    def new_contact_id(self) -> int:
        self._next_contact_id += 1
        return self._next_contact_id - 1

    def new_work_id(self) -> int:
        self._next_work_id += 1
        return self._next_work_id - 1

    def new_comment_id(self) -> int:
        # Comments have no id on the wire; this only numbers the ActionID of the answer.
        self._next_comment_id += 1
        return self._next_comment_id - 1
