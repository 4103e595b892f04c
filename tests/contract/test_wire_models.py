"""The wire models in `atera_mcp.domain.wire` say nothing Atera's OpenAPI export does not.

Every model maps to a schema of the subset, every alias is a property of it with a compatible
JSON type, every enum Literal equals the spec's enum, request models serialise to bodies the
contract checker accepts, and read models parse answers that are valid against the spec.
"""

from __future__ import annotations

import inspect
import json
import types
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import pytest
from pydantic import BaseModel, Field

from atera_mcp.domain import wire, wire_monitoring
from atera_mcp.spec import load_subset
from tests.contract.examples import (
    ACCOUNT,
    AGENT,
    ALERT,
    BASE,
    COMMENT,
    CONTACT,
    CUSTOMER,
    DURATIONS,
    TICKET,
    WORKHOUR_RECORD,
    page,
)
from tests.contract.openapi_check import default_checker

SCHEMAS: dict[str, Any] = load_subset()["components"]["schemas"]
PAGED_SCHEMAS = sorted(name for name in SCHEMAS if name.endswith("PagedResult"))

SCHEMA_OF: dict[type[BaseModel], str] = {
    wire.Result: "Result",
    wire.ProblemDetails: "ProblemDetails",
    wire.AccountInfo: "AccountInfoResponse",
    wire.TicketDto: "TicketDto",
    wire.CreateTicketModel: "CreateTicketModel",
    wire.UpdateTicketModel: "UpdateTicketModel",
    wire.TicketCommentDto: "TicketCommentDto",
    wire.TechnicianCommentDetails: "TechnicianCommentDetails",
    wire.EnduserCommentDetails: "EnduserCommentDetails",
    wire.AddCommentToTicketModel: "AddCommentToTicketModel",
    wire.CreateWorkHoursModel: "CreateWorkHoursModel",
    wire.TicketWorkHoursDto: "TicketWorkHoursDto",
    wire.WorkhourRecordDto: "WorkhourRecordDto",
    wire.TicketDurationsDto: "TicketDurationsDto",
    wire.TicketWorkHoursSummaryDto: "TicketWorkHoursSummaryDto",
    wire.AddTicketRelationModel: "AddTicketRelationModel",
    wire.CustomerDto: "CustomerDto",
    wire.ContactDto: "ContactDto",
    wire.CreateContactRequest: "CreateContactRequest",
    wire_monitoring.AgentDto: "AgentDto",
    wire_monitoring.HardwareDiskDto: "HardwareDiskDto",
    wire_monitoring.BatteryDto: "BatteryDto",
    wire_monitoring.AlertDto: "AlertDto",
}
BASE_CLASSES: set[type[BaseModel]] = {wire.WireModel, wire.RequestModel}
PAIRS: list[tuple[type[BaseModel], str]] = [
    *SCHEMA_OF.items(),
    *((wire.Page, name) for name in PAGED_SCHEMAS),
]
PAIR_IDS = [f"{model.__name__}->{schema}" for model, schema in PAIRS]


def wire_models() -> list[type[BaseModel]]:
    return [
        value
        for module in (wire, wire_monitoring)
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, BaseModel)
        and value.__module__ == module.__name__
    ]


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return SCHEMAS[ref.rsplit("/", 1)[1]] if isinstance(ref, str) else schema


def unwrap(annotation: Any) -> tuple[Any, bool]:
    """The annotation without Annotated/Optional wrappers, and whether None was allowed."""
    nullable = False
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        nullable = len(args) < len(get_args(annotation))
        assert len(args) == 1, f"unexpected union {annotation}"
        annotation = args[0]
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation, nullable


def json_type(annotation: Any) -> str | None:
    """The OpenAPI `type` a Python annotation serialises to (None: anything, a TypeVar)."""
    if get_origin(annotation) is Literal:
        return "string"
    if get_origin(annotation) is list:
        return "array"
    if isinstance(annotation, TypeVar):
        return None
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return "object"
    kinds: dict[Any, str] = {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        datetime: "string",
    }
    return kinds[annotation]


def field_problems(model: type[BaseModel], schema_name: str) -> list[str]:
    """Where a model's fields disagree with the properties of its schema."""
    properties: dict[str, Any] = SCHEMAS[schema_name]["properties"]
    problems: list[str] = []
    for name, info in model.model_fields.items():
        alias = info.alias or name
        where = f"{model.__name__}.{name} ({alias!r})"
        if alias not in properties:
            problems.append(f"{where} is not a property of {schema_name}")
            continue
        spec = resolve(properties[alias])
        annotation, _ = unwrap(info.annotation)
        kind = json_type(annotation)
        if kind is not None and kind != spec.get("type"):
            problems.append(f"{where} is {kind} but {schema_name} says {spec.get('type')}")
        if (annotation is datetime) != (spec.get("format") == "date-time"):
            problems.append(f"{where}: {annotation} against format {spec.get('format')}")
        if get_origin(annotation) is Literal:
            if set(get_args(annotation)) != set(spec.get("enum", [])):
                problems.append(f"{where}: {get_args(annotation)} != enum {spec.get('enum')}")
        elif "enum" in spec and issubclass(model, wire.RequestModel):
            problems.append(f"{where} should be the Literal of enum {spec['enum']}")
        if kind == "object":
            target = properties[alias].get("$ref", "").rsplit("/", 1)[-1]
            if SCHEMA_OF.get(annotation) != target:
                problems.append(f"{where} is {annotation.__name__} but the spec says {target}")
    return problems


# -- mapping ---------------------------------------------------------------------------------


def test_every_wire_model_maps_to_a_spec_schema() -> None:
    unmapped = [
        model.__name__
        for model in wire_models()
        if model not in SCHEMA_OF and model not in BASE_CLASSES and model is not wire.Page
    ]
    assert unmapped == [], "add these to SCHEMA_OF with the spec schema they mirror"
    assert set(SCHEMA_OF.values()) <= SCHEMAS.keys()
    assert PAGED_SCHEMAS, "the subset has paged results"


def test_every_object_schema_of_the_subset_has_a_wire_model() -> None:
    objects = {name for name, schema in SCHEMAS.items() if schema.get("type") == "object"}
    assert objects - set(SCHEMA_OF.values()) - set(PAGED_SCHEMAS) == set()


@pytest.mark.parametrize(("model", "schema_name"), PAIRS, ids=PAIR_IDS)
def test_every_alias_is_a_property_of_its_schema(model: type[BaseModel], schema_name: str) -> None:
    properties = SCHEMAS[schema_name]["properties"]
    invented = [
        info.alias or name
        for name, info in model.model_fields.items()
        if (info.alias or name) not in properties
    ]
    assert invented == []


@pytest.mark.parametrize(("model", "schema_name"), PAIRS, ids=PAIR_IDS)
def test_field_types_match_the_spec(model: type[BaseModel], schema_name: str) -> None:
    assert field_problems(model, schema_name) == []


def test_request_models_require_what_the_spec_requires() -> None:
    for model, schema_name in SCHEMA_OF.items():
        required = set(SCHEMAS[schema_name].get("required", []))
        declared = {info.alias or name: info for name, info in model.model_fields.items()}
        optional = [name for name in required if not declared[name].is_required()]
        assert optional == [], f"{model.__name__} must require {optional}"


def test_paged_results_hold_modelled_items() -> None:
    for name in PAGED_SCHEMAS:
        item = SCHEMAS[name]["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[1]
        assert item in SCHEMA_OF.values(), f"{name} holds {item}, which no wire model mirrors"


class InventiveCreateTicket(wire.RequestModel):
    """What a careless model would look like; the checks above must refuse it."""

    ticket_title: int = Field(alias="TicketTitle")
    customer_id: int = Field(alias="CustomerID")
    ticket_priority: Literal["Low", "Urgent"] = Field(alias="TicketPriority")
    ticket_type: str = Field(alias="TicketType")
    description: datetime = Field(alias="Description")


def test_the_field_check_catches_invented_fields_and_wrong_types() -> None:
    assert field_problems(InventiveCreateTicket, "CreateTicketModel") == [
        "InventiveCreateTicket.ticket_title ('TicketTitle') is integer but CreateTicketModel "
        "says string",
        "InventiveCreateTicket.customer_id ('CustomerID') is not a property of CreateTicketModel",
        "InventiveCreateTicket.ticket_priority ('TicketPriority'): ('Low', 'Urgent') != enum "
        "['Low', 'Medium', 'High', 'Critical']",
        "InventiveCreateTicket.ticket_type ('TicketType') should be the Literal of enum "
        "['Incident', 'Problem', 'Request', 'Change']",
        "InventiveCreateTicket.description ('Description'): <class 'datetime.datetime'> against "
        "format None",
    ]


# -- enums -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "values", "schema_name"),
    [
        (wire.Priority, wire.PRIORITIES, "TicketPriorityOptions"),
        (wire.TicketType, wire.TICKET_TYPES, "TicketTypesForAPI"),
        (wire.Impact, wire.IMPACTS, "TicketsImpactOptions"),
        (wire.RelationType, get_args(wire.RelationType), "RelationType"),
        (wire_monitoring.AlertStatus, wire_monitoring.ALERT_STATUSES, "AlertStatus"),
        (wire_monitoring.AlertSeverity, wire_monitoring.ALERT_SEVERITIES, "AlertSeverity"),
        (wire_monitoring.AlertCategory, wire_monitoring.ALERT_CATEGORIES, "AlertCategory"),
    ],
    ids=[
        "Priority",
        "TicketType",
        "Impact",
        "RelationType",
        "AlertStatus",
        "AlertSeverity",
        "AlertCategory",
    ],
)
def test_enum_literals_equal_the_spec_enums(
    literal: Any, values: tuple[str, ...], schema_name: str
) -> None:
    spec_enum = SCHEMAS[schema_name]["enum"]
    assert set(get_args(literal)) == set(spec_enum)
    assert list(values) == spec_enum, "the tuple keeps Atera's order"


# -- requests out, answers in ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "method", "path", "body"),
    [
        (
            wire.CreateTicketModel,
            "POST",
            "/tickets",
            {
                "TicketTitle": "Printer offline",
                "Description": "Floor 2 printer shows offline",
                "TicketPriority": "High",
                "TicketImpact": "Minor",
                "TicketStatus": "Open",
                "TicketType": "Incident",
                "EndUserID": None,
                "EndUserFirstName": "Dana",
                "EndUserLastName": "Levi",
                "EndUserEmail": "dana@contoso.example",
                "EndUserPhone": "+972-50-555-0101",
                "TechnicianContactID": 5,
                "TechnicianEmail": "sam@msp.example",
            },
        ),
        (
            wire.UpdateTicketModel,
            "PUT",
            "/tickets/1042",
            {
                "TicketTitle": "Printer offline (floor 2)",
                "TicketStatus": "Pending",
                "TicketType": "Problem",
                "TicketPriority": "Critical",
                "TicketImpact": "SiteDown",
                "TechnicianContactID": 5,
                "TechnicianEmail": None,
            },
        ),
        (
            wire.AddCommentToTicketModel,
            "POST",
            "/tickets/1042/comments",
            {
                "CommentText": "Internal: toner ordered",
                "CommentTimestampUTC": "2026-06-01T10:00:00Z",
                "TechnicianCommentDetails": {
                    "TechnicianId": 5,
                    "IsInternal": True,
                    "TechnicianEmail": "sam@msp.example",
                },
            },
        ),
        (
            wire.AddCommentToTicketModel,
            "POST",
            "/tickets/1042/comments",
            {"CommentText": "Thanks, it works", "EnduserCommentDetails": {"EnduserId": 77}},
        ),
        (
            wire.CreateWorkHoursModel,
            "POST",
            "/tickets/1042/workhours",
            {
                "StartWorkHour": "2026-06-01T09:00:00Z",
                "EndWorkHour": "2026-06-01T10:30:00Z",
                "TechnicianContactID": 5,
                "TechnicianEmail": "sam@msp.example",
                "Billiable": True,
                "OnCustomerSite": False,
                "Description": "Replaced toner",
                "RateID": 3,
            },
        ),
        (
            wire.AddTicketRelationModel,
            "POST",
            "/tickets/1042/relations",
            {"RelatedTicketId": 1043, "RelationType": "Parent"},
        ),
        (
            wire.CreateContactRequest,
            "POST",
            "/contacts",
            {
                "Email": "new@contoso.example",
                "CustomerID": 12,
                "CustomerName": None,
                "Firstname": "Noa",
                "Lastname": "Cohen",
                "JobTitle": "Accountant",
                "Phone": "+972-3-555-0102",
                "MobilePhone": None,
                "IsContactPerson": False,
            },
        ),
    ],
    ids=["create-ticket", "update-ticket", "technician-comment", "enduser-comment",
         "work-hours", "relation", "contact"],
)  # fmt: skip
def test_request_models_serialise_to_bodies_atera_accepts(
    model: type[wire.RequestModel], method: str, path: str, body: dict[str, Any]
) -> None:
    sent = model.model_validate(body).to_wire()
    assert sent == {k: v for k, v in body.items() if v is not None}  # nulls are never sent
    assert default_checker().check_request(method, BASE + path, sent) == []


def test_request_models_never_send_null_for_a_non_nullable_enum() -> None:
    body = wire.CreateTicketModel(ticket_title="Printer", ticket_priority=None).to_wire()
    assert body == {"TicketTitle": "Printer"}
    assert default_checker().check_request("POST", f"{BASE}/tickets", body) == []


def test_a_comment_body_needs_exactly_one_author_object() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        wire.AddCommentToTicketModel(comment_text="hi")
    with pytest.raises(ValueError, match="exactly one"):
        wire.AddCommentToTicketModel(
            comment_text="hi",
            technician_comment_details=wire.TechnicianCommentDetails(
                technician_id=1, is_internal=True
            ),
            enduser_comment_details=wire.EnduserCommentDetails(enduser_id=2),
        )


def test_read_models_parse_answers_valid_against_the_spec() -> None:
    checker = default_checker()
    answers: list[tuple[str, str, Any, type[BaseModel]]] = [
        ("/account", "GET", ACCOUNT, wire.AccountInfo),
        ("/tickets/1042", "GET", TICKET, wire.TicketDto),
        ("/customers/12", "GET", CUSTOMER, wire.CustomerDto),
        ("/contacts/77", "GET", CONTACT, wire.ContactDto),
        ("/tickets/1042/billableduration", "GET", DURATIONS, wire.TicketDurationsDto),
        (
            "/tickets/1042/workhours",
            "GET",
            {"TicketID": 1042, "Billable": DURATIONS, "NonBillable": DURATIONS},
            wire.TicketWorkHoursSummaryDto,
        ),
        ("/tickets/1042/comments", "GET", page([COMMENT]), wire.Page[wire.TicketCommentDto]),
        ("/workhours", "GET", page([WORKHOUR_RECORD]), wire.Page[wire.WorkhourRecordDto]),
        ("/tickets", "GET", page([TICKET]), wire.Page[wire.TicketDto]),
        ("/alerts", "GET", page([ALERT]), wire.Page[wire_monitoring.AlertDto]),
        ("/alerts/88", "GET", ALERT, wire_monitoring.AlertDto),
        (
            "/agents/customer/12",
            "GET",
            page([AGENT]),
            wire.Page[wire_monitoring.AgentDto],
        ),
    ]
    headers = {"content-type": "application/json"}
    for path, method, answer, model in answers:
        raw = json.dumps(answer).encode()
        assert checker.check_response(method, BASE + path, 200, headers, raw) == [], path
        model.model_validate(answer)

    ticket = wire.TicketDto.model_validate(TICKET)
    assert ticket.ticket_id == 1042
    assert ticket.technician_first_comment_date == datetime(2026, 6, 1, 9, 40, 12, 123456, UTC)
    record = wire.WorkhourRecordDto.model_validate(WORKHOUR_RECORD)
    assert (record.customer_id, record.billiable) == (12, True)
    assert wire.ContactDto.model_validate(CONTACT).firstname == "Dana"
    agent = wire_monitoring.AgentDto.model_validate(AGENT)
    assert (agent.current_logged_users, agent.online) == ("CONTOSO\\dlevi", False)
    assert agent.last_reboot_time == datetime(2026, 5, 28, 7, 12, 40, 500000, UTC)
    alert = wire_monitoring.AlertDto.model_validate(ALERT)
    assert (alert.ticket_id, alert.severity, alert.archived) == (1042, "Warning", False)
