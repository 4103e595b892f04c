"""Atera API v3 wire models, spelled exactly as Atera spells them on the wire.

Python attributes are snake_case; each field's alias is Atera's name (`TicketID`, `Billiable`,
`ticketId`, `Firstname`...). Models validate by name or alias and serialise by alias, so the same
classes serve the client (requests out, answers in) and the sandbox (requests in, answers out).

Read models are tolerant (`extra="ignore"`, enums read as plain strings) because the real API
adds and drops fields between releases; request models are strict (`extra="forbid"`) so this
project can never send a field Atera would silently drop.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)

Priority = Literal["Low", "Medium", "High", "Critical"]
TicketType = Literal["Incident", "Problem", "Request", "Change"]
Impact = Literal["NoImpact", "SiteDown", "ServerIssue", "Minor", "Major", "Crisis"]
RelationType = Literal["None", "Parent", "Child"]

PRIORITIES: tuple[Priority, ...] = ("Low", "Medium", "High", "Critical")
TICKET_TYPES: tuple[TicketType, ...] = ("Incident", "Problem", "Request", "Change")
IMPACTS: tuple[Impact, ...] = ("NoImpact", "SiteDown", "ServerIssue", "Minor", "Major", "Crisis")


def _as_utc(value: datetime) -> datetime:
    # Atera writes UTC timestamps, sometimes without an offset; a naive value is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def format_utc(value: datetime) -> str:
    """Atera's UTC timestamp spelling: ISO 8601 with a trailing Z."""
    return _as_utc(value).isoformat().replace("+00:00", "Z")


UtcDateTime = Annotated[
    datetime,
    AfterValidator(_as_utc),
    PlainSerializer(format_utc, return_type=str, when_used="json"),
]


def _action_id_as_text(value: Any) -> Any:
    # The spec types ActionID as a string; live answers have carried a number too.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class WireModel(BaseModel):
    """An object Atera sends: read tolerantly."""

    model_config = ConfigDict(
        validate_by_name=True, validate_by_alias=True, serialize_by_alias=True, extra="ignore"
    )


class RequestModel(BaseModel):
    """An object this project sends to Atera: only declared fields, nothing unset is sent."""

    model_config = ConfigDict(
        validate_by_name=True, validate_by_alias=True, serialize_by_alias=True, extra="forbid"
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON body: Atera's field names, only the fields that were set to a value.

        None is never sent: Atera's enums and author objects are not nullable."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)


T = TypeVar("T")


class Page(WireModel, Generic[T]):
    """Atera's paged envelope; `nextLink`/`prevLink` are absolute URLs or ""."""

    items: list[T] | None = None
    page: int = 1
    items_in_page: int = Field(0, alias="itemsInPage")
    total_item_count: int = Field(0, alias="totalItemCount")
    total_pages: int = Field(0, alias="totalPages")
    prev_link: str | None = Field(None, alias="prevLink")
    next_link: str | None = Field(None, alias="nextLink")

    @property
    def has_next(self) -> bool:
        return bool(self.next_link)


class Result(WireModel):
    """`{"ActionID": "..."}`: the id of what a write created or touched."""

    action_id: Annotated[str | None, BeforeValidator(_action_id_as_text)] = Field(
        None, alias="ActionID"
    )


class ProblemDetails(WireModel):
    type: str | None = None
    title: str | None = None
    status: int | None = None
    detail: str | None = None
    instance: str | None = None


class AccountInfo(WireModel):
    account_id: str | None = Field(None, alias="AccountID")
    company_name: str | None = Field(None, alias="CompanyName")
    country: str | None = Field(None, alias="Country")
    state: str | None = Field(None, alias="State")
    city: str | None = Field(None, alias="City")
    address: str | None = Field(None, alias="Address")
    postal_code: str | None = Field(None, alias="PostalCode")
    phone: str | None = Field(None, alias="Phone")
    created_on: str | None = Field(None, alias="CreatedOn")
    time_zone_name: str | None = Field(None, alias="TimeZoneName")
    is_it_department: bool = Field(False, alias="IsITDepartment")
    plan: str | None = Field(None, alias="Plan")


class TicketDto(WireModel):
    ticket_id: int = Field(alias="TicketID")
    ticket_title: str | None = Field(None, alias="TicketTitle")
    ticket_number: str | None = Field(None, alias="TicketNumber")
    ticket_priority: str | None = Field(None, alias="TicketPriority")
    ticket_impact: str | None = Field(None, alias="TicketImpact")
    ticket_status: str | None = Field(None, alias="TicketStatus")
    ticket_source: str | None = Field(None, alias="TicketSource")
    ticket_type: str | None = Field(None, alias="TicketType")
    end_user_id: int | None = Field(None, alias="EndUserID")
    end_user_email: str | None = Field(None, alias="EndUserEmail")
    end_user_first_name: str | None = Field(None, alias="EndUserFirstName")
    end_user_last_name: str | None = Field(None, alias="EndUserLastName")
    end_user_phone: str | None = Field(None, alias="EndUserPhone")
    ticket_resolved_date: UtcDateTime | None = Field(None, alias="TicketResolvedDate")
    ticket_created_date: UtcDateTime | None = Field(None, alias="TicketCreatedDate")
    technician_first_comment_date: UtcDateTime | None = Field(
        None, alias="TechnicianFirstCommentDate"
    )
    first_response_due_date: UtcDateTime | None = Field(None, alias="FirstResponseDueDate")
    closed_ticket_due_date: UtcDateTime | None = Field(None, alias="ClosedTicketDueDate")
    first_comment: str | None = Field(None, alias="FirstComment")
    last_end_user_comment: str | None = Field(None, alias="LastEndUserComment")
    last_end_user_comment_timestamp: UtcDateTime | None = Field(
        None, alias="LastEndUserCommentTimestamp"
    )
    last_technician_comment: str | None = Field(None, alias="LastTechnicianComment")
    last_technician_comment_timestamp: UtcDateTime | None = Field(
        None, alias="LastTechnicianCommentTimestamp"
    )
    customer_id: int | None = Field(None, alias="CustomerID")
    customer_name: str | None = Field(None, alias="CustomerName")
    customer_business_number: str | None = Field(None, alias="CustomerBusinessNumber")
    technician_contact_id: int | None = Field(None, alias="TechnicianContactID")
    technician_full_name: str | None = Field(None, alias="TechnicianFullName")
    technician_email: str | None = Field(None, alias="TechnicianEmail")
    contract_id: int | None = Field(None, alias="ContractID")
    relation_type: str | None = Field(None, alias="RelationType")
    related_ticket_id: int | None = Field(None, alias="RelatedTicketId")


class CreateTicketModel(RequestModel):
    """POST /tickets. There is no CustomerID: the customer is the end user's customer."""

    ticket_title: str | None = Field(None, alias="TicketTitle")
    description: str | None = Field(None, alias="Description")
    ticket_priority: Priority | None = Field(None, alias="TicketPriority")
    ticket_impact: Impact | None = Field(None, alias="TicketImpact")
    ticket_status: str | None = Field(None, alias="TicketStatus")
    ticket_type: TicketType | None = Field(None, alias="TicketType")
    end_user_id: int | None = Field(None, alias="EndUserID")
    end_user_first_name: str | None = Field(None, alias="EndUserFirstName")
    end_user_last_name: str | None = Field(None, alias="EndUserLastName")
    end_user_email: str | None = Field(None, alias="EndUserEmail")
    end_user_phone: str | None = Field(None, alias="EndUserPhone")
    technician_contact_id: int | None = Field(None, alias="TechnicianContactID")
    technician_email: str | None = Field(None, alias="TechnicianEmail")


class UpdateTicketModel(RequestModel):
    """PUT/POST /tickets/{id}: only these fields are editable; send only what changes."""

    ticket_title: str | None = Field(None, alias="TicketTitle")
    ticket_status: str | None = Field(None, alias="TicketStatus")
    ticket_type: TicketType | None = Field(None, alias="TicketType")
    ticket_priority: Priority | None = Field(None, alias="TicketPriority")
    ticket_impact: Impact | None = Field(None, alias="TicketImpact")
    technician_contact_id: int | None = Field(None, alias="TechnicianContactID")
    technician_email: str | None = Field(None, alias="TechnicianEmail")


class TicketCommentDto(WireModel):
    date: UtcDateTime = Field(alias="Date")
    comment: str | None = Field(None, alias="Comment")
    comment_html: str | None = Field(None, alias="CommentHtml")
    end_user_id: int | None = Field(None, alias="EndUserID")
    technician_contact_id: int | None = Field(None, alias="TechnicianContactID")
    email: str | None = Field(None, alias="Email")
    first_name: str | None = Field(None, alias="FirstName")
    last_name: str | None = Field(None, alias="LastName")
    is_internal: bool = Field(False, alias="IsInternal")


class TechnicianCommentDetails(RequestModel):
    technician_id: int = Field(alias="TechnicianId")
    is_internal: bool = Field(alias="IsInternal")
    technician_email: str | None = Field(None, alias="TechnicianEmail")


class EnduserCommentDetails(RequestModel):
    enduser_id: int = Field(alias="EnduserId")


class AddCommentToTicketModel(RequestModel):
    """POST /tickets/{id}/comments: exactly one of the two author objects."""

    comment_text: str = Field(alias="CommentText")
    comment_timestamp_utc: UtcDateTime | None = Field(None, alias="CommentTimestampUTC")
    technician_comment_details: TechnicianCommentDetails | None = Field(
        None, alias="TechnicianCommentDetails"
    )
    enduser_comment_details: EnduserCommentDetails | None = Field(
        None, alias="EnduserCommentDetails"
    )

    @model_validator(mode="after")
    def _one_author(self) -> AddCommentToTicketModel:
        if (self.technician_comment_details is None) == (self.enduser_comment_details is None):
            raise ValueError(
                "a comment needs exactly one of TechnicianCommentDetails or EnduserCommentDetails"
            )
        return self


class CreateWorkHoursModel(RequestModel):
    """POST /tickets/{id}/workhours. `Billiable` is Atera's own spelling."""

    start_work_hour: UtcDateTime = Field(alias="StartWorkHour")
    end_work_hour: UtcDateTime = Field(alias="EndWorkHour")
    technician_contact_id: int | None = Field(None, alias="TechnicianContactID")
    technician_email: str | None = Field(None, alias="TechnicianEmail")
    billiable: bool = Field(alias="Billiable")
    on_customer_site: bool = Field(False, alias="OnCustomerSite")
    description: str | None = Field(None, alias="Description")
    rate_id: int | None = Field(None, alias="RateID")


class TicketWorkHoursDto(WireModel):
    ticket_id: int = Field(alias="TicketID")
    work_hours_id: int = Field(alias="WorkHoursID")
    start_work_hour: UtcDateTime | None = Field(None, alias="StartWorkHour")
    end_work_hour: UtcDateTime | None = Field(None, alias="EndWorkHour")
    technician_contact_id: int | None = Field(None, alias="TechnicianContactID")
    billiable: bool | None = Field(None, alias="Billiable")
    on_customer_site: bool | None = Field(None, alias="OnCustomerSite")
    description: str | None = Field(None, alias="Description")
    technician_full_name: str | None = Field(None, alias="TechnicianFullName")
    technician_email: str | None = Field(None, alias="TechnicianEmail")
    rate_id: int | None = Field(None, alias="RateID")
    rate_amount: float | None = Field(None, alias="RateAmount")


class WorkhourRecordDto(TicketWorkHoursDto):
    """GET /workhours: a ticket work-hour entry plus the customer and end user it bills to."""

    customer_id: int | None = Field(None, alias="CustomerID")
    end_user_id: int | None = Field(None, alias="EndUserID")


class TicketDurationsDto(WireModel):
    """Hours as floats. Note Atera's lower-case `ticketId` here."""

    off_sla_duration_hours: float = Field(0.0, alias="OffSLADurationHours")
    off_site_duration_hours: float = Field(0.0, alias="OffSiteDurationHours")
    on_sla_duration_hours: float = Field(0.0, alias="OnSLADurationHours")
    on_site_duration_hours: float = Field(0.0, alias="OnSiteDurationHours")
    total_duration_hours: float = Field(0.0, alias="TotalDurationHours")
    ticket_id: int = Field(0, alias="ticketId")


class TicketWorkHoursSummaryDto(WireModel):
    ticket_id: int = Field(alias="TicketID")
    billable: TicketDurationsDto = Field(alias="Billable")
    non_billable: TicketDurationsDto = Field(alias="NonBillable")


class AddTicketRelationModel(RequestModel):
    related_ticket_id: int = Field(alias="RelatedTicketId")
    relation_type: RelationType = Field(alias="RelationType")


class CustomerDto(WireModel):
    customer_id: int | None = Field(None, alias="CustomerID")
    customer_name: str | None = Field(None, alias="CustomerName")
    created_on: UtcDateTime | None = Field(None, alias="CreatedOn")
    last_modified: UtcDateTime | None = Field(None, alias="LastModified")
    business_number: str | None = Field(None, alias="BusinessNumber")
    domain: str | None = Field(None, alias="Domain")
    address: str | None = Field(None, alias="Address")
    city: str | None = Field(None, alias="City")
    state: str | None = Field(None, alias="State")
    country: str | None = Field(None, alias="Country")
    phone: str | None = Field(None, alias="Phone")
    fax: str | None = Field(None, alias="Fax")
    notes: str | None = Field(None, alias="Notes")
    logo: str | None = Field(None, alias="Logo")
    links: str | None = Field(None, alias="Links")
    longitude: float | None = Field(None, alias="Longitude")
    latitude: float | None = Field(None, alias="Latitude")
    zip_code_str: str | None = Field(None, alias="ZipCodeStr")


class ContactDto(WireModel):
    """Atera spells `Firstname`/`Lastname` here, and the id is `EndUserID`."""

    end_user_id: int | None = Field(None, alias="EndUserID")
    customer_id: int | None = Field(None, alias="CustomerID")
    customer_name: str | None = Field(None, alias="CustomerName")
    firstname: str | None = Field(None, alias="Firstname")
    lastname: str | None = Field(None, alias="Lastname")
    job_title: str | None = Field(None, alias="JobTitle")
    email: str | None = Field(None, alias="Email")
    phone: str | None = Field(None, alias="Phone")
    mobile_phone: str | None = Field(None, alias="MobilePhone")
    is_contact_person: bool | None = Field(None, alias="IsContactPerson")
    in_ignore_mode: bool | None = Field(None, alias="InIgnoreMode")
    created_on: UtcDateTime | None = Field(None, alias="CreatedOn")
    last_modified: UtcDateTime | None = Field(None, alias="LastModified")
    archived: bool | None = Field(None, alias="Archived")
    department_id: int | None = Field(None, alias="DepartmentID")
    department_name: str | None = Field(None, alias="DepartmentName")
    default_agent_id: int | None = Field(None, alias="DefaultAgentId")


class CreateContactRequest(RequestModel):
    """POST /contacts: `Email` required, and `CustomerID` or `CustomerName`."""

    email: str = Field(alias="Email", min_length=1)
    customer_id: int | None = Field(None, alias="CustomerID")
    customer_name: str | None = Field(None, alias="CustomerName")
    firstname: str | None = Field(None, alias="Firstname")
    lastname: str | None = Field(None, alias="Lastname")
    job_title: str | None = Field(None, alias="JobTitle")
    phone: str | None = Field(None, alias="Phone")
    mobile_phone: str | None = Field(None, alias="MobilePhone")
    is_contact_person: bool | None = Field(None, alias="IsContactPerson")
