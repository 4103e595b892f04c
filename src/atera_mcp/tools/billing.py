"""Billing tool: get_billable, for a list of tickets or for a billing period."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field

from atera_mcp.client.paging import Collected
from atera_mcp.domain.text import clean_text, count
from atera_mcp.domain.views import ToolResult
from atera_mcp.domain.wire import TicketDurationsDto, WorkhourRecordDto
from atera_mcp.errors import NotFoundError, RuleError
from atera_mcp.index.ledger import LedgerEntry
from atera_mcp.tools.billing_index import names_from_index, period_from_index
from atera_mcp.tools.concurrency import gather
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.params import AteraId, CustomerId, Day, TechnicianId
from atera_mcp.tools.progress import report
from atera_mcp.tools.time import TimeTotals, hours

MAX_PERIOD_DAYS = 366
MAX_RECORDS = 10_000  # 200 pages of /workhours; past that the report says it is incomplete
MAX_ROWS = 50  # per breakdown: the biggest first
FEW_CUSTOMERS = 10  # up to this many names are read one by one, else one walk of /customers
MAX_CUSTOMER_WALK = 5_000


class TimeBucket(TimeTotals):
    """One row of a report: a ticket, customer or technician and its time."""

    id: int | None = None
    name: str = Field("", description="Customer or technician; for a ticket, its customer")


class GetBillableResult(ToolResult):
    period: str = Field("", description="Days reported and the account time zone")
    totals: TimeBucket
    by_ticket: list[TimeBucket]
    by_customer: list[TimeBucket] = Field(default_factory=list)
    by_technician: list[TimeBucket] = Field(default_factory=list)
    missing_ticket_ids: list[int] = Field(default_factory=list)
    complete: bool = Field(True, description=f"False if over {MAX_RECORDS} entries or rows cut")

    def summary(self) -> str:
        t = self.totals
        scope = self.period or count(len(self.by_ticket), "ticket")
        text = f"{scope}: {t.billable_hours:g} h billable, {t.non_billable_hours:g} h non-billable"
        if self.period:
            customers = count(len(self.by_customer), "customer")
            text += f"; {customers}, {count(len(self.by_ticket), 'ticket')}"
        if self.missing_ticket_ids:
            text += f"; not found: {', '.join(map(str, self.missing_ticket_ids))}"
        return text + ("" if self.complete else f" (incomplete, or rows cut to the top {MAX_ROWS})")


@dataclass
class _Sum:
    """Exact seconds for one bucket."""

    id: int | None
    name: str = ""
    billable: int = 0
    non_billable: int = 0
    on_site: int = 0
    off_site: int = 0

    def add(self, seconds: int, billable: bool, on_site: bool) -> None:
        if billable:
            self.billable += seconds
        else:
            self.non_billable += seconds
        if on_site:
            self.on_site += seconds
        else:
            self.off_site += seconds

    def add_hours(self, d: TicketDurationsDto, billable: bool) -> None:
        """Atera's per-ticket totals, in hours, as whole seconds."""
        on_site, off_site = (
            round(d.on_site_duration_hours * 3600),
            round(d.off_site_duration_hours * 3600),
        )
        self.add(on_site, billable, True)
        self.add(off_site, billable, False)

    def view(self) -> TimeBucket:
        return TimeBucket(
            id=self.id,
            name=self.name,
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


Entry = WorkhourRecordDto | LedgerEntry  # as Atera gave it, or as the index holds it


def _entry_seconds(r: Entry) -> int:
    if r.start_work_hour is None or r.end_work_hour is None:
        return 0
    return max(0, int((r.end_work_hour - r.start_work_hour).total_seconds()))


async def _ticket_mode(ctx: ToolContext, ids: Sequence[int]) -> GetBillableResult:
    """Atera's bulk billable durations, plus each found ticket's non-billable time (Atera has
    no bulk endpoint for that)."""
    billable = {d.ticket_id: d for d in await ctx.atera.billable_durations(ids)}
    found = [i for i in ids if i in billable]
    non_billable: dict[int, TicketDurationsDto] = {}

    def reader(ticket_id: int) -> Callable[[], Awaitable[None]]:
        async def read() -> None:
            non_billable[ticket_id] = await ctx.atera.non_billable_duration(ticket_id)

        return read

    await gather(*(reader(i) for i in found))
    total, rows = _Sum(id=None), []
    for i in found:
        row = _Sum(id=i)
        for durations, is_billable in ((billable[i], True), (non_billable[i], False)):
            row.add_hours(durations, is_billable)
            total.add_hours(durations, is_billable)
        rows.append(row)
    return GetBillableResult(
        totals=total.view(),
        by_ticket=[r.view() for r in rows],
        missing_ticket_ids=[i for i in ids if i not in billable],
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


async def _entries(
    ctx: ToolContext, zone: ZoneInfo, start: date, end: date
) -> tuple[Collected[Entry], str]:
    """The period's entries, and what they stand on ("; entries as of ..." from the index)."""
    indexed = await period_from_index(ctx, zone, start, end)
    if indexed is not None:
        found = Collected[Entry](list(indexed.items), len(indexed.items), indexed.complete)
        when = indexed.as_of
        return found, f"; entries as of {when:%Y-%m-%d %H:%M} UTC" if when else ""
    # Atera keeps entries that *end* by endWorkhour; ask one day further so work that starts on
    # the last day and runs past midnight is returned, then attribute every entry to the local
    # day it starts on.
    read = await ctx.atera.work_hours_in_period(
        datetime.combine(start, time()),
        datetime.combine(end + timedelta(days=1), time(23, 59, 59)),
        max_items=MAX_RECORDS,
    )
    return Collected[Entry](list(read.items), read.total, read.complete), ""


async def _names(ctx: ToolContext, ids: set[int]) -> dict[int, str]:
    """Customer names from the index's directory, Atera for those it does not hold."""
    names = await names_from_index(ctx, ids) or {}
    missing = ids - set(names)
    return names | (await _customer_names(ctx, missing) if missing else {})


async def _period_mode(
    ctx: ToolContext,
    start: date,
    end: date,
    customer_id: int | None,
    technician_id: int | None,
) -> GetBillableResult:
    zone: ZoneInfo = await ctx.account_zone()
    known: dict[int, str] = {}
    if customer_id is not None:
        try:
            known[customer_id] = (await ctx.atera.get_customer(customer_id)).customer_name or ""
        except NotFoundError:
            raise RuleError(
                f"Customer {customer_id} was not found. Use find_customers to get its id."
            ) from None
    await report(0, 2, f"Reading every work-hour entry from {start} to {end}")
    found, as_of = await _entries(ctx, zone, start, end)
    await report(1, 2, f"Totalling {len(found.items):,} work-hour entries")
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
    tech_names: dict[int | None, str] = {}
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
        if r.technician_full_name:
            tech_names[r.technician_contact_id] = r.technician_full_name
    names = known or await _names(ctx, {i for i in customers if i is not None})
    for c in customers.values():
        c.name = clean_text(names.get(c.id or 0), 200) or f"Customer {c.id}"
    for t in tickets.values():
        owner = customers.get(ticket_customer.get(t.id or 0))
        t.name = owner.name if owner else ""
    for s in technicians.values():
        tech = ctx.directory.by_id(s.id) if s.id is not None else None
        s.name = clean_text(tech_names.get(s.id) or (tech.name if tech else ""), 120)
    rows = [_rows(d.values()) for d in (customers, technicians, tickets)]
    return GetBillableResult(
        period=f"{start} to {end} ({zone.key})" + as_of,
        totals=total.view(),
        by_customer=[s.view() for s in rows[0][:MAX_ROWS]],
        by_technician=[s.view() for s in rows[1][:MAX_ROWS]],
        by_ticket=[s.view() for s in rows[2][:MAX_ROWS]],
        complete=found.complete and all(len(r) <= MAX_ROWS for r in rows),
    )


async def get_billable(
    ctx: ToolContext,
    ticket_ids: Annotated[
        list[AteraId],
        Field(min_length=1, max_length=50, description="Atera TicketIDs"),
    ]
    | None = None,
    period_start: Annotated[
        Day | None, Field(description="Atera startWorkhour: first day (account time zone)")
    ] = None,
    period_end: Annotated[
        Day | None, Field(description="Atera endWorkhour: last day, inclusive")
    ] = None,
    customer_id: Annotated[CustomerId, Field(description="Atera CustomerID (period only)")] = None,
    technician_id: TechnicianId = None,
) -> GetBillableResult:
    """Billable time of up to 50 tickets, or a billing period's billable and non-billable time
    by customer, technician and ticket."""
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
        return await _ticket_mode(ctx, ids)
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
