"""Records rendered as Atera's wire DTOs, through the project's wire models.

Rendering is lazy (only the items of the page being answered) so seeding stays pydantic-free.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from atera_mcp.domain.wire import (
    AccountInfo,
    ContactDto,
    CustomerDto,
    TicketCommentDto,
    TicketDto,
    TicketDurationsDto,
    TicketWorkHoursDto,
    WorkhourRecordDto,
)
from atera_mcp.sandbox.records import RATES, Comment, Contact, Customer, Ticket, WorkEntry
from atera_mcp.sandbox.store import SandboxStore

_RELATION_FIELDS = {"relation_type", "related_ticket_id"}
_LAST_COMMENTS = {"last_end_user_comment", "last_technician_comment"}
_RATE_FIELDS = {"rate_id", "rate_amount"}
# On-SLA work is work inside business hours (Mon-Fri, 08:00-18:00 in the account's zone).
_BUSINESS_HOURS = range(8, 18)


def _wire(model: BaseModel, exclude: set[str] | None = None) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude=exclude)
    return dumped


def ticket(
    store: SandboxStore,
    record: Ticket,
    *,
    relations: bool = False,
    first_comment: bool = True,
    last_comments: bool = True,
) -> dict[str, Any]:
    """TicketDto. The relation fields appear only when asked for (`includeRelations`)."""
    user = store.contacts.get(record.end_user_id)
    customer = store.customers.get(record.customer_id)
    tech = store.technicians.get(record.technician_id) if record.technician_id else None
    if record.parent_id is not None:
        relation, related = "Child", record.parent_id
    elif record.child_ids:
        relation, related = "Parent", min(record.child_ids)
    else:
        relation, related = "None", None
    model = TicketDto(
        ticket_id=record.id,
        ticket_title=record.title,
        ticket_number=str(record.id),
        ticket_priority=record.priority,
        ticket_impact=record.impact,
        ticket_status=record.status,
        ticket_source=record.source,
        ticket_type=record.type,
        end_user_id=record.end_user_id,
        end_user_email=user.email if user else None,
        end_user_first_name=user.first_name if user else None,
        end_user_last_name=user.last_name if user else None,
        end_user_phone=user.phone if user else None,
        ticket_resolved_date=record.resolved,
        ticket_created_date=record.created,
        technician_first_comment_date=record.technician_first_comment,
        first_response_due_date=record.first_response_due,
        closed_ticket_due_date=record.closed_due,
        first_comment=record.description if first_comment else None,
        last_end_user_comment=record.last_end_user_comment,
        last_end_user_comment_timestamp=record.last_end_user_comment_at,
        last_technician_comment=record.last_technician_comment,
        last_technician_comment_timestamp=record.last_technician_comment_at,
        customer_id=record.customer_id,
        customer_name=customer.name if customer else None,
        customer_business_number=customer.business_number if customer else None,
        technician_contact_id=tech.id if tech else None,
        technician_full_name=tech.full_name if tech else None,
        technician_email=tech.email if tech else None,
        contract_id=customer.contract_id if customer else None,
        relation_type=relation,
        related_ticket_id=related,
    )
    body = _wire(model, None if relations else _RELATION_FIELDS)
    if not last_comments:
        body.update({TicketDto.model_fields[name].alias or name: None for name in _LAST_COMMENTS})
    return body


def comment(store: SandboxStore, record: Comment) -> dict[str, Any]:
    email = first = last = None
    if record.end_user_id is not None and (user := store.contacts.get(record.end_user_id)):
        email, first, last = user.email, user.first_name, user.last_name
    elif record.technician_id is not None and (tech := store.technicians.get(record.technician_id)):
        email, first, last = tech.email, tech.first_name, tech.last_name
    html = record.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    model = TicketCommentDto(
        date=record.date,
        comment=record.text,
        comment_html="<div>" + html.replace("\n", "<br>") + "</div>",
        end_user_id=record.end_user_id,
        technician_contact_id=record.technician_id,
        email=email,
        first_name=first,
        last_name=last,
        is_internal=record.is_internal,
    )
    return _wire(model)


def work_entry(
    store: SandboxStore, record: WorkEntry, *, billing: Ticket | None = None, rates: bool = True
) -> dict[str, Any]:
    """TicketWorkHoursDto, or WorkhourRecordDto (with CustomerID, EndUserID) given `billing`."""
    tech = store.technicians.get(record.technician_id)
    rate = RATES.get(record.rate_id) if record.rate_id is not None else None
    fields: dict[str, Any] = {
        "ticket_id": record.ticket_id,
        "work_hours_id": record.id,
        "start_work_hour": record.start,
        "end_work_hour": record.end,
        "technician_contact_id": record.technician_id,
        "billiable": record.billable,
        "on_customer_site": record.on_site,
        "description": record.description,
        "technician_full_name": tech.full_name if tech else None,
        "technician_email": tech.email if tech else None,
        "rate_id": rate.id if rate else None,
        "rate_amount": rate.amount if rate else None,
    }
    exclude = None if rates else _RATE_FIELDS
    if billing is None:
        return _wire(TicketWorkHoursDto(**fields), exclude)
    record_dto = WorkhourRecordDto(
        **fields, customer_id=billing.customer_id, end_user_id=billing.end_user_id
    )
    return _wire(record_dto, exclude)


def durations(store: SandboxStore, record: Ticket, *, billable: bool) -> dict[str, Any]:
    """TicketDurationsDto over the ticket's billable (or non-billable) entries, in hours."""
    return _wire(_durations(store, record.id, (e for e in record.work if e.billable == billable)))


def _durations(
    store: SandboxStore, ticket_id: int, entries: Iterable[WorkEntry]
) -> TicketDurationsDto:
    on_site = off_site = on_sla = off_sla = 0.0
    for entry in entries:
        seconds = (entry.end - entry.start).total_seconds()
        if entry.on_site:
            on_site += seconds
        else:
            off_site += seconds
        local = entry.start.astimezone(store.zone)
        if local.weekday() < 5 and local.hour in _BUSINESS_HOURS:
            on_sla += seconds
        else:
            off_sla += seconds
    return TicketDurationsDto(
        on_site_duration_hours=_hours(on_site),
        off_site_duration_hours=_hours(off_site),
        on_sla_duration_hours=_hours(on_sla),
        off_sla_duration_hours=_hours(off_sla),
        total_duration_hours=_hours(on_site + off_site),
        ticket_id=ticket_id,
    )


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 4)


def customer(record: Customer) -> dict[str, Any]:
    model = CustomerDto(
        customer_id=record.id,
        customer_name=record.name,
        created_on=record.created_on,
        last_modified=record.last_modified,
        business_number=record.business_number,
        domain=record.domain,
        address=record.address,
        city=record.city,
        state=record.state,
        country=record.country,
        phone=record.phone,
        zip_code_str=record.zip_code,
    )
    return _wire(model)


def contact(store: SandboxStore, record: Contact) -> dict[str, Any]:
    owner = store.customers.get(record.customer_id)
    model = ContactDto(
        end_user_id=record.id,
        customer_id=record.customer_id,
        customer_name=owner.name if owner else None,
        firstname=record.first_name,
        lastname=record.last_name,
        job_title=record.job_title,
        email=record.email,
        phone=record.phone,
        mobile_phone=record.mobile_phone,
        is_contact_person=record.is_contact_person,
        in_ignore_mode=False,
        created_on=record.created_on,
        last_modified=record.last_modified,
        archived=False,
    )
    return _wire(model)


def account(time_zone_name: str) -> dict[str, Any]:
    model = AccountInfo(
        account_id="sandbox-7f3a9c",
        company_name="BrightPath IT Services",
        country="United States",
        state="MA",
        city="Boston",
        address="200 Clarendon St, Suite 1400",
        postal_code="02116",
        phone="(617) 555-0100",
        created_on="2019-03-14T15:22:08Z",
        time_zone_name=time_zone_name,
        is_it_department=False,
        plan="Expert",
    )
    return _wire(model)
