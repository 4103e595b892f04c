"""What Atera itself computes for tickets: the built-in statuses and the SLA due dates.

Written here, on the sandbox's side, from the ticket skill document ("Ticket Status Values",
"Ticket Priority Levels") and the OpenAPI, never imported from the server's own rules: the
sandbox is what the server is checked against, so a rule wrong on the server must not be wrong
here too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from atera_mcp.sandbox.records import Customer

# The skill document's four statuses, in its order; Atera also accepts custom ones.
BUILT_IN_STATUSES: Final = ("Open", "Pending", "Resolved", "Closed")
RESOLVED_STATUSES: Final = frozenset({"Resolved", "Closed"})

# "Typical SLA" by priority in the skill document: hours to the first response.
RESPONSE_HOURS: Final = {"Critical": 1, "High": 4, "Medium": 8, "Low": 24}
# A ticket without a known priority is served as Atera's default, Medium.
DEFAULT_PRIORITY: Final = "Medium"
# Atera also sets a resolution target; the skill document gives none, so the sandbox sets it at
# four times the response target.
RESOLUTION_FACTOR: Final = 4


def response_hours(priority: str | None) -> int:
    """The first-response target in hours for `priority` (Medium's when unknown)."""
    return RESPONSE_HOURS.get(priority or DEFAULT_PRIORITY, RESPONSE_HOURS[DEFAULT_PRIORITY])


def first_response_due(created: datetime, priority: str | None) -> datetime:
    """When the first response is due: creation plus the priority's SLA hours."""
    return created + timedelta(hours=response_hours(priority))


def resolution_due(created: datetime, priority: str | None) -> datetime:
    """When resolution is due (`DueDate`): creation plus four times the response target."""
    return created + timedelta(hours=response_hours(priority) * RESOLUTION_FACTOR)


def has_sla(customer: Customer | None) -> bool:
    """Atera sets due dates from the SLA policy of the customer's contract; a customer without
    a contract has none, and its tickets' due dates stay empty."""
    return customer is not None and customer.contract_id is not None
