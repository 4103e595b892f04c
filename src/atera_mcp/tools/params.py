"""Parameter types shared by several tools, defined once. Descriptions name the Atera field."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from atera_mcp.domain.policy import fold_case
from atera_mcp.domain.wire import IMPACTS, PRIORITIES, TICKET_TYPES, Impact, Priority, TicketType

TicketId = Annotated[int, Field(ge=1, description="Atera TicketID")]
TechnicianId = Annotated[int | None, Field(ge=1, description="Atera TechnicianContactID")]
TechnicianEmail = Annotated[
    str | None, Field(max_length=254, description="Atera TechnicianEmail (instead of the id)")
]
PriorityParam = Annotated[
    Priority,
    BeforeValidator(fold_case(PRIORITIES)),
    Field(description="Atera TicketPriority"),
]
TypeParam = Annotated[
    TicketType, BeforeValidator(fold_case(TICKET_TYPES)), Field(description="Atera TicketType")
]
ImpactParam = Annotated[
    Impact, BeforeValidator(fold_case(IMPACTS)), Field(description="Atera TicketImpact")
]
Limit = Annotated[int, Field(ge=1, le=50, description="Maximum items to return (1-50)")]
Cursor = Annotated[str, Field(max_length=200, description="next_cursor from a previous call")]
