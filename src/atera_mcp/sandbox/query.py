"""Query strings and path ids the ASP.NET way: names matched case-insensitively, values
strictly typed, and a 400 naming the parameter when a value does not parse."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from starlette.requests import Request

from atera_mcp.sandbox.problems import bad_request

# Atera's local-time parameters: yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss, never an offset.
_LOCAL_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?")


class Query:
    """The request's query parameters; the first value of a name wins, as in ASP.NET."""

    def __init__(self, request: Request) -> None:
        self.pairs = request.query_params.multi_items()
        self._values: dict[str, str] = {}
        for name, value in self.pairs:
            self._values.setdefault(name.lower(), value)

    def text(self, name: str) -> str | None:
        value = self._values.get(name.lower())
        return value if value else None

    def integer(self, name: str) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return int(value.strip())
        except ValueError:
            raise bad_request(f"The value '{value}' is not valid for {name}.", name) from None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.text(name)
        if value is None:
            return default
        if value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise bad_request(f"The value '{value}' is not valid for {name}.", name)

    def utc_datetime(self, name: str) -> datetime | None:
        """An ISO 8601 instant; without an offset it is UTC (Atera's convention)."""
        value = self.text(name)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))
        except ValueError:
            raise bad_request(f"The value '{value}' is not valid for {name}.", name) from None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

    def local_datetime(self, name: str, zone: ZoneInfo) -> datetime | None:
        """A wall-clock time in the account's zone, as a UTC instant."""
        value = self.text(name)
        if value is None:
            return None
        if not _LOCAL_FORMAT.fullmatch(value.strip()):
            raise bad_request(
                f"The value '{value}' is not valid for {name}: use yyyy-MM-dd or "
                "yyyy-MM-ddTHH:mm:ss in the account's time zone, without an offset or Z.",
                name,
            )
        try:
            local = datetime.fromisoformat(value.strip())
        except ValueError:
            raise bad_request(
                f"The value '{value}' is not a valid date for {name}.", name
            ) from None
        return local.replace(tzinfo=zone).astimezone(UTC)


def path_id(request: Request, name: str) -> int:
    """An integer path parameter (`ticketId`...); anything else is a 400, as in ASP.NET."""
    value = str(request.path_params[name])
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"The value '{value}' is not valid for {name}.", name) from None
