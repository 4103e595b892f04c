"""Who is calling: the technician a bearer token or an identity-provider token stands for.

Both verifiers (tokens.py, oauth.py) hand the SDK a `CallerToken`; the SDK keeps it for the
length of the request, and `current_caller()` reads it back wherever the request is served.
stdio and unauthenticated HTTP have no caller: the configured technician acts.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken


@dataclass(frozen=True)
class Caller:
    """A technician acting through this server, and what their credential lets them do."""

    technician_id: int
    label: str  # for logs and the audit log: "token 3f9a1c2b" or "oauth <subject>"; no secret
    read_only: bool = False
    tools: frozenset[str] | None = None  # None: every tool the server offers
    hidden: frozenset[str] = frozenset()  # tools of a set whose scope the token lacks

    def may_use(self, tool: str, *, writes: bool) -> bool:
        """Whether this caller sees and may call `tool` (`writes`: it is a write tool)."""
        if (writes and self.read_only) or tool in self.hidden:
            return False
        return self.tools is None or tool in self.tools


class CallerToken(AccessToken):
    """The SDK's access token plus the caller it stands for (never rendered to clients)."""

    caller: Caller


def current_caller() -> Caller | None:
    """The authenticated caller of the request being served, if any."""
    token = get_access_token()
    return token.caller if isinstance(token, CallerToken) else None
