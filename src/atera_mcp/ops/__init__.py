"""Running the server as a service: health, readiness, metrics and JSON logs.

    Operations       one built server's metrics and readiness; serves /healthz, /readyz and
                     /metrics beside /mcp (operations.py)
    Readiness, Pulse the /readyz checks: Atera answering, the index's lag, Redis and
                     PostgreSQL pinging (health.py, stores.py)
    Metrics          Prometheus instruments in a registry per server (metrics.py; imported
                     from there, and only by a server that serves /metrics)
    JsonFormatter    one JSON object a log line, ATERA_LOG_FORMAT=json (logs.py)

Imports flow in one way: server and launch use this package (and cli its `json_error`, to
refuse to start in JSON); it uses client, config, index and errors, and nothing else in the
project imports it.
"""

from atera_mcp.ops.logs import JsonFormatter, configure_logging
from atera_mcp.ops.operations import Operations

__all__ = ["JsonFormatter", "Operations", "configure_logging"]
