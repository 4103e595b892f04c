"""The one long-lived object every tool receives: the Atera client and what the rules need.

`server.py` builds it in the MCP lifespan; tools are plain async functions taking it first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from atera_mcp.client import AteraClient
from atera_mcp.config import Settings
from atera_mcp.domain.directory import Technician, TechnicianDirectory
from atera_mcp.domain.policy import StatusRules
from atera_mcp.domain.timezones import zone_from_name
from atera_mcp.domain.wire import TicketDto
from atera_mcp.errors import RuleError
from atera_mcp.index.service import TicketIndex
from atera_mcp.tools.concurrency import KeyedLocks
from atera_mcp.tools.monitoring import MonitoringCache
from atera_mcp.tools.params import DAY_RANGE, EARLIEST, LATEST


def utc_now() -> datetime:
    return datetime.now(UTC)


# One HTTP server serves a whole team while this context is shared by all of them, so who is
# calling travels beside it: server.py sets it for the length of one tool call.
_calling_technician: ContextVar[int | None] = ContextVar("calling_technician", default=None)


@contextmanager
def calling_technician(ident: int | None) -> Iterator[None]:
    """Within this block the default technician is `ident` (None: the configured one)."""
    token = _calling_technician.set(ident)
    try:
        yield
    finally:
        _calling_technician.reset(token)


@dataclass
class ToolContext:
    atera: AteraClient
    settings: Settings
    rules: StatusRules
    directory: TechnicianDirectory
    clock: Callable[[], datetime] = utc_now
    index: TicketIndex | None = None  # None with ATERA_INDEX=off
    # Held by a write across its duplicate check, send and settling (see KeyedLocks).
    write_locks: KeyedLocks = field(default_factory=KeyedLocks)
    # Open alerts and customers' agents, briefly kept (get_ticket's context).
    monitoring: MonitoringCache = field(default_factory=MonitoringCache)
    _zone: ZoneInfo | None = field(default=None, init=False)

    @classmethod
    def create(
        cls,
        atera: AteraClient,
        settings: Settings,
        clock: Callable[[], datetime] = utc_now,
        index: TicketIndex | None = None,
        write_locks: KeyedLocks | None = None,
    ) -> ToolContext:
        directory = TechnicianDirectory(settings.technicians)
        acting = settings.technician_id
        if acting is not None and directory.by_id(acting) is None:
            # The acting technician is known by configuration even when not listed.
            directory.observe(acting, settings.technician_email, settings.technician_email)
        return cls(
            atera=atera,
            settings=settings,
            rules=StatusRules(dict(settings.custom_statuses)),
            directory=directory,
            clock=clock,
            index=index,
            # Not `write_locks or ...`: KeyedLocks has a length, so an idle one is falsy.
            write_locks=KeyedLocks() if write_locks is None else write_locks,
        )

    def now(self) -> datetime:
        return self.clock()

    async def account_zone(self) -> ZoneInfo:
        """The account's time zone: ATERA_TIMEZONE, else Atera's /account, else UTC."""
        if self._zone is None:
            zone = zone_from_name(self.settings.time_zone)
            if zone is None:
                account = await self.atera.get_account()
                zone = zone_from_name(account.time_zone_name)
            self._zone = zone or ZoneInfo("UTC")
        return self._zone

    async def to_utc(self, value: datetime) -> datetime:
        """A caller's time as UTC: one with an offset keeps its instant, one without is read
        in the account's time zone. The one rule for every tool's time parameters."""
        # Checked here too, so no caller can reach the ends of the calendar (where converting
        # overflows) or send Atera a year it does not expect; LocalTime checks it first.
        if not EARLIEST <= value.date() <= LATEST:
            raise RuleError(
                f"{value.isoformat()} is not a valid time: dates must be within {DAY_RANGE}."
            )
        if value.tzinfo is None:
            value = value.replace(tzinfo=await self.account_zone())
        return value.astimezone(UTC)

    def observe(self, ticket: TicketDto) -> TicketDto:
        """Learn the ticket's technician for the directory; returns the ticket unchanged."""
        self.directory.observe(
            ticket.technician_contact_id, ticket.technician_full_name, ticket.technician_email
        )
        return ticket

    def author(self, ident: int | None, email: str | None, *, role: str) -> Technician:
        """Who a comment or a time entry is recorded as. A signed-in caller (a token or an
        identity provider over HTTP) is always recorded as themselves, never as a colleague."""
        found = self.technician(ident, email, role=role)
        caller = _calling_technician.get()
        if caller is not None and found.id != caller:
            raise RuleError(
                f"You are signed in as technician {caller}, so comments and time are recorded "
                f"as you, not as {found.name} ({found.id}). Leave technician_id and "
                "technician_email out."
            )
        return found

    def technician(self, ident: int | None, email: str | None, *, role: str) -> Technician:
        """Resolve a technician by id or email; by default the caller, else the configured one."""
        if ident is None and not email and (caller := _calling_technician.get()) is not None:
            if self.directory.by_id(caller) is None:
                # Vouched for by the caller's token or identity provider, even when not listed.
                self.directory.observe(caller, None, None)
            ident = caller
        if ident is None and not email:
            ident, email = self.settings.technician_id, self.settings.technician_email
            if ident is None and not email:
                raise RuleError(
                    f"No {role} was given and no acting technician is configured. Pass "
                    "technician_id or technician_email (see list_technicians), or set "
                    "ATERA_TECHNICIAN_ID."
                )
        found = self.directory.by_id(ident) if ident is not None else None
        if found is None and email:
            found = self.directory.by_email(email)
        if found is None:
            given = f"id {ident}" if ident is not None else f"email {email}"
            raise RuleError(
                f"Technician with {given} is not known. Known technicians: "
                f"{self.directory.describe()}. Use list_technicians to see them all."
            )
        return found
