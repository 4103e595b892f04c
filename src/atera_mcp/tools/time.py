"""Time tools: log_hours, get_work_hours (get_billable lives in billing.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field

from atera_mcp.domain.directory import Technician
from atera_mcp.domain.text import clean_text
from atera_mcp.domain.views import Timestamp, ToolResult, View
from atera_mcp.domain.wire import (
    CreateWorkHoursModel,
    TicketDto,
    TicketDurationsDto,
    TicketWorkHoursDto,
    TicketWorkHoursSummaryDto,
)
from atera_mcp.errors import AteraError, RuleError
from atera_mcp.tools.common import load_ticket
from atera_mcp.tools.concurrency import gather
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.params import (
    TIME_RULE,
    LocalTime,
    RateId,
    TechnicianEmail,
    TechnicianId,
    TicketId,
)
from atera_mcp.tools.settle import WriteResult, settle

MAX_ENTRY = timedelta(hours=24)
FUTURE_GRACE = timedelta(minutes=5)  # clocks differ a little; a start "now" is not the future
SHOWN_ENTRIES = 100  # get_work_hours lists at most the latest this many


def _seconds(hours: float) -> int:
    return round(hours * 3600)


def hours(seconds: float) -> float:
    """Seconds as hours, rounded to 2 decimals for display."""
    return round(seconds / 3600, 2)


# A ticket's time as Atera totals it, in hours and in seconds. (A comment, not a docstring:
# the docstring would be repeated in every output schema that holds it.)
class TimeTotals(View):
    billable_hours: float
    non_billable_hours: float
    on_site_hours: float
    off_site_hours: float
    billable_seconds: int
    non_billable_seconds: int
    on_site_seconds: int = Field(description="Billable and non-billable time on site")
    off_site_seconds: int

    def line(self) -> str:
        return (
            f"Time: {self.billable_hours:g} h billable, {self.non_billable_hours:g} h "
            f"non-billable ({self.on_site_hours:g} h on site)"
        )


def time_totals(summary: TicketWorkHoursSummaryDto) -> TimeTotals:
    b: TicketDurationsDto = summary.billable
    n: TicketDurationsDto = summary.non_billable
    on_site = b.on_site_duration_hours + n.on_site_duration_hours
    off_site = b.off_site_duration_hours + n.off_site_duration_hours
    return TimeTotals(
        billable_hours=round(b.total_duration_hours, 4),
        non_billable_hours=round(n.total_duration_hours, 4),
        on_site_hours=round(on_site, 4),
        off_site_hours=round(off_site, 4),
        billable_seconds=_seconds(b.total_duration_hours),
        non_billable_seconds=_seconds(n.total_duration_hours),
        on_site_seconds=_seconds(on_site),
        off_site_seconds=_seconds(off_site),
    )


class WorkEntry(View):
    id: int | None = Field(description="Atera WorkHoursID; null if not found on reading back")
    start: Timestamp
    end: Timestamp
    minutes: float
    technician: str
    technician_id: int | None
    billable: bool
    on_site: bool
    description: str = ""


def work_entry(dto: TicketWorkHoursDto, ctx: ToolContext) -> WorkEntry | None:
    """The entry as shown to the model; None for an entry without both times."""
    if dto.start_work_hour is None or dto.end_work_hour is None:
        return None
    known = ctx.directory.by_id(dto.technician_contact_id) if dto.technician_contact_id else None
    name = dto.technician_full_name or (known.name if known else None) or dto.technician_email
    span = (dto.end_work_hour - dto.start_work_hour).total_seconds()
    return WorkEntry(
        id=dto.work_hours_id,
        start=dto.start_work_hour,
        end=dto.end_work_hour,
        minutes=round(span / 60, 2),
        technician=clean_text(name, 120) or "unknown",
        technician_id=dto.technician_contact_id,
        billable=bool(dto.billiable),
        on_site=bool(dto.on_customer_site),
        description=clean_text(dto.description, 500),
    )


class LogHoursResult(WriteResult):
    ticket_id: int
    entry: WorkEntry
    totals: TimeTotals | None = Field(description="Null when they could not be read back")

    def summary(self) -> str:
        kind = "billable" if self.entry.billable else "non-billable"
        t = self.totals
        totals = (
            f" (total now {t.billable_hours:g} h billable, {t.non_billable_hours:g} h non-billable)"
            if t is not None
            else ""
        )
        unfound = "" if self.entry.id is not None or self.note else "; accepted, but not found"
        return self.with_note(
            f"Logged {hours(self.entry.minutes * 60):g} h {kind} on #{self.ticket_id} for "
            f"{self.entry.technician}{totals}{unfound}"
        )

    def audit_ids(self) -> dict[str, object]:
        return {
            "ticket_id": self.ticket_id,
            "work_hours_id": self.entry.id,
            "technician_id": self.entry.technician_id,
        }


class GetWorkHoursResult(ToolResult):
    ticket_id: int
    entries: list[WorkEntry] = Field(description=f"Oldest first; the latest {SHOWN_ENTRIES}")
    entry_count: int
    totals: TimeTotals

    def summary(self) -> str:
        return f"#{self.ticket_id}: {self.entry_count} time entries. {self.totals.line()}"


def _observe(ctx: ToolContext, records: Sequence[TicketWorkHoursDto]) -> None:
    for r in records:
        ctx.directory.observe(r.technician_contact_id, r.technician_full_name, r.technician_email)


def _local(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _by(tech: Technician, record: TicketWorkHoursDto) -> bool:
    if record.technician_contact_id is not None:
        return record.technician_contact_id == tech.id
    return bool(tech.email and (record.technician_email or "").casefold() == tech.email.casefold())


def _check_overlap(
    records: Sequence[TicketWorkHoursDto],
    tech: Technician,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    ticket_id: int,
) -> None:
    for r in records:
        if not (_by(tech, r) and r.start_work_hour and r.end_work_hour):
            continue
        if r.start_work_hour < end and start < r.end_work_hour:
            raise RuleError(
                f"{tech.name} already has entry {r.work_hours_id} on ticket {ticket_id} from "
                f"{_local(r.start_work_hour, zone)} to {_local(r.end_work_hour, zone)} ({zone.key})"
                ", which overlaps this one. Entries cannot be deleted: check it is not the same "
                "work, or pass allow_overlap=true."
            )


def _find_new(
    records: Sequence[TicketWorkHoursDto],
    before: set[int],
    tech: Technician,
    start: datetime,
    end: datetime,
    *,
    exact: bool = False,
) -> TicketWorkHoursDto | None:
    """A new entry by `tech`, preferring one with these very times (`exact`: only those)."""
    new = [r for r in records if r.work_hours_id not in before and _by(tech, r)]
    same = [r for r in new if r.start_work_hour == start and r.end_work_hour == end]
    return max(same if exact else same or new, key=lambda r: r.work_hours_id, default=None)


async def _entries_and_totals(
    ctx: ToolContext, ticket_id: int
) -> tuple[list[TicketWorkHoursDto], TimeTotals]:
    """The ticket's entries and Atera's totals, read at once."""
    entries: list[TicketWorkHoursDto] = []
    totals: list[TimeTotals] = []

    async def read_entries() -> None:
        entries.extend((await ctx.atera.work_hour_records(ticket_id)).items)

    async def read_totals() -> None:
        totals.append(time_totals(await ctx.atera.work_hours_summary(ticket_id)))

    await gather(read_entries, read_totals)
    return entries, totals[0]


async def log_hours(
    ctx: ToolContext,
    ticket_id: TicketId,
    start: Annotated[LocalTime, Field(description=f"Atera StartWorkHour; {TIME_RULE}")],
    billable: Annotated[bool, Field(description="Atera Billiable")],
    end: Annotated[LocalTime | None, Field(description=f"Atera EndWorkHour; {TIME_RULE}")] = None,
    duration_minutes: Annotated[
        int | None, Field(ge=1, le=1440, description="Minutes worked, instead of end")
    ] = None,
    on_site: Annotated[bool, Field(description="Atera OnCustomerSite")] = False,
    description: Annotated[
        str | None, Field(max_length=4000, description="Atera Description")
    ] = None,
    technician_id: TechnicianId = None,
    technician_email: TechnicianEmail = None,
    rate_id: Annotated[RateId | None, Field(description="Atera RateID")] = None,
    allow_overlap: bool = False,
) -> LogHoursResult:
    """Record time worked on a ticket; entries cannot be edited or deleted. Refuses over 24 h,
    a future start or end, a Closed ticket, or an overlap with the technician's own entry
    unless allow_overlap."""
    if (end is None) == (duration_minutes is None):
        raise RuleError("Give either end or duration_minutes (exactly one of them).")
    zone = await ctx.account_zone()
    start_utc = (await ctx.to_utc(start)).replace(microsecond=0)
    end_utc = (
        (await ctx.to_utc(end)).replace(microsecond=0)
        if end is not None
        else start_utc + timedelta(minutes=duration_minutes or 0)
    )
    if end_utc <= start_utc:
        raise RuleError(
            f"The entry ends ({_local(end_utc, zone)}) before or when it starts "
            f"({_local(start_utc, zone)}, {zone.key}). The end must be after the start."
        )
    if end_utc - start_utc > MAX_ENTRY:
        raise RuleError(
            "One entry can cover at most 24 hours. Log longer work as one entry per day."
        )
    latest = ctx.now() + FUTURE_GRACE
    for what, value in (("starts", start_utc), ("ends", end_utc)):
        if value > latest:
            raise RuleError(
                f"The entry {what} in the future ({_local(value, zone)} {zone.key}); start and "
                f"end may be at most {FUTURE_GRACE.seconds // 60} minutes after now "
                f"({_local(latest, zone)}). Log time once it has been worked; a time without an "
                "offset is read as account local time."
            )
    tech = ctx.author(technician_id, technician_email, role="technician")
    ticket = await load_ticket(ctx, ticket_id)
    if ctx.rules.base_of(ticket.ticket_status or "Open") == "Closed":
        raise RuleError(
            f"Ticket {ticket_id} is Closed, so no more time can be logged on it. Log the time "
            "on the open ticket for this work."
        )
    text = description.strip() if description and description.strip() else None
    body = CreateWorkHoursModel(
        start_work_hour=start_utc,
        end_work_hour=end_utc,
        technician_contact_id=tech.id,
        billiable=billable,
        on_customer_site=on_site,
        description=text,
        rate_id=rate_id,
    )
    # The overlap check, the send and settling are one step: a second identical call made at
    # the same time waits, then sees this entry as an overlap.
    async with ctx.write_locks.hold(("time", ticket_id, tech.id)):
        return await _checked_send(ctx, ticket, tech, body, zone, allow_overlap)


async def _checked_send(
    ctx: ToolContext,
    ticket: TicketDto,
    tech: Technician,
    body: CreateWorkHoursModel,
    zone: ZoneInfo,
    allow_overlap: bool,
) -> LogHoursResult:
    """log_hours once the times and ticket allow it: refuse an overlap, send, settle, read
    back the entry and the totals."""
    ticket_id = ticket.ticket_id
    start_utc, end_utc = body.start_work_hour, body.end_work_hour
    existing = (await ctx.atera.work_hour_records(ticket_id)).items
    _observe(ctx, existing)
    if not allow_overlap:
        _check_overlap(existing, tech, start_utc, end_utc, zone, ticket_id)
    known = {r.work_hours_id for r in existing}

    async def send() -> bool:
        await ctx.atera.add_work_hours(ticket_id, body)
        return True

    async def find() -> bool | None:
        records = (await ctx.atera.work_hour_records(ticket_id)).items
        new = _find_new(records, known, tech, start_utc, end_utc, exact=True)
        return True if new is not None else None

    settled = await settle(send, find, what="the time entry")
    sent = WorkEntry(
        id=None,
        start=start_utc,
        end=end_utc,
        minutes=round((end_utc - start_utc).total_seconds() / 60, 2),
        technician=tech.name,
        technician_id=tech.id,
        billable=body.billiable,
        on_site=body.on_customer_site,
        description=clean_text(body.description, 500),
    )
    try:
        after, new_totals = await _entries_and_totals(ctx, ticket_id)
    except AteraError as exc:
        result = LogHoursResult(ticket_id=ticket_id, entry=sent, totals=None).not_read_back(
            exc, "the entries and totals"
        )
        return result.settled_by(settled)
    if ctx.index is not None:  # the ticket's entries, ours included, count at once
        await ctx.index.record_work(after, ticket.customer_id, ticket.end_user_id)
    stored = _find_new(after, known, tech, start_utc, end_utc)
    entry = (work_entry(stored, ctx) if stored is not None else None) or sent
    return LogHoursResult(ticket_id=ticket_id, entry=entry, totals=new_totals).settled_by(settled)


async def get_work_hours(ctx: ToolContext, ticket_id: TicketId) -> GetWorkHoursResult:
    """A ticket's time entries and totals; get_billable covers many tickets or a billing
    period."""
    found, summary = await _entries_and_totals(ctx, ticket_id)
    _observe(ctx, found)
    ordered = sorted(
        found,
        key=lambda r: (r.start_work_hour or datetime.min.replace(tzinfo=UTC), r.work_hours_id),
    )
    return GetWorkHoursResult(
        ticket_id=ticket_id,
        entries=[e for r in ordered[-SHOWN_ENTRIES:] if (e := work_entry(r, ctx)) is not None],
        entry_count=len(found),
        totals=summary,
    )
