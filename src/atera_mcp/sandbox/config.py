"""How a sandbox is configured: data size and seed, credential, rate limit, clocks, time zone,
and the choices Atera leaves undocumented (the order of `GET /tickets`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from atera_mcp.domain.timezones import zone_from_name

TicketOrder = Literal["newest", "oldest"]
TICKET_ORDERS: tuple[TicketOrder, ...] = get_args(TicketOrder)


def utc_now() -> datetime:
    """The real time, as Atera stamps its writes."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """Settings for `create_app`.

    `rpm` is requests per sliding minute per key (0 = no limit). `now` anchors the seeded
    180-day history (default: the clock's time truncated to the minute). `clock` is the running
    "now" that stamps every write (default: real UTC time); a test that pins `now` may pass a
    clock to match. `monotonic` times the rate limit and the request log. `order` is the order of
    `GET /tickets` and `/tickets/noComments`, which Atera does not document: "newest" or
    "oldest" first, so clients can be tested under both. `request_log_size` bounds the request
    log (the most recent requests are kept). The time zone is a Windows name, as Atera's
    `GET /account` reports it. `customers` and `contacts` size the directory (None: as the
    ticket count implies, up to 240 customers with 3 to 12 contacts each). `work_scale`
    multiplies the time entries per ticket (1.0: about 8,700 a month at 50,000 tickets).
    """

    tickets: int = 300
    seed: int = 1
    api_key: str = field(default="sandbox-key", repr=False)
    rpm: int = 700
    now: datetime | None = None
    time_zone_name: str = "Eastern Standard Time"
    clock: Callable[[], datetime] = utc_now
    monotonic: Callable[[], float] = time.monotonic
    order: TicketOrder = "newest"
    request_log_size: int = 100_000
    customers: int | None = None
    contacts: int | None = None
    work_scale: float = 1.0

    def __post_init__(self) -> None:
        if self.order not in TICKET_ORDERS:
            raise ValueError(f"order must be one of {', '.join(TICKET_ORDERS)}, not {self.order!r}")
        if self.request_log_size < 1:
            raise ValueError("request_log_size must be 1 or more")
        if not 0.0 < self.work_scale <= 10.0:
            raise ValueError("work_scale must be above 0 and at most 10")
        for name in ("customers", "contacts"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be 1 or more")

    def anchor(self) -> datetime:
        """The seed's `now` as an aware UTC instant (a naive value is taken as UTC)."""
        if self.now is None:
            return as_utc(self.clock()).replace(second=0, microsecond=0)
        return as_utc(self.now)

    def zone(self) -> ZoneInfo:
        """The account's zone: the Windows name mapped to IANA through CLDR's table."""
        zone = zone_from_name(self.time_zone_name)
        if zone is None:
            raise ValueError(f"unknown time zone name: {self.time_zone_name!r}")
        return zone


def as_utc(instant: datetime) -> datetime:
    """An aware UTC instant (a naive value is taken as UTC)."""
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)
