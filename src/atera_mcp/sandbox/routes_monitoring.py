"""Monitoring, read-only: `GET /alerts`, `GET /alerts/{alertId}`, `GET /agents/customer/{id}`.

`alertStatus` is the only filter Atera documents for alerts: Open (not archived), Resolved
(archived), Snoozed (this sandbox snoozes nothing). The order of both lists is undocumented;
it follows the sandbox's `order` like `GET /tickets`, so clients are tested under both.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atera_mcp.domain.wire_monitoring import ALERT_CATEGORIES, ALERT_STATUSES, AgentDto, AlertDto
from atera_mcp.sandbox.problems import bad_request
from atera_mcp.sandbox.query import Query, path_id
from atera_mcp.sandbox.records import Agent, Alert
from atera_mcp.sandbox.replies import AteraJSONResponse, paged
from atera_mcp.sandbox.state import request_state
from atera_mcp.sandbox.store import SandboxStore

# Nullable in neither AgentDto nor AlertDto: left out rather than sent as null.
_NOT_NULLABLE = {"battery_info", "hardware_disks"}
_CODES: dict[str, int] = {
    name: 101 + n for n, name in enumerate(ALERT_CATEGORIES)
}  # the alert's rule code


def agent_dto(store: SandboxStore, agent: Agent) -> dict[str, Any]:
    customer = store.customers.get(agent.customer_id)
    model = AgentDto(
        agent_id=agent.id,
        machine_id=agent.guid.replace("-", "")[:16],
        device_guid=agent.guid,
        customer_id=agent.customer_id,
        customer_name=customer.name if customer else None,
        agent_name=agent.machine_name,
        machine_name=agent.machine_name,
        domain_name=agent.domain_name,
        current_logged_users=agent.logged_users,
        last_login_user=agent.last_login_user,
        monitored=True,
        online=agent.online,
        last_seen=agent.last_seen,
        created=agent.created,
        os=agent.os,
        os_type=agent.os_type,
        last_reboot_time=agent.last_reboot,
        device_type=agent.device_type,
    )
    dumped: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude=_NOT_NULLABLE)
    return dumped


def alert_dto(store: SandboxStore, alert: Alert) -> dict[str, Any]:
    agent = store.agents.get(alert.agent_id)
    customer = store.customers.get(alert.customer_id)
    model = AlertDto(
        alert_id=alert.id,
        code=_CODES.get(alert.category),
        source=alert.category,
        title=alert.title,
        severity=alert.severity,
        created=alert.created,
        device_guid=agent.guid if agent else None,
        agent_id=alert.agent_id,
        archived=alert.archived_at is not None,
        alert_category_id=alert.category,
        archived_date=alert.archived_at,
        ticket_id=alert.ticket_id,
        alert_message=alert.message,
        device_name=agent.machine_name if agent else None,
        customer_id=alert.customer_id,
        customer_name=customer.name if customer else None,
        polling_cycles_count=3,
        device_type=agent.device_type if agent else None,
    )
    dumped: dict[str, Any] = model.model_dump(mode="json", by_alias=True)
    return dumped


def _status(query: Query) -> str | None:
    """ASP.NET binds an enum by name (any case) or by number; anything else is a 400."""
    value = query.text("alertStatus")
    if value is None:
        return None
    wanted = value.strip()
    for number, name in enumerate(ALERT_STATUSES):
        if wanted.lower() == name.lower() or wanted == str(number):
            return name
    raise bad_request(f"The value '{value}' is not valid for alertStatus.", "alertStatus")


def _in_order(request: Request, ids: list[int]) -> list[int]:
    return sorted(ids, reverse=request_state(request).config.order == "newest")


async def list_alerts(request: Request) -> Response:
    query, store = Query(request), request_state(request).store
    status = _status(query)
    kept = [
        a.id
        for a in store.alerts.values()
        if status is None
        or (status == "Open" and a.archived_at is None)
        or (status == "Resolved" and a.archived_at is not None)
    ]
    items = [store.alerts[i] for i in _in_order(request, kept)]
    return paged(request, query, items, lambda a: alert_dto(store, a))


async def get_alert(request: Request) -> Response:
    store = request_state(request).store
    return AteraJSONResponse(alert_dto(store, store.alert(path_id(request, "alertId"))))


async def list_customer_agents(request: Request) -> Response:
    """An unknown customer has no agents: an empty page (the spec names no 404 here)."""
    query, store = Query(request), request_state(request).store
    customer_id = path_id(request, "customerId")
    kept = [a.id for a in store.agents.values() if a.customer_id == customer_id]
    items = [store.agents[i] for i in _in_order(request, kept)]
    return paged(request, query, items, lambda a: agent_dto(store, a))


ROUTES = [
    Route("/alerts", list_alerts, methods=["GET"]),
    Route("/alerts/{alertId}", get_alert, methods=["GET"]),
    Route("/agents/customer/{customerId}", list_customer_agents, methods=["GET"]),
]
