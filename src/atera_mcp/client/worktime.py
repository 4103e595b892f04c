"""Work-hour and billing endpoints: entries, totals, billable durations, periods."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import TypeAdapter

from atera_mcp.client.base import ClientBase
from atera_mcp.client.mapping import decode_as
from atera_mcp.client.paging import Collected
from atera_mcp.domain.wire import (
    CreateWorkHoursModel,
    Page,
    TicketDurationsDto,
    TicketWorkHoursDto,
    TicketWorkHoursSummaryDto,
    WorkhourRecordDto,
)
from atera_mcp.errors import InvalidRequestError

MAX_BILLABLE_IDS = 50
_durations = TypeAdapter(list[TicketDurationsDto])


class WorkTimeEndpoints(ClientBase):
    """Work-hour entries, their totals and billable durations."""

    async def add_work_hours(self, ticket_id: int, body: CreateWorkHoursModel) -> None:
        """POST /tickets/{id}/workhours. Entries are permanent: never replayed once sent; an
        unclear answer raises AmbiguousWriteError for the caller to settle."""
        await self._core.send(
            "POST",
            f"/tickets/{ticket_id}/workhours",
            action=f"log work hours on ticket {ticket_id}",
            json=body.to_wire(),
            subject=f"Ticket {ticket_id}",
        )

    async def work_hour_records(
        self, ticket_id: int, *, max_items: int | None = None
    ) -> Collected[TicketWorkHoursDto]:
        """GET /tickets/{id}/workhoursrecords across pages."""
        return await self._collect(
            f"/tickets/{ticket_id}/workhoursrecords",
            Page[TicketWorkHoursDto],
            action=f"read the work hours on ticket {ticket_id}",
            max_items=max_items,
            subject=f"Ticket {ticket_id}",
        )

    async def work_hours_summary(self, ticket_id: int) -> TicketWorkHoursSummaryDto:
        """GET /tickets/{id}/workhours: billable and non-billable totals."""
        return await self._get(
            f"/tickets/{ticket_id}/workhours",
            TicketWorkHoursSummaryDto,
            action=f"read the work-hour totals of ticket {ticket_id}",
            subject=f"Ticket {ticket_id}",
        )

    async def billable_duration(self, ticket_id: int) -> TicketDurationsDto:
        """GET /tickets/{id}/billableduration."""
        return await self._get(
            f"/tickets/{ticket_id}/billableduration",
            TicketDurationsDto,
            action=f"read the billable time of ticket {ticket_id}",
            subject=f"Ticket {ticket_id}",
        )

    async def non_billable_duration(self, ticket_id: int) -> TicketDurationsDto:
        """GET /tickets/{id}/nonbillableduration."""
        return await self._get(
            f"/tickets/{ticket_id}/nonbillableduration",
            TicketDurationsDto,
            action=f"read the non-billable time of ticket {ticket_id}",
            subject=f"Ticket {ticket_id}",
        )

    async def billable_durations(self, ticket_ids: Sequence[int]) -> list[TicketDurationsDto]:
        """POST /tickets/billableduration for 1 to 50 tickets. A read, so safe to replay."""
        if not 1 <= len(ticket_ids) <= MAX_BILLABLE_IDS:
            raise InvalidRequestError(
                f"Billable durations can be read for 1 to {MAX_BILLABLE_IDS} tickets at a time; "
                f"{len(ticket_ids)} were given."
            )
        action = f"read the billable time of {len(ticket_ids)} tickets"
        response = await self._core.send(
            "POST",
            "/tickets/billableduration",
            action=action,
            json=list(ticket_ids),
            replayable=True,
        )
        return decode_as(response, _durations.validate_python, action)

    async def work_hours_page(
        self, start: datetime, end: datetime, *, page: int, items_in_page: int
    ) -> Page[WorkhourRecordDto]:
        """One page of GET /workhours between `start` and `end` (naive, account-local)."""
        return await self._page(
            "/workhours",
            Page[WorkhourRecordDto],
            action="read the work hours of the period",
            page=page,
            items_in_page=items_in_page,
            params=_period(start, end),
        )

    async def work_hours_in_period(
        self,
        start: datetime,
        end: datetime,
        *,
        include_rates: bool = False,
        max_items: int | None = None,
    ) -> Collected[WorkhourRecordDto]:
        """GET /workhours: every entry between `start` and `end`, across tickets.

        Both are naive datetimes in the account's time zone (`get_account().time_zone_name`);
        Atera accepts no offset, so an aware datetime is refused rather than guessed at.
        """
        params = _period(start, end)
        if include_rates:
            params["includeRates"] = True
        return await self._collect(
            "/workhours",
            Page[WorkhourRecordDto],
            action="read the work hours of the period",
            max_items=max_items,
            params=params,
        )


def _period(start: datetime, end: datetime) -> dict[str, str | bool]:
    """GET /workhours's period. Both times are naive datetimes in the account's time zone
    (`get_account().time_zone_name`); Atera accepts no offset, so an aware one is refused
    rather than guessed at."""
    if start.tzinfo is not None or end.tzinfo is not None:
        raise InvalidRequestError(
            "Work-hour periods are given in the Atera account's own time zone without an "
            "offset; pass naive start and end times."
        )
    if end < start:
        raise InvalidRequestError("The end of the work-hour period is before its start.")
    return {
        "startWorkhour": start.strftime("%Y-%m-%dT%H:%M:%S"),
        "endWorkhour": end.strftime("%Y-%m-%dT%H:%M:%S"),
    }
