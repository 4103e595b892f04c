"""Atera API v3 wire models of the monitoring side: agents (devices) and their alerts.

Spelled exactly as Atera's OpenAPI export spells `AgentDto` and `AlertDto` (read-only here: the
project never creates, resolves or deletes an alert). Only the fields a technician reads about
a machine are modelled; the models are tolerant (`WireModel`), so the rest is ignored.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from atera_mcp.domain.wire import UtcDateTime, WireModel

AlertStatus = Literal["Open", "Resolved", "Snoozed"]
AlertSeverity = Literal["Information", "Warning", "Critical"]
AlertCategory = Literal["Hardware", "Disk", "Availability", "Performance", "Exchange", "General"]

ALERT_STATUSES: tuple[AlertStatus, ...] = ("Open", "Resolved", "Snoozed")
ALERT_SEVERITIES: tuple[AlertSeverity, ...] = ("Information", "Warning", "Critical")
ALERT_CATEGORIES: tuple[AlertCategory, ...] = (
    "Hardware",
    "Disk",
    "Availability",
    "Performance",
    "Exchange",
    "General",
)


class HardwareDiskDto(WireModel):
    drive: str | None = Field(None, alias="Drive")
    free: float = Field(0.0, alias="Free")
    used: float = Field(0.0, alias="Used")
    total: float = Field(0.0, alias="Total")


class BatteryDto(WireModel):
    id: int = Field(0, alias="Id")
    name: str | None = Field(None, alias="Name")
    battery_health: float = Field(0.0, alias="BatteryHealth")
    designed_capacity: int = Field(0, alias="DesignedCapacity")
    full_charge_capacity: int = Field(0, alias="FullChargeCapacity")
    cycle_count: int = Field(0, alias="CycleCount")


class AgentDto(WireModel):
    """A monitored device. `CurrentLoggedUsers` is one string (users separated by commas);
    a user may be `DOMAIN\\user`, a bare name or an email address."""

    agent_id: int | None = Field(None, alias="AgentID")
    machine_id: str | None = Field(None, alias="MachineID")
    device_guid: str | None = Field(None, alias="DeviceGuid")
    customer_id: int | None = Field(None, alias="CustomerID")
    customer_name: str | None = Field(None, alias="CustomerName")
    agent_name: str | None = Field(None, alias="AgentName")
    machine_name: str | None = Field(None, alias="MachineName")
    domain_name: str | None = Field(None, alias="DomainName")
    current_logged_users: str | None = Field(None, alias="CurrentLoggedUsers")
    last_login_user: str | None = Field(None, alias="LastLoginUser")
    monitored: bool = Field(False, alias="Monitored")
    online: bool | None = Field(None, alias="Online")
    last_seen: UtcDateTime | None = Field(None, alias="LastSeen")
    created: UtcDateTime | None = Field(None, alias="Created")
    modified: UtcDateTime | None = Field(None, alias="Modified")
    os: str | None = Field(None, alias="OS")
    os_type: str | None = Field(None, alias="OSType")
    os_version: str | None = Field(None, alias="OSVersion")
    os_build: str | None = Field(None, alias="OSBuild")
    last_reboot_time: UtcDateTime | None = Field(None, alias="LastRebootTime")
    device_type: str | None = Field(None, alias="DeviceType")
    vendor: str | None = Field(None, alias="Vendor")
    vendor_brand_model: str | None = Field(None, alias="VendorBrandModel")
    processor: str | None = Field(None, alias="Processor")
    memory: int | None = Field(None, alias="Memory")
    ip_addresses: list[str] | None = Field(None, alias="IpAddresses")
    hardware_disks: list[HardwareDiskDto] | None = Field(None, alias="HardwareDisks")
    battery_info: BatteryDto | None = Field(None, alias="BatteryInfo")


class AlertDto(WireModel):
    """A monitoring alert. `TicketID` is the ticket it opened (if any); an alert that was
    resolved is `Archived`. Severity and category are read as plain strings (tolerant)."""

    alert_id: int | None = Field(None, alias="AlertID")
    code: int | None = Field(None, alias="Code")
    source: str | None = Field(None, alias="Source")
    title: str | None = Field(None, alias="Title")
    severity: str | None = Field(None, alias="Severity")
    created: UtcDateTime | None = Field(None, alias="Created")
    snoozed_end_date: UtcDateTime | None = Field(None, alias="SnoozedEndDate")
    device_guid: str | None = Field(None, alias="DeviceGuid")
    agent_id: int | None = Field(None, alias="AgentId")
    additional_info: str | None = Field(None, alias="AdditionalInfo")
    archived: bool | None = Field(None, alias="Archived")
    alert_category_id: str | None = Field(None, alias="AlertCategoryID")
    archived_date: UtcDateTime | None = Field(None, alias="ArchivedDate")
    ticket_id: int | None = Field(None, alias="TicketID")
    alert_message: str | None = Field(None, alias="AlertMessage")
    device_name: str | None = Field(None, alias="DeviceName")
    customer_id: int | None = Field(None, alias="CustomerID")
    customer_name: str | None = Field(None, alias="CustomerName")
    folder_id: int | None = Field(None, alias="FolderID")
    polling_cycles_count: int | None = Field(None, alias="PollingCyclesCount")
    device_type: str | None = Field(None, alias="DeviceType")
