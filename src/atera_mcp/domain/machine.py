"""The machine behind a ticket: whose devices an agent is, and the views get_ticket returns.

An agent belongs to the end user when its `LastLoginUser` or one of its `CurrentLoggedUsers`,
without a `DOMAIN\\` prefix and case-folded, equals the user's email local part, `first.last`
or first initial + last name (the tool contract's rule). A login that is a whole email address
is compared with the user's email. Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from pydantic import Field

from atera_mcp.domain.text import clean_text
from atera_mcp.domain.views import TITLE_LIMIT, TicketHit, Timestamp, View
from atera_mcp.domain.wire_monitoring import AgentDto, AlertDto

_NOT_LETTERS = re.compile(r"[^a-z0-9]")
_NAME_LIMIT = 120


def _plain(text: str) -> str:
    """Case-folded, accents dropped, letters and digits only ("O'Brien" -> "obrien")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return _NOT_LETTERS.sub("", "".join(c for c in decomposed if not unicodedata.combining(c)))


def user_keys(email: str | None, first_name: str | None, last_name: str | None) -> set[str]:
    """The logins that name this end user (case-folded)."""
    keys: set[str] = set()
    if email and "@" in email:
        keys |= {email.strip().casefold(), email.strip().split("@")[0].casefold()}
    first, last = _plain(first_name or ""), _plain(last_name or "")
    if first and last:
        keys |= {f"{first}.{last}", f"{first[0]}{last}"}
    return keys


def logins(agent: AgentDto) -> list[str]:
    """The agent's last and current users, each without its `DOMAIN\\` prefix, case-folded."""
    named = [agent.last_login_user or "", *(agent.current_logged_users or "").split(",")]
    found = [name.strip().rsplit("\\", 1)[-1].strip().casefold() for name in named]
    return [name for name in found if name]


def belongs_to(agent: AgentDto, keys: set[str]) -> bool:
    return any(login in keys for login in logins(agent))


class AlertRef(View):
    alert_id: int | None
    title: str
    severity: str | None = None


class TicketAlert(AlertRef):
    device_name: str | None = None
    created_at: Timestamp | None = None
    archived: bool = Field(description="True once the alert was resolved")


class Device(View):
    agent_id: int | None
    machine_name: str
    online: bool | None = None
    last_seen: Timestamp | None = None
    os: str | None = None
    last_reboot: Timestamp | None = None
    open_alerts: list[AlertRef] = Field(default_factory=list)


class TicketContext(View):
    alert: TicketAlert | None = Field(description="The monitoring alert that opened the ticket")
    devices: list[Device]
    end_user_open_tickets: list[TicketHit]
    related_open_tickets: list[TicketHit] = Field(
        description="The customer's open tickets on the same words"
    )
    as_of: Timestamp | None = Field(description="When the monitoring data was read from Atera")
    note: str | None = None

    def line(self) -> str:
        alert = f"alert #{self.alert.alert_id}" if self.alert else "no alert"
        return (
            f"Context: {alert}, {len(self.devices)} device(s), "
            f"{len(self.end_user_open_tickets)} other open ticket(s) of the user, "
            f"{len(self.related_open_tickets)} related open ticket(s)"
        )


def alert_ref(alert: AlertDto) -> AlertRef:
    return AlertRef(
        alert_id=alert.alert_id,
        title=clean_text(alert.title or alert.alert_message or "", TITLE_LIMIT),
        severity=alert.severity,
    )


def ticket_alert(alert: AlertDto) -> TicketAlert:
    return TicketAlert(
        **alert_ref(alert).model_dump(),
        device_name=clean_text(alert.device_name, _NAME_LIMIT) or None,
        created_at=alert.created,
        archived=bool(alert.archived),
    )


def device(agent: AgentDto, open_alerts: Iterable[AlertDto]) -> Device:
    """An agent as the model sees it, with the open alerts raised on it."""
    return Device(
        agent_id=agent.agent_id,
        machine_name=clean_text(agent.machine_name or agent.agent_name, _NAME_LIMIT),
        online=agent.online,
        last_seen=agent.last_seen,
        os=clean_text(agent.os, _NAME_LIMIT) or None,
        last_reboot=agent.last_reboot_time,
        open_alerts=[alert_ref(a) for a in open_alerts if a.agent_id == agent.agent_id],
    )
