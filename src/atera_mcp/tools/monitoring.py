"""Atera's monitoring data, read briefly cached: the account's open alerts and customers' agents.

`GET /alerts` filters by status only, so a ticket's alert is found among the account's open
alerts, read across pages and kept for `ALERTS_FRESH`; a customer's agents are kept for
`AGENTS_FRESH`. Each snapshot remembers when it was read (the answer's `as_of`). A link from a
ticket to its alert, once seen among the open alerts, is remembered after the alert closes, so
an archived alert is read by its id (one request, then kept: an archived alert does not
change). An alert archived before this process ever saw it open cannot be found: Atera offers
no lookup by ticket, and reading the whole alert history is unbounded.

Requests for one answer: cold, 1 per 50 open alerts + 1 per 50 of the customer's agents
(+1 for an archived alert); warm, none. Concurrent callers share one read (single flight).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from atera_mcp.client import AteraClient
from atera_mcp.domain.wire_monitoring import AgentDto, AlertDto
from atera_mcp.errors import NotFoundError
from atera_mcp.tools.concurrency import KeyedLocks

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")

ALERTS_FRESH = timedelta(seconds=60)
AGENTS_FRESH = timedelta(minutes=5)
MAX_OPEN_ALERTS = 2_500  # 50 pages; past this an answer says it read only part
MAX_AGENTS = 1_000  # one customer's agents read for one answer (20 pages)
KEPT = 50_000  # ticket-to-alert links, archived alerts and customers remembered at most


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    """Items as Atera listed them at `read_at`; `total` is Atera's count (more when capped)."""

    items: list[T]
    read_at: datetime
    total: int = 0

    @property
    def complete(self) -> bool:
        return len(self.items) >= self.total


def _keep(cache: OrderedDict[K, V], key: K, value: V) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > KEPT:
        cache.popitem(last=False)


@dataclass
class MonitoringCache:
    """One process's cache; shared by every caller (open alerts are the account's anyway)."""

    _open: Snapshot[AlertDto] | None = None
    _agents: OrderedDict[int, Snapshot[AgentDto]] = field(default_factory=OrderedDict)
    _links: OrderedDict[int, int] = field(default_factory=OrderedDict)  # ticket -> alert
    _archived: OrderedDict[int, AlertDto] = field(default_factory=OrderedDict)
    _locks: KeyedLocks = field(default_factory=KeyedLocks)

    async def open_alerts(self, atera: AteraClient, now: datetime) -> Snapshot[AlertDto]:
        """The account's open alerts, read at most once per `ALERTS_FRESH`."""
        if self._open is not None and now - self._open.read_at < ALERTS_FRESH:
            return self._open
        async with self._locks.hold("open-alerts"):
            if self._open is not None and now - self._open.read_at < ALERTS_FRESH:
                return self._open  # another caller read them while this one waited
            found = await atera.list_alerts(status="Open", max_items=MAX_OPEN_ALERTS)
            self._open = Snapshot(found.items, now, found.total)
            for alert in found.items:
                if alert.ticket_id is not None and alert.alert_id is not None:
                    _keep(self._links, alert.ticket_id, alert.alert_id)
            return self._open

    async def agents(
        self, atera: AteraClient, customer_id: int, now: datetime
    ) -> Snapshot[AgentDto]:
        """A customer's agents, read at most once per `AGENTS_FRESH`."""
        kept = self._agents.get(customer_id)
        if kept is not None and now - kept.read_at < AGENTS_FRESH:
            return kept
        async with self._locks.hold(("agents", customer_id)):
            kept = self._agents.get(customer_id)
            if kept is not None and now - kept.read_at < AGENTS_FRESH:
                return kept
            found = await atera.list_customer_agents(customer_id, max_items=MAX_AGENTS)
            kept = Snapshot(found.items, now, found.total)
            _keep(self._agents, customer_id, kept)
            return kept

    async def ticket_alert(
        self, atera: AteraClient, ticket_id: int, open_alerts: Snapshot[AlertDto]
    ) -> AlertDto | None:
        """The alert that opened the ticket: open, or archived since it was seen open."""
        for alert in open_alerts.items:
            if alert.ticket_id == ticket_id:
                return alert
        alert_id = self._links.get(ticket_id)
        if alert_id is None:
            return None
        if alert_id in self._archived:
            return self._archived[alert_id]
        try:
            alert = await atera.get_alert(alert_id)
        except NotFoundError:  # deleted in Atera
            self._links.pop(ticket_id, None)
            return None
        if alert.archived:
            _keep(self._archived, alert_id, alert)
        return alert
