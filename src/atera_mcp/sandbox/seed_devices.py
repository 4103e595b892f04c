"""Seeded monitoring data: each customer's agents (workstations and servers) and their alerts.

Drawn from a random stream of its own (`random.Random(f"devices:{seed}")`), after the tickets,
so adding devices changed no customer, contact or ticket of an existing seed. Logins are
spelled the ways Windows and Atera report them (`ACME\\jsmith`, `ACME\\john.smith`, a bare
`john.smith`, an email address), so a client must match users more than one way. Some alerts
opened tickets (`TicketID`); an alert of a finished ticket, and some others, are archived.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from atera_mcp.sandbox.records import Agent, Alert, Contact, Customer, Ticket

FIRST_AGENT_ID = 5001
FIRST_ALERT_ID = 70001
# Tickets opened by a monitoring alert, among finished and unfinished tickets.
TICKET_ALERT_SHARE = {True: 0.03, False: 0.04}
LOOSE_ALERT_SHARE = 0.035  # agents with an open alert no ticket was made for
OLD_ALERT_SHARE = 0.25  # agents with an alert resolved in the past
_DONE = frozenset({"Resolved", "Closed"})

_WORKSTATION_OS = (("Windows 11 Pro", 55), ("Windows 10 Pro", 30), ("macOS 14 Sonoma", 15))
_SERVER_OS = ("Windows Server 2022 Standard", "Windows Server 2019 Standard")
_SERVER_ROLES = ("DC01", "FS01", "APP01", "SQL01")
# (category, severity, title, message)
_ALERTS = (
    ("Disk", "Warning", "Disk C: free space is low", "Free space on C: is below 10%"),
    ("Disk", "Critical", "Disk C: is almost full", "Free space on C: is below 3%"),
    ("Performance", "Warning", "High CPU usage", "CPU usage above 90% for 15 minutes"),
    ("Performance", "Warning", "High memory usage", "Memory usage above 95% for 10 minutes"),
    ("Availability", "Critical", "Machine is offline", "The agent stopped reporting"),
    ("Hardware", "Critical", "SMART failure predicted", "Disk 0 reports a SMART failure"),
    ("General", "Information", "Windows updates failed", "3 updates failed to install"),
    ("General", "Warning", "Antivirus definitions out of date", "Definitions are 9 days old"),
    ("Exchange", "Warning", "Outlook cannot reach Exchange", "MAPI connection failures"),
)


@dataclass(slots=True)
class Devices:
    agents: dict[int, Agent]
    alerts: dict[int, Alert]


def generate_devices(
    seed: int,
    now: datetime,
    customers: Iterable[Customer],
    contacts: Iterable[Contact],
    tickets: Iterable[Ticket],
) -> Devices:
    """Agents and alerts for the seeded account, the same for the same inputs."""
    seeder = _DeviceSeeder(random.Random(f"devices:{seed}"), now)
    by_customer: dict[int, list[Contact]] = {}
    for contact in contacts:
        by_customer.setdefault(contact.customer_id, []).append(contact)
    for customer in customers:
        seeder.customer(customer, by_customer.get(customer.id, []))
    for ticket in tickets:
        seeder.ticket_alert(ticket)
    seeder.loose_alerts()
    return Devices(seeder.agents, seeder.alerts)


def _prefix(customer: Customer) -> str:
    return re.sub(r"[^A-Z0-9]", "", customer.domain.split(".")[0].upper())[:8] or "PC"


class _DeviceSeeder:
    def __init__(self, rnd: random.Random, now: datetime) -> None:
        self.rnd, self.now = rnd, now
        self.agents: dict[int, Agent] = {}
        self.alerts: dict[int, Alert] = {}
        self.by_user: dict[int, list[Agent]] = {}  # contact id -> their machines
        self.servers: dict[int, list[Agent]] = {}  # customer id -> its servers

    def customer(self, customer: Customer, people: list[Contact]) -> None:
        prefix, serial = _prefix(customer), 0
        for person in people:
            for _ in range(self._machines_of_one_user()):
                serial += 1
                agent = self._workstation(customer, prefix, serial, person)
                self.by_user.setdefault(person.id, []).append(agent)
        for role in self.rnd.sample(_SERVER_ROLES, self.rnd.randint(1, 3)):
            agent = self._agent(customer, f"{prefix}-{role}", "Server", self.rnd.choice(_SERVER_OS))
            admin = f"{prefix}\\administrator"
            agent.last_login_user = admin if self.rnd.random() < 0.8 else None
            agent.logged_users = admin if agent.online and self.rnd.random() < 0.3 else ""
            self.servers.setdefault(customer.id, []).append(agent)

    def _machines_of_one_user(self) -> int:
        draw = self.rnd.random()
        return 0 if draw < 0.12 else 2 if draw > 0.9 else 1

    def _workstation(self, customer: Customer, prefix: str, serial: int, person: Contact) -> Agent:
        laptop = self.rnd.random() < 0.6
        os = self._weighted(_WORKSTATION_OS)
        name = f"{prefix}-{'LT' if laptop else 'WS'}-{serial:03d}"
        agent = self._agent(customer, name, "Laptop" if laptop else "Desktop", os)
        login = self._login(prefix, person, mac=os.startswith("macOS"))
        agent.last_login_user, agent.owner_id = login, person.id
        agent.logged_users = login if agent.online and self.rnd.random() < 0.85 else ""
        return agent

    def _login(self, prefix: str, person: Contact, *, mac: bool) -> str:
        """How Windows or macOS names the user: several spellings, all of one person."""
        first = re.sub(r"[^a-z]", "", (person.first_name or "").lower())
        last = re.sub(r"[^a-z]", "", (person.last_name or "").lower())
        local = person.email.split("@")[0]
        if mac:
            return local
        draw = self.rnd.random()
        if draw < 0.35:
            return f"{prefix}\\{first[:1]}{last}"
        if draw < 0.6:
            return f"{prefix}\\{(person.first_name or '').title()}.{(person.last_name or '')}"
        if draw < 0.8:
            return local
        if draw < 0.9:
            return person.email
        return f"{prefix}\\{first[:1].upper()}{last.title()}"

    def _agent(self, customer: Customer, name: str, kind: str, os: str) -> Agent:
        rnd, now = self.rnd, self.now
        online = rnd.random() < (0.95 if kind == "Server" else 0.7)
        seen = now - timedelta(minutes=rnd.randint(0, 4))
        if not online:
            seen = now - timedelta(hours=rnd.randint(2, 24 * 20), minutes=rnd.randint(0, 59))
        reboot = seen - timedelta(hours=rnd.randint(1, 24 * 30), minutes=rnd.randint(0, 59))
        agent = Agent(
            id=FIRST_AGENT_ID + len(self.agents),
            guid=str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            customer_id=customer.id,
            machine_name=name,
            domain_name=_prefix(customer),
            device_type=kind,
            os=os,
            os_type="Server" if kind == "Server" else "Work Station",
            online=online,
            last_seen=seen,
            last_reboot=reboot,
            last_login_user=None,
            logged_users="",
            created=customer.created_on + timedelta(days=rnd.randint(1, 120)),
        )
        self.agents[agent.id] = agent
        return agent

    def ticket_alert(self, ticket: Ticket) -> None:
        """Now and then a ticket was opened by an alert on the end user's machine (or, when
        they have none, on one of the customer's servers)."""
        if self.rnd.random() >= TICKET_ALERT_SHARE[ticket.status in _DONE]:
            return
        machines = self.by_user.get(ticket.end_user_id) or self.servers.get(ticket.customer_id)
        if not machines:
            return
        agent = self.rnd.choice(machines)
        created = ticket.created - timedelta(minutes=self.rnd.randint(1, 20))
        alert = self._alert(agent, created, ticket_id=ticket.id)
        if ticket.status in _DONE:
            alert.archived_at = ticket.resolved or ticket.created
        elif self.rnd.random() < 0.25:  # the condition cleared by itself; the ticket stays
            alert.archived_at = created + timedelta(minutes=self.rnd.randint(10, 600))

    def loose_alerts(self) -> None:
        for agent in list(self.agents.values()):
            if self.rnd.random() < OLD_ALERT_SHARE:
                created = self.now - timedelta(days=self.rnd.randint(5, 170))
                self._alert(agent, created).archived_at = created + timedelta(hours=2)
            if self.rnd.random() < LOOSE_ALERT_SHARE:
                self._alert(agent, self.now - timedelta(minutes=self.rnd.randint(5, 60 * 72)))

    def _alert(self, agent: Agent, created: datetime, ticket_id: int | None = None) -> Alert:
        category, severity, title, message = self.rnd.choice(_ALERTS)
        if agent.device_type != "Server" and category == "Exchange":
            category, severity, title, message = _ALERTS[0]
        alert = Alert(
            id=FIRST_ALERT_ID + len(self.alerts),
            agent_id=agent.id,
            customer_id=agent.customer_id,
            title=title,
            message=message,
            severity=severity,
            category=category,
            created=created,
            ticket_id=ticket_id,
        )
        self.alerts[alert.id] = alert
        return alert

    def _weighted(self, choices: tuple[tuple[str, int], ...]) -> str:
        values = [value for value, _ in choices]
        return self.rnd.choices(values, weights=[weight for _, weight in choices])[0]
