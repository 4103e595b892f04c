"""How a sandbox is configured: data size and seed, credential, rate limit, clock, time zone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from atera_mcp.domain.timezones import zone_from_name


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """Settings for `create_app`.

    `rpm` is requests per sliding minute per key (0 = no limit). `now` anchors the seeded
    180-day history (default: the current UTC time truncated to the minute). The time zone is a
    Windows name, as Atera's `GET /account` reports it.
    """

    tickets: int = 300
    seed: int = 1
    api_key: str = field(default="sandbox-key", repr=False)
    rpm: int = 700
    now: datetime | None = None
    time_zone_name: str = "Eastern Standard Time"

    def anchor(self) -> datetime:
        """The seed's `now` as an aware UTC instant (a naive value is taken as UTC)."""
        if self.now is None:
            return datetime.now(UTC).replace(second=0, microsecond=0)
        return self.now.replace(tzinfo=UTC) if self.now.tzinfo is None else self.now.astimezone(UTC)

    def zone(self) -> ZoneInfo:
        """The account's zone: the Windows name mapped to IANA through CLDR's table."""
        zone = zone_from_name(self.time_zone_name)
        if zone is None:
            raise ValueError(f"unknown time zone name: {self.time_zone_name!r}")
        return zone
