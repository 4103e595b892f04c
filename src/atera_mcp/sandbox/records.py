"""The sandbox's in-memory records: plain slotted dataclasses, no pydantic.

Seeding builds hundreds of thousands of these, so they stay cheap to create; wire DTOs are built
from them only when a response needs them (see `dto.py`).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SandboxTechnician:
    """One of the account's technicians (Atera has no endpoint listing them)."""

    id: int
    first_name: str
    last_name: str
    email: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


MSP_DOMAIN = "brightpath-it.com"

SANDBOX_TECHNICIANS: tuple[SandboxTechnician, ...] = (
    SandboxTechnician(101, "Maya", "Patel", f"maya.patel@{MSP_DOMAIN}"),
    SandboxTechnician(102, "Daniel", "Okafor", f"daniel.okafor@{MSP_DOMAIN}"),
    SandboxTechnician(103, "Sofia", "Martinez", f"sofia.martinez@{MSP_DOMAIN}"),
    SandboxTechnician(104, "Liam", "O'Brien", f"liam.obrien@{MSP_DOMAIN}"),
    SandboxTechnician(105, "Grace", "Kim", f"grace.kim@{MSP_DOMAIN}"),
    SandboxTechnician(106, "Ethan", "Walker", f"ethan.walker@{MSP_DOMAIN}"),
)


@dataclass(frozen=True, slots=True)
class Rate:
    """A billing rate a work-hour entry can carry (`RateID`, `RateAmount`)."""

    id: int
    name: str
    amount: float


RATES: dict[int, Rate] = {
    1: Rate(1, "Remote support", 125.0),
    2: Rate(2, "Emergency / after hours", 185.0),
    3: Rate(3, "On-site support", 150.0),
}


@dataclass(slots=True)
class Customer:
    id: int
    name: str
    domain: str
    phone: str
    address: str
    city: str
    state: str
    zip_code: str
    business_number: str
    contract_id: int | None
    created_on: datetime
    last_modified: datetime
    country: str = "United States"


@dataclass(slots=True)
class Contact:
    id: int
    customer_id: int
    first_name: str | None
    last_name: str | None
    email: str
    phone: str | None
    mobile_phone: str | None
    job_title: str | None
    is_contact_person: bool
    created_on: datetime
    last_modified: datetime


@dataclass(slots=True)
class Comment:
    """A ticket comment; exactly one of end_user_id / technician_id is set."""

    date: datetime
    text: str
    end_user_id: int | None
    technician_id: int | None
    is_internal: bool


@dataclass(slots=True)
class WorkEntry:
    id: int
    ticket_id: int
    start: datetime
    end: datetime
    technician_id: int
    billable: bool
    on_site: bool
    description: str | None
    rate_id: int | None


@dataclass(slots=True)
class Ticket:
    id: int
    title: str
    # The description the ticket was opened with: Atera shows it as FirstComment.
    description: str
    priority: str
    impact: str
    status: str
    type: str
    source: str
    end_user_id: int
    customer_id: int
    technician_id: int | None
    created: datetime
    # None: the customer has no SLA policy, and Atera leaves FirstResponseDueDate and
    # ClosedTicketDueDate empty.
    first_response_due: datetime | None
    closed_due: datetime | None
    # Hidden: feeds /tickets/lastmodified, never serialised (Atera's DTO has no such field).
    modified: datetime
    modified_seq: int = 0
    resolved: datetime | None = None
    technician_first_comment: datetime | None = None
    last_end_user_comment: str | None = None
    last_end_user_comment_at: datetime | None = None
    last_technician_comment: str | None = None
    last_technician_comment_at: datetime | None = None
    parent_id: int | None = None
    child_ids: list[int] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    work: list[WorkEntry] = field(default_factory=list)


def apply_comment(ticket: Ticket, comment: Comment) -> None:
    """Add a comment in date order and update the ticket's comment summary fields.

    Shared by the seed and the API so seeded and live tickets follow the same rules: the last
    end-user / technician comment is the latest by date, and TechnicianFirstCommentDate is the
    earliest public technician comment (an internal note is not a response to the customer).
    """
    comments = ticket.comments
    if not comments or comments[-1].date <= comment.date:
        comments.append(comment)
    else:
        bisect.insort_right(comments, comment, key=lambda c: c.date)
    at = comment.date
    if comment.technician_id is None:
        if ticket.last_end_user_comment_at is None or at >= ticket.last_end_user_comment_at:
            ticket.last_end_user_comment, ticket.last_end_user_comment_at = comment.text, at
        return
    if ticket.last_technician_comment_at is None or at >= ticket.last_technician_comment_at:
        ticket.last_technician_comment, ticket.last_technician_comment_at = comment.text, at
    first = ticket.technician_first_comment
    if not comment.is_internal and (first is None or at < first):
        ticket.technician_first_comment = at


@dataclass(slots=True)
class Agent:
    """A monitored device of a customer (Atera's AgentDto). `logged_users` is Atera's one
    comma-separated `CurrentLoggedUsers` string; empty when nobody is signed in."""

    id: int
    guid: str
    customer_id: int
    machine_name: str
    domain_name: str
    device_type: str  # "Laptop", "Desktop", "Server"
    os: str
    os_type: str  # "Work Station", "Server"
    online: bool
    last_seen: datetime
    last_reboot: datetime
    last_login_user: str | None
    logged_users: str
    created: datetime
    # Hidden: whose machine it is (tests judge a client's matching by it); never serialised.
    owner_id: int | None = None


@dataclass(slots=True)
class Alert:
    """A monitoring alert on an agent (Atera's AlertDto). `ticket_id` is the ticket the alert
    opened, if any; `archived_at` is set once it was resolved."""

    id: int
    agent_id: int
    customer_id: int
    title: str
    message: str
    severity: str  # Information | Warning | Critical
    category: str  # Hardware | Disk | Availability | Performance | Exchange | General
    created: datetime
    ticket_id: int | None = None
    archived_at: datetime | None = None
