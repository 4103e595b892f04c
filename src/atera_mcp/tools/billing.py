"""Billing tool: get_billable, for a list of tickets or for a billing period."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field

from atera_mcp.domain.text import clean_text
from atera_mcp.domain.views import ToolResult, View
from atera_mcp.domain.wire import TicketDurationsDto, WorkhourRecordDto
from atera_mcp.errors import NotFoundError, RuleError
from atera_mcp.tools.concurrency import gather
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.params import TechnicianId, TicketId
from atera_mcp.tools.time import hours

MAX_PERIOD_DAYS = 366
MAX_RECORDS = 10_000  # 200 pages of /workhours; past that the report says it is incomplete
MAX_ROWS = 100  # per breakdown
FEW_CUSTOMERS = 10  # up to this many names are read one by one, else one walk of /customers
MAX_CUSTOMER_WALK = 5_000


class BillableTime(View):
    hours: float
    seconds: int
    on_site_hours: float
    off_site_hours: float


class TicketBillable(BillableTime):
    ticket_id: int


class TimeBucket(View):
    id: int | None
    name: str | None = Field(None, description="Customer or technician; for a ticket its customer")
    entries: int
    billable_hours: float
    non_billable_hours: float
    on_site_hours: float
    off_site_hours: float
    billable_seconds: int
    non_billable_seconds: int
    on_site_seconds: int
    off_site_seconds: int


class GetBillableResult(ToolResult):
    tickets: list[TicketBillable] | None = Field(None, description="Ticket mode: billable time")
    tickets_total: BillableTime | None = None
    missing_ticket_ids: list[int] | None = None
    period_start: date | None = None
    period_end: date | None = None
    time_zone: str | None = None
    totals: TimeBucket | None = None
    by_customer: list[TimeBucket] | None = None
    by_technician: list[TimeBucket] | None = None
    by_ticket: list[TimeBucket] | None = None
    complete: bool = Field(True, description=f"False if over {MAX_RECORDS} entries or rows cut")

    def summary(self) -> str:
        if self.tickets is not None and self.tickets_total is not None:
            missing = (
                f"; not found: {', '.join(map(str, self.missing_ticket_ids))}"
                if self.missing_ticket_ids
                else ""
            )
            return (
                f"Billable time of {len(self.tickets)} tickets: {self.tickets_total.hours:g} h"
                f"{missing}"
            )
        t = self.totals
        if t is None:
            return "No billable time."
        cut = "" if self.complete else " (incomplete: see complete)"
        return (
            f"{self.period_start} to {self.period_end} ({self.time_zone}): {t.billable_hours:g} h "
            f"billable, {t.non_billable_hours:g} h non-billable in {t.entries} entries; "
            f"{len(self.by_customer or [])} customers, {len(self.by_ticket or [])} tickets{cut}"
        )


@dataclass
class _Sum:
    """Exact seconds for one bucket."""

    id: int | None
    name: str | None = None
    entries: int = 0
    billable: int = 0
    non_billable: int = 0
    on_site: int = 0
    off_site: int = 0

    def add(self, seconds: int, billable: bool, on_site: bool) -> None:
        self.entries += 1
        if billable:
            self.billable += seconds
        else:
            self.non_billable += seconds
        if on_site:
            self.on_site += seconds
        else:
            self.off_site += seconds

    def view(self) -> TimeBucket:
        return TimeBucket(
            id=self.id,
            name=self.name,
            entries=self.entries,
            billable_hours=hours(self.billable),
            non_billable_hours=hours(self.non_billable),
            on_site_hours=hours(self.on_site),
            off_site_hours=hours(self.off_site),
            billable_seconds=self.billable,
            non_billable_seconds=self.non_billable,
            on_site_seconds=self.on_site,
            off_site_seconds=self.off_site,
        )


def _rows(sums: Iterable[_Sum]) -> list[_Sum]:
    """Most time first, then by id: the same data always gives the same order."""
    return sorted(sums, key=lambda s: (-(s.billable + s.non_billable), s.id is None, s.id or 0))


def _entry_seconds(r: WorkhourRecordDto) -> int:
    if r.start_work_hour is None or r.end_work_hour is None:
        return 0
    return max(0, int((r.end_work_hour - r.start_work_hour).total_seconds()))


def _ticket_mode(ids: Sequence[int], found: Sequence[TicketDurationsDto]) -> GetBillableResult:
    by_id = {d.ticket_id: d for d in found}
    rows = [
        TicketBillable(
            ticket_id=i,
            hours=round(d.total_duration_hours, 2),
            seconds=round(d.total_duration_hours * 3600),
            on_site_hours=round(d.on_site_duration_hours, 2),
            off_site_hours=round(d.off_site_duration_hours, 2),
        )
        for i in ids
        if (d := by_id.get(i)) is not None
    ]
    total = sum(by_id[r.ticket_id].total_duration_hours for r in rows)
    on = sum(by_id[r.ticket_id].on_site_duration_hours for r in rows)
    off = sum(by_id[r.ticket_id].off_site_duration_hours for r in rows)
    return GetBillableResult(
        tickets=rows,
        tickets_total=BillableTime(
            hours=round(total, 2),
            seconds=round(total * 3600),
            on_site_hours=round(on, 2),
            off_site_hours=round(off, 2),
        ),
        missing_ticket_ids=[i for i in ids if i not in by_id],
    )


async def _customer_names(ctx: ToolContext, ids: set[int]) -> dict[int, str]:
    """Names for the customers in the report: one by one when few, else one walk of the list."""
    if len(ids) > FEW_CUSTOMERS:
        found = await ctx.atera.list_customers(max_items=MAX_CUSTOMER_WALK)
        return {c.customer_id: c.customer_name or "" for c in found.items if c.customer_id in ids}
    names: dict[int, str] = {}

    def reader(customer_id: int) -> Callable[[], Awaitable[None]]:
        async def read() -> None:
            # A customer deleted since the work was logged keeps its id in the report.
            with suppress(NotFoundError):
                customer = await ctx.atera.get_customer(customer_id)
                names[customer_id] = customer.customer_name or ""

        return read

    await gather(*(reader(i) for i in sorted(ids)))
    return names


async def _period_mode(
    ctx: ToolContext,
    start: date,
    end: date,
    customer_id: int | None,
    technician_id: int | None,
) -> GetBillableResult:
    zone: ZoneInfo = await ctx.account_zone()
    if customer_id is not None:
        try:
            await ctx.atera.get_customer(customer_id)
        except NotFoundError:
            raise RuleError(
                f"Customer {customer_id} was not found. Use find_customers to get its id."
            ) from None
    # Atera keeps entries that *end* by endWorkhour; ask one day further so work that starts on
    # the last day and runs past midnight is returned, then attribute every entry to the local
    # day it starts on.
    found = await ctx.atera.work_hours_in_period(
        datetime.combine(start, time()),
        datetime.combine(end + timedelta(days=1), time(23, 59, 59)),
        max_items=MAX_RECORDS,
    )
    kept = [
        r
        for r in found.items
        if r.start_work_hour is not None
        and start <= r.start_work_hour.astimezone(zone).date() <= end
        and (customer_id is None or r.customer_id == customer_id)
        and (technician_id is None or r.technician_contact_id == technician_id)
    ]
    total = _Sum(id=None)
    customers: dict[int | None, _Sum] = {}
    technicians: dict[int | None, _Sum] = {}
    tickets: dict[int | None, _Sum] = {}
    ticket_customer: dict[int, int | None] = {}
    for r in kept:
        ctx.directory.observe(r.technician_contact_id, r.technician_full_name, r.technician_email)
        seconds, billable, on_site = _entry_seconds(r), bool(r.billiable), bool(r.on_customer_site)
        total.add(seconds, billable, on_site)
        for sums, key in (
            (customers, r.customer_id),
            (technicians, r.technician_contact_id),
            (tickets, r.ticket_id),
        ):
            sums.setdefault(key, _Sum(id=key)).add(seconds, billable, on_site)
        ticket_customer[r.ticket_id] = r.customer_id
    names = await _customer_names(ctx, {i for i in customers if i is not None})
    for c in customers.values():
        c.name = clean_text(names.get(c.id or 0), 200) or (f"Customer {c.id}" if c.id else None)
    for t in tickets.values():
        owner = customers.get(ticket_customer.get(t.id or 0))
        t.name = owner.name if owner else None
    for s in technicians.values():
        known = ctx.directory.by_id(s.id) if s.id is not None else None
        s.name = clean_text(known.name if known else None, 120) or None
    rows = [_rows(d.values()) for d in (customers, technicians, tickets)]
    return GetBillableResult(
        period_start=start,
        period_end=end,
        time_zone=zone.key,
        totals=total.view(),
        by_customer=[s.view() for s in rows[0][:MAX_ROWS]],
        by_technician=[s.view() for s in rows[1][:MAX_ROWS]],
        by_ticket=[s.view() for s in rows[2][:MAX_ROWS]],
        complete=found.complete and all(len(r) <= MAX_ROWS for r in rows),
    )


async def get_billable(
    ctx: ToolContext,
    ticket_ids: Annotated[list[TicketId], Field(min_length=1, max_length=50)] | None = None,
    period_start: Annotated[
        date | None, Field(description="Atera startWorkhour: first day (account time zone)")
    ] = None,
    period_end: Annotated[
        date | None, Field(description="Atera endWorkhour: last day, inclusive")
    ] = None,
    customer_id: Annotated[
        int | None, Field(ge=1, description="Atera CustomerID (period only)")
    ] = None,
    technician_id: TechnicianId = None,
) -> GetBillableResult:
    """Billable time of up to 50 tickets, or a billing period's billable and non-billable time
    with totals by customer, technician and ticket. For one ticket's entries use
    get_work_hours."""
    period = period_start is not None or period_end is not None
    if ticket_ids and period:
        raise RuleError("Give either ticket_ids or period_start and period_end, not both.")
    if ticket_ids:
        if customer_id is not None or technician_id is not None:
            raise RuleError(
                "customer_id and technician_id filter a billing period; with ticket_ids, leave "
                "them out or ask for a period instead."
            )
        ids = list(dict.fromkeys(ticket_ids))
        return _ticket_mode(ids, await ctx.atera.billable_durations(ids))
    if period_start is None or period_end is None:
        raise RuleError(
            "Give ticket_ids (1-50), or a billing period as both period_start and period_end "
            "(dates, e.g. 2026-11-01 and 2026-11-30)."
        )
    if period_end < period_start:
        raise RuleError(
            f"period_end {period_end} is before period_start {period_start}; the end day is "
            "included, so a single day is start = end."
        )
    days = (period_end - period_start).days + 1
    if days > MAX_PERIOD_DAYS:
        raise RuleError(
            f"The period covers {days} days; at most {MAX_PERIOD_DAYS} can be reported at once. "
            "Split it into shorter periods."
        )
    return await _period_mode(ctx, period_start, period_end, customer_id, technician_id)
