"""An Atera-compatible HTTP API (v3) with realistic seeded data, for demos, tests and benchmarks.

    app = create_app(SandboxConfig(tickets=300, seed=1))
    client = httpx.AsyncClient(transport=sandbox_transport(app), base_url=".../api/v3")
    sandbox_state(app).faults.fail("POST", "/tickets", 503)
    sandbox_state(app).requests.busiest_window()  # what the client sent, for tests and benches

The sandbox imports only `atera_mcp.domain` from the package: it is a stand-in for Atera, not a
part of the server that talks to it.
"""

from atera_mcp.sandbox.app import create_app
from atera_mcp.sandbox.config import TICKET_ORDERS, SandboxConfig, TicketOrder
from atera_mcp.sandbox.faults import Faults, SandboxConnectionDropped
from atera_mcp.sandbox.records import SANDBOX_TECHNICIANS, SandboxTechnician
from atera_mcp.sandbox.requestlog import LoggedRequest, RequestLog
from atera_mcp.sandbox.serve import run_sandbox
from atera_mcp.sandbox.state import SandboxState, sandbox_state
from atera_mcp.sandbox.transport import sandbox_transport

__all__ = [
    "SANDBOX_TECHNICIANS",
    "TICKET_ORDERS",
    "Faults",
    "LoggedRequest",
    "RequestLog",
    "SandboxConfig",
    "SandboxConnectionDropped",
    "SandboxState",
    "SandboxTechnician",
    "TicketOrder",
    "create_app",
    "run_sandbox",
    "sandbox_state",
    "sandbox_transport",
]
