"""The only code that speaks HTTP to Atera's REST API v3.

    AteraClient        typed async methods, one per endpoint (atera.py)
    HttpCore           auth, rate budget, retry loop (http.py); errors mapped in mapping.py
    RateBudget         the process-wide request budget, two classes, 429 pause (ratelimit.py)
    Budget             what the client needs of either (ratelimit.py)
    RetryPolicy        caps and backoff; `decide` is the pure retry rule (retry.py)
    Collected          items gathered across pages, with Atera's total (paging.py)
    ClientObserver     told of every attempt and budget wait, for metrics (observer.py)

Tests inject `transport=httpx.MockTransport(handler)` (or an ASGITransport around the sandbox)
and `sleep=` a fake that records waits; nothing here is monkeypatched.
"""

from atera_mcp.client.atera import DEFAULT_BASE_URL, AteraClient
from atera_mcp.client.auth import AuthMode
from atera_mcp.client.observer import ClientObserver
from atera_mcp.client.paging import Collected
from atera_mcp.client.ratelimit import (
    Budget,
    RateBudget,
    RequestClass,
    background_requests,
    current_request_class,
    shared_budget,
)
from atera_mcp.client.retry import RetryPolicy, decide

__all__ = [
    "DEFAULT_BASE_URL",
    "AteraClient",
    "AuthMode",
    "Budget",
    "ClientObserver",
    "Collected",
    "RateBudget",
    "RequestClass",
    "RetryPolicy",
    "background_requests",
    "current_request_class",
    "decide",
    "shared_budget",
]
