"""Monitoring endpoints, read-only: alerts and the agents (devices) of a customer.

`GET /alerts` has one filter, `alertStatus` (Open, Resolved, Snoozed): no ticket, customer or
device filter, so a ticket's alert is found by reading the account's open alerts. Nothing here
resolves, creates or deletes an alert.
"""

from __future__ import annotations

from atera_mcp.client.base import ClientBase
from atera_mcp.client.paging import Collected
from atera_mcp.domain.wire import Page
from atera_mcp.domain.wire_monitoring import AgentDto, AlertDto, AlertStatus


class MonitoringEndpoints(ClientBase):
    """Alerts and agents."""

    async def list_alerts(
        self, *, status: AlertStatus | None = None, max_items: int | None = None
    ) -> Collected[AlertDto]:
        """GET /alerts across pages (account-wide), optionally of one `alertStatus`."""
        return await self._collect(
            "/alerts",
            Page[AlertDto],
            action="list alerts",
            max_items=max_items,
            params={"alertStatus": status},
        )

    async def get_alert(self, alert_id: int) -> AlertDto:
        """GET /alerts/{id}."""
        return await self._get(
            f"/alerts/{alert_id}",
            AlertDto,
            action=f"read alert {alert_id}",
            subject=f"Alert {alert_id}",
        )

    async def list_customer_agents(
        self, customer_id: int, *, max_items: int | None = None
    ) -> Collected[AgentDto]:
        """GET /agents/customer/{customerId} across pages."""
        return await self._collect(
            f"/agents/customer/{customer_id}",
            Page[AgentDto],
            action=f"list the agents of customer {customer_id}",
            max_items=max_items,
        )
