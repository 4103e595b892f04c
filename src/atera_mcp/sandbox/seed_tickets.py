"""Seeded tickets: a 180-day history whose shape follows how an MSP desk actually runs.

Tickets are opened mostly in business hours, answered within (usually) their SLA, talked
through in public and internal comments, worked in non-overlapping time entries and, the older
they are, the likelier resolved and closed.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from itertools import accumulate

from atera_mcp.domain.wire import PRIORITIES
from atera_mcp.sandbox import names, templates
from atera_mcp.sandbox.dice import Dice
from atera_mcp.sandbox.records import (
    SANDBOX_TECHNICIANS,
    Comment,
    Contact,
    Customer,
    Ticket,
    WorkEntry,
    apply_comment,
)
from atera_mcp.sandbox.sla import (
    RESOLUTION_FACTOR,
    RESOLVED_STATUSES,
    has_sla,
    response_hours,
)
from atera_mcp.sandbox.templates import Template
from atera_mcp.sandbox.timeline import DayTable

FIRST_TICKET_ID = 1  # a young account numbers its tickets from 1, in creation order
HISTORY_DAYS = 180

# (age limit in hours, status weights): young tickets are open, old ones closed.
_STATUS_BY_AGE = (
    (24, {"Open": 55, "Pending": 20, "Resolved": 17, "Waiting on vendor": 5, "Closed": 3}),
    (168, {"Open": 18, "Pending": 20, "Resolved": 35, "Closed": 22, "Waiting on vendor": 5}),
    (720, {"Open": 4, "Pending": 6, "Resolved": 20, "Closed": 68, "Waiting on vendor": 2}),
    (float("inf"), {"Open": 1, "Pending": 1, "Resolved": 4, "Closed": 94}),
)
_SOURCES = ("Email", "Portal", "Agent", "API")
_SOURCE_CUM = (60, 82, 95, 100)
_SERVERS = ("FS01", "DC01", "APP01", "SQL01")
_PRINTERS = (
    "the HP LaserJet in the front office",
    "the Canon copier by reception",
    "the Brother printer in the back office",
    "the Xerox on the second floor",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


class TicketSeeder:
    """Writes `count` tickets for the given customers and contacts; one instance per seed."""

    def __init__(
        self,
        rnd: random.Random,
        now: datetime,
        days: DayTable,
        customers: list[Customer],
        contacts: dict[int, Contact],
        work_scale: float = 1.0,
    ) -> None:
        self._dice, self._now, self._days = Dice(rnd), now, days
        self._work_scale = work_scale
        self._customers = customers
        # Earlier customers are bigger clients (Acme first): a long tail, like a real book.
        self._customer_cum = list(accumulate(1 / (i + 1) ** 0.7 for i in range(len(customers))))
        self._template_cum = list(accumulate(t.weight for t in templates.TEMPLATES))
        self._people: dict[int, list[Contact]] = {c.id: [] for c in customers}
        for contact in contacts.values():
            self._people[contact.customer_id].append(contact)
        self._prefix = {c.id: _device_prefix(c.name) for c in customers}
        self._statuses = [
            (limit, list(w), list(accumulate(w.values()))) for limit, w in _STATUS_BY_AGE
        ]
        self._priority_cum = {
            t.key: list(accumulate(t.priority_weights)) for t in templates.TEMPLATES
        }
        self._next_work_id = 1

    def build(self, count: int) -> dict[int, Ticket]:
        # Ids follow creation time, as they do in a real account.
        times = sorted(self._creation_time() for _ in range(count))
        tickets = {
            FIRST_TICKET_ID + i: self._ticket(FIRST_TICKET_ID + i, t) for i, t in enumerate(times)
        }
        self._relate(list(tickets.values()))
        return tickets

    def _creation_time(self) -> datetime:
        dice, days = self._dice, self._days
        day = dice.below(HISTORY_DAYS)
        while days.weekdays[day] >= 5 and dice.random() < 0.8:
            day = dice.below(HISTORY_DAYS)
        minute = dice.between(450, 1080) if dice.random() < 0.92 else dice.below(1440)
        created = days.starts[day] + timedelta(minutes=minute, seconds=dice.below(60))
        if created > self._now:
            created = self._now - timedelta(minutes=dice.between(1, 240))
        return created

    def _ticket(self, ticket_id: int, created: datetime) -> Ticket:
        dice, now = self._dice, self._now
        template = dice.weighted(templates.TEMPLATES, self._template_cum)
        customer = dice.weighted(self._customers, self._customer_cum)
        user = dice.pick(self._people[customer.id])
        priority = dice.weighted(PRIORITIES, self._priority_cum[template.key])
        values = self._values(customer, user)
        sla_hours = response_hours(priority)
        sla = timedelta(hours=sla_hours)
        status = self._status((now - created).total_seconds() / 3600)
        unassigned = status == "Open" and dice.random() < 0.3
        tech = None if unassigned else dice.pick(SANDBOX_TECHNICIANS).id
        resolve_at = None
        if status in RESOLVED_STATUSES:
            hours = max(0.5, sla_hours * RESOLUTION_FACTOR * dice.uniform(0.1, 1.3))
            resolve_at = created + timedelta(seconds=int(hours * 3600))
            if resolve_at > now:
                status, resolve_at = "Pending", None
        bound = resolve_at or now
        # Titles and descriptions are written in matching pairs.
        variant = dice.below(len(template.titles))
        description = template.descriptions[variant % len(template.descriptions)]
        description = description.format_map(values)
        ticket = Ticket(
            id=ticket_id,
            title=template.titles[variant].format_map(values),
            description=description,
            priority=priority,
            impact=dice.pick(template.impacts),
            status=status,
            type=template.type,
            source=dice.weighted(_SOURCES, _SOURCE_CUM),
            end_user_id=user.id,
            customer_id=customer.id,
            technician_id=tech,
            created=created,
            first_response_due=created + sla if has_sla(customer) else None,
            closed_due=created + sla * RESOLUTION_FACTOR if has_sla(customer) else None,
            modified=created,
        )
        apply_comment(ticket, Comment(created, description, user.id, None, False))
        if tech is not None:
            resolving = resolve_at is not None
            self._conversation(ticket, template, tech, sla, bound, resolving, values)
        if resolve_at is not None and tech is not None:
            text = dice.pick(template.resolutions).format_map(values)
            apply_comment(ticket, Comment(resolve_at, text, None, tech, False))
            ticket.resolved = resolve_at
            if status == "Closed":
                closed_at = resolve_at + timedelta(minutes=dice.between(240, 7200))
                if closed_at > now:
                    ticket.status = "Resolved"
                else:
                    ticket.modified = closed_at
        ticket.modified = max(ticket.modified, ticket.comments[-1].date)
        if ticket.work:
            ticket.modified = max(ticket.modified, ticket.work[-1].end)
        return ticket

    def _conversation(
        self,
        ticket: Ticket,
        template: Template,
        tech: int,
        sla: timedelta,
        bound: datetime,
        resolving: bool,
        values: dict[str, str],  # the ticket's {device}, {server}, ... for the replies' text
    ) -> None:
        dice, created, user = self._dice, ticket.created, ticket.end_user_id
        # Most first replies land inside the SLA; some breach it, as in real life.
        factor = dice.uniform(0.05, 0.8) if dice.random() < 0.85 else dice.uniform(1.1, 3.0)
        reply = created + timedelta(seconds=int(sla.total_seconds() * factor))
        if reply >= bound:
            if not resolving:
                return  # not answered yet
            reply = created + timedelta(seconds=int((bound - created).total_seconds() * 0.3))
        text = dice.pick(template.updates).format_map(values)
        apply_comment(ticket, Comment(reply, text, None, tech, False))
        cursor = reply
        for _ in range(dice.between(0, 3)):
            at = cursor + timedelta(minutes=dice.between(10, 1200))
            if at >= bound:
                break
            roll = dice.random()
            if roll < 0.4:
                comment = Comment(at, dice.pick(templates.END_USER_FOLLOWUPS), user, None, False)
            elif roll < 0.7:
                note = dice.pick(template.notes + templates.INTERNAL_NOTES).format_map(values)
                comment = Comment(at, note, None, tech, True)
            else:
                comment = Comment(at, dice.pick(templates.TECHNICIAN_CHECKINS), None, tech, False)
            apply_comment(ticket, comment)
            cursor = at
        if ticket.status == "Pending" and ticket.comments[-1].end_user_id is not None:
            # Pending means the desk is waiting on the customer: the last word is ours.
            at = cursor + timedelta(minutes=dice.between(5, 120))
            if at < bound:
                checkin = dice.pick(templates.TECHNICIAN_CHECKINS)
                apply_comment(ticket, Comment(at, checkin, None, tech, False))
        self._work(ticket, template, tech, reply, bound)

    def _work(
        self, ticket: Ticket, template: Template, tech: int, after: datetime, bound: datetime
    ) -> None:
        dice, days = self._dice, self._days
        count = dice.weighted((0, 1, 2, 3), (20, 65, 90, 100))
        if self._work_scale != 1.0:  # a denser book; the default draws nothing more
            count = int(count * self._work_scale + dice.random())
        first_day, last_day = days.day_of(after), days.day_of(bound)
        picks = sorted((dice.between(last_day, first_day) for _ in range(count)), reverse=True)
        billable_share = 0.8 if template.type in ("Request", "Change") else 0.7
        previous_end = after
        for day in picks:
            start = days.starts[day] + timedelta(minutes=5 * dice.between(96, 199))
            # One technician never logs two overlapping entries on the same ticket.
            start = max(start, previous_end + timedelta(minutes=10))
            length = timedelta(minutes=15 * dice.between(1, 16))
            if start + length > bound:
                # Work on a short-lived ticket happens just before it is resolved.
                start = bound - length
                if start < previous_end + timedelta(minutes=10):
                    break
            end = start + length
            on_site = dice.random() < 0.15
            billable = dice.random() < billable_share
            rate = (
                (3 if on_site else 2 if ticket.priority == "Critical" else 1) if billable else None
            )
            text = dice.pick(templates.WORK_ONSITE if on_site else templates.WORK_REMOTE)
            entry = WorkEntry(
                self._next_work_id, ticket.id, start, end, tech, billable, on_site, text, rate
            )
            ticket.work.append(entry)
            self._next_work_id += 1
            previous_end = end

    def _status(self, age_hours: float) -> str:
        for limit, statuses, cum in self._statuses:
            if age_hours < limit:
                return self._dice.weighted(statuses, cum)
        raise AssertionError("the last age band is unbounded")

    def _values(self, customer: Customer, user: Contact) -> dict[str, str]:
        dice, prefix = self._dice, self._prefix[customer.id]
        return {
            "first": user.first_name or "",
            "last": user.last_name or "",
            "customer": customer.name,
            "device": f"{prefix}-{'LT' if dice.random() < 0.7 else 'WS'}-{dice.between(1, 60):03d}",
            "server": f"{prefix}-{dice.pick(_SERVERS)}",
            "printer": dice.pick(_PRINTERS),
            "newhire": f"{dice.pick(names.FIRST_NAMES)} {dice.pick(names.LAST_NAMES)}",
            "day": dice.pick(_WEEKDAYS),
        }

    def _relate(self, tickets: list[Ticket]) -> None:
        # A few incidents get follow-up tickets from the same client filed as children.
        dice = self._dice
        for _ in range(len(tickets) // 80):
            index = dice.below(len(tickets))
            parent = tickets[index]
            if parent.parent_id is not None:
                continue
            for child in tickets[index + 1 : index + 40]:
                free = child.parent_id is None and not child.child_ids
                if free and child.customer_id == parent.customer_id:
                    child.parent_id = parent.id
                    parent.child_ids.append(child.id)
                    break


def _device_prefix(name: str) -> str:
    words = [w for w in name.replace("&", " ").split() if w[0].isalpha()]
    initials = "".join(w[0] for w in words).upper()
    return initials if len(initials) >= 3 else words[0][:4].upper()
