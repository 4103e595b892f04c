"""The shared HTTP server's access: tokens, OAuth, the caller's identity and the audit log.

Imports flow in one way: server and launch use this package; it uses config, domain and errors.
The HTTP access rules (`access.http_access`, `HttpAccess`) are imported from `auth.access` by
the HTTP server alone, and PyJWT with the OAuth code (oauth.py, jwks.py) only when OAuth is
configured: a stdio server loads neither.
"""

from atera_mcp.auth.audit import AuditLog
from atera_mcp.auth.identity import Caller, CallerToken, current_caller
from atera_mcp.auth.surface import CallerToolFilter

__all__ = [
    "AuditLog",
    "Caller",
    "CallerToken",
    "CallerToolFilter",
    "current_caller",
]
