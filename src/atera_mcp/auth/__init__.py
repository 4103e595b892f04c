"""The shared HTTP server's access: tokens, OAuth, the caller's identity and the audit log.

Imports flow in one way: server and launch use this package; it uses config, domain and errors.
"""

from atera_mcp.auth.access import HttpAccess, http_access
from atera_mcp.auth.audit import AuditLog
from atera_mcp.auth.identity import Caller, CallerToken, current_caller
from atera_mcp.auth.surface import CallerToolFilter

__all__ = [
    "AuditLog",
    "Caller",
    "CallerToken",
    "CallerToolFilter",
    "HttpAccess",
    "current_caller",
    "http_access",
]
