"""Parameter types shared by several tools, defined once. Descriptions name the Atera field.

Every id is an `AteraId` (1 to 2^63-1: Atera's ids are int64; RateID alone is int32), every
time a `LocalTime` (no offset = the account's time zone, converted by `ToolContext.to_utc`) and
every date a `Day`, both within 1990-01-01 .. 2100-12-31. Out-of-range input is an argument
error that says what is valid, before anything reaches Atera.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from atera_mcp.domain.policy import fold_case
from atera_mcp.domain.wire import IMPACTS, PRIORITIES, TICKET_TYPES, Impact, Priority, TicketType

MAX_ID = 2**63 - 1
MAX_RATE_ID = 2**31 - 1  # Atera declares RateID int32, every other id int64
EARLIEST = date(1990, 1, 1)
LATEST = date(2100, 12, 31)
DAY_RANGE = f"{EARLIEST} to {LATEST}"
# Stated in every time parameter's description: the rule is the same in every tool.
TIME_RULE = "no offset = account time zone"


def _int64(value: int) -> int:
    # Not in the schema (`minimum` is): like the string sanity caps, not worth its tokens.
    if value > MAX_ID:
        raise PydanticCustomError(
            "atera_id", "Atera ids are whole numbers from 1 to 9223372036854775807 (2^63-1)"
        )
    return value


def _int32(value: int) -> int:
    if value > MAX_RATE_ID:
        raise PydanticCustomError(
            "atera_id", "Atera rate ids are whole numbers from 1 to 2147483647 (2^31-1)"
        )
    return value


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _email(value: str) -> str:
    # Checked here rather than as a schema `pattern`: a regex costs every conversation tokens
    # and tells a model less than the field's name does.
    if not _EMAIL.fullmatch(value):
        raise PydanticCustomError("email", "an email address like name@example.com is expected")
    return value


D = TypeVar("D", date, datetime)


def in_day_range(value: D) -> D:
    """The value itself when its calendar day is within EARLIEST..LATEST; else a clear error."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise PydanticCustomError("day_range", f"dates must be within {DAY_RANGE}")
    return value


AteraId = Annotated[int, Field(ge=1), AfterValidator(_int64)]
RateId = Annotated[int, Field(ge=1), AfterValidator(_int32)]
LocalTime = Annotated[datetime, AfterValidator(in_day_range)]
Day = Annotated[date, AfterValidator(in_day_range)]
EmailAddress = Annotated[str, Field(max_length=254), AfterValidator(_email)]

TicketId = Annotated[AteraId, Field(description="Atera TicketID")]
CustomerId = Annotated[AteraId | None, Field(description="Atera CustomerID")]
TechnicianId = Annotated[AteraId | None, Field(description="Atera TechnicianContactID")]
TechnicianEmail = Annotated[str | None, Field(max_length=254, description="Atera TechnicianEmail")]
PriorityParam = Annotated[
    Priority,
    BeforeValidator(fold_case(PRIORITIES)),
    Field(description="Atera TicketPriority"),
]
# A priority in a list: any casing of Atera's four, nothing else (the list has no room for
# a description of its own).
PriorityName = Annotated[Priority, BeforeValidator(fold_case(PRIORITIES))]
TypeParam = Annotated[
    TicketType, BeforeValidator(fold_case(TICKET_TYPES)), Field(description="Atera TicketType")
]
ImpactParam = Annotated[
    Impact, BeforeValidator(fold_case(IMPACTS)), Field(description="Atera TicketImpact")
]
# The bounds and the default say it all: a description would repeat them in every listing tool.
Limit = Annotated[int, Field(ge=1, le=50)]
# Names, search fragments, status names and cursors are capped for sanity only
# (schema.SANITY_CAP: not published).
SHORT_TEXT_CAP = 250
# A ticket status by name: Atera's four or a custom one (checked against the rules, not here).
StatusName = Annotated[str, Field(max_length=SHORT_TEXT_CAP)]
Cursor = Annotated[
    str, Field(max_length=SHORT_TEXT_CAP, description="next_cursor from a previous call")
]
