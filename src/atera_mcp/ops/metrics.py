"""Prometheus metrics of one built server, in a registry of its own (tests build many servers
in one process; a global registry would refuse the second).

No label carries customer data or grows without bound: Atera paths become their route
templates (`/tickets/{id}`), tools are the fixed table, outcomes and classes fixed words.
"""

from __future__ import annotations

import re
from typing import Literal

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from atera_mcp.client import RequestClass

Outcome = Literal["ok", "refused", "error"]

# A path segment that is a word is part of the route; anything else (an id) is a parameter.
_WORD = re.compile(r"[A-Za-z]+")
# Budget waits run from nothing (a free slot) to a minute (a 429's pause, a full window).
WAIT_BUCKETS = (0.0, 0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# Tool calls: a search answered from the index in milliseconds, a billing period in seconds.
TOOL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def route_template(path: str) -> str:
    """`/tickets/123/comments` -> `/tickets/{id}/comments`: ids never become label values."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    return "/" + "/".join(p if _WORD.fullmatch(p) else "{id}" for p in parts)


class Metrics:
    """The server's instruments; `on_response` and `on_budget_wait` make it a ClientObserver."""

    content_type = CONTENT_TYPE_LATEST  # of `render()`

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.atera_requests = Counter(
            "atera_mcp_atera_requests",
            "Requests sent to Atera (each attempt), by route, method and HTTP status "
            "(no_answer: a connect error or a timeout).",
            ["endpoint", "method", "status"],
            registry=r,
        )
        self.atera_retries = Counter(
            "atera_mcp_atera_retries",
            "Attempts after the first (retries) sent to Atera, by route and method.",
            ["endpoint", "method"],
            registry=r,
        )
        self.atera_throttled = Counter(
            "atera_mcp_atera_throttled",
            "429 Too Many Requests answers from Atera, by route.",
            ["endpoint"],
            registry=r,
        )
        self.budget_wait = Histogram(
            "atera_mcp_budget_wait_seconds",
            "Time an attempt waited for the Atera rate budget, by request class.",
            ["request_class"],
            buckets=WAIT_BUCKETS,
            registry=r,
        )
        self.index_lag = Gauge(
            "atera_mcp_index_lag_seconds",
            "Seconds since the ticket index last read Atera's change feed, taken at scrape time "
            "(NaN while the first sync runs or with the index off).",
            registry=r,
        )
        self.index_lag.set(float("nan"))
        self.tool_calls = Histogram(
            "atera_mcp_tool_call_seconds",
            "Tool call latency, by tool and outcome (ok, refused: a tool error the model sees, "
            "error: a bug).",
            ["tool", "outcome"],
            buckets=TOOL_BUCKETS,
            registry=r,
        )

    def on_response(self, method: str, path: str, status: int | None, attempt: int) -> None:
        endpoint = route_template(path)
        shown = "no_answer" if status is None else str(status)
        self.atera_requests.labels(endpoint, method, shown).inc()
        if attempt > 1:
            self.atera_retries.labels(endpoint, method).inc()
        if status == 429:
            self.atera_throttled.labels(endpoint).inc()

    def on_budget_wait(self, request_class: RequestClass, seconds: float) -> None:
        self.budget_wait.labels(request_class).observe(seconds)

    def tool_call(self, tool: str, outcome: Outcome, seconds: float) -> None:
        self.tool_calls.labels(tool, outcome).observe(seconds)

    def render(self) -> bytes:
        """The registry in Prometheus' text exposition format."""
        return generate_latest(self.registry)
