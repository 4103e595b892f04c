"""Hand-written Atera answers, valid against the June 2026 export, shared by the contract tests."""

from __future__ import annotations

from typing import Any

BASE = "https://app.atera.com/api/v3"

TICKET: dict[str, Any] = {
    "TicketID": 1042,
    "TicketTitle": "Printer offline on floor 2",
    "TicketNumber": "1042",
    "TicketPriority": "High",
    "TicketImpact": "Minor",
    "TicketStatus": "Open",
    "TicketSource": "Email",
    "TicketType": "Incident",
    "EndUserID": 77,
    "EndUserEmail": "dana@contoso.example",
    "EndUserFirstName": "Dana",
    "EndUserLastName": "Levi",
    "EndUserPhone": None,
    "TicketResolvedDate": None,
    "TicketCreatedDate": "2026-06-01T09:15:00Z",
    "TechnicianFirstCommentDate": "2026-06-01T09:40:12.1234567",
    "FirstResponseDueDate": "2026-06-01T13:15:00",
    "ClosedTicketDueDate": None,
    "FirstComment": "The printer shows offline.",
    "LastEndUserComment": None,
    "LastEndUserCommentTimestamp": None,
    "LastTechnicianComment": "Looking into it.",
    "LastTechnicianCommentTimestamp": "2026-06-01T09:40:12Z",
    "OnSiteDurationSeconds": None,
    "CustomerID": 12,
    "CustomerName": "Contoso",
    "CustomerBusinessNumber": None,
    "TechnicianContactID": 5,
    "TechnicianFullName": "Sam Tech",
    "TechnicianEmail": "sam@msp.example",
    "ContractID": None,
}
DURATIONS = {
    "OffSLADurationHours": 0.0,
    "OffSiteDurationHours": 1.5,
    "OnSLADurationHours": 1.5,
    "OnSiteDurationHours": 0,
    "TotalDurationHours": 1.5,
    "ticketId": 1042,
}


def page(items: list[Any], **overrides: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "items": items,
        "page": 1,
        "itemsInPage": 20,
        "totalItemCount": len(items),
        "totalPages": 1,
        "prevLink": "",
        "nextLink": "",
    }
    return envelope | overrides


ACCOUNT: dict[str, Any] = {
    "AccountID": "a1b2c3",
    "CompanyName": "Example MSP",
    "Country": "Israel",
    "State": None,
    "City": "Tel Aviv",
    "Address": None,
    "PostalCode": None,
    "Phone": "+972-3-555-0100",
    "CreatedOn": "6/1/2020 12:00:00 AM",
    "TimeZoneName": "Israel Standard Time",
    "IsITDepartment": False,
    "Plan": "Pro",
}
COMMENT: dict[str, Any] = {
    "Date": "2026-06-01T10:00:00",
    "Comment": "Rebooted the spooler",
    "CommentHtml": "<p>Rebooted the spooler</p>",
    "EndUserID": None,
    "TechnicianContactID": 5,
    "Email": "sam@msp.example",
    "FirstName": "Sam",
    "LastName": "Tech",
    "IsInternal": True,
}
WORKHOUR_RECORD: dict[str, Any] = {
    "WorkHoursID": 9,
    "TicketID": 1042,
    "CustomerID": 12,
    "EndUserID": 77,
    "StartWorkHour": "2026-06-01T09:00:00",
    "EndWorkHour": "2026-06-01T10:30:00",
    "TechnicianContactID": 5,
    "Billiable": True,
    "OnCustomerSite": False,
    "Description": "Replaced toner",
    "TechnicianFullName": "Sam Tech",
    "TechnicianEmail": "sam@msp.example",
    "RateID": 3,
    "RateAmount": 120.0,
}
CUSTOMER: dict[str, Any] = {
    "CustomerID": 12,
    "CustomerName": "Contoso",
    "CreatedOn": "2021-03-04T08:00:00",
    "LastModified": "2026-05-30T17:45:10.1234567",
    "BusinessNumber": None,
    "Domain": "contoso.example",
    "Address": "1 Main St",
    "City": "Haifa",
    "State": None,
    "Country": "Israel",
    "Phone": "+972-4-555-0199",
    "Fax": None,
    "Notes": None,
    "Logo": None,
    "Links": None,
    "Longitude": 34.99,
    "Latitude": 32.79,
    "ZipCodeStr": "3100001",
}
CONTACT: dict[str, Any] = {
    "EndUserID": 77,
    "CustomerID": 12,
    "CustomerName": "Contoso",
    "Firstname": "Dana",
    "Lastname": "Levi",
    "JobTitle": "Office manager",
    "Email": "dana@contoso.example",
    "Phone": None,
    "MobilePhone": None,
    "IsContactPerson": True,
    "InIgnoreMode": False,
    "CreatedOn": "2021-03-04T08:00:00Z",
    "LastModified": None,
    "Archived": False,
    "DepartmentID": None,
    "DepartmentName": None,
    "DefaultAgentId": None,
}
