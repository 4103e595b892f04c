"""MCP wiring: build_server(), the lifespan, tool registration and the one error boundary.

Each tool in `tools.TOOLS` is a plain async function `fn(ctx: ToolContext, **params)` that
returns a `ToolResult`. `AteraTool` registers it with the SDK and runs it:
- the input schema comes from `fn`'s parameters after the first, read by the SDK's own
  `func_metadata` (the ToolContext is ours to fill, as the SDK fills its Context),
- the call runs as the authenticated caller (auth/), whose technician is the default author,
- the result goes out as structured content plus a short text summary,
- the project's own errors (AteraMcpError) become tool errors with their plain message.
  Anything else is a bug, reported by the SDK without details.
- write attempts go to the audit log (ATERA_AUDIT_LOG) when there is one.
- every call is timed for /metrics, and the client reports each request (see ops/).
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pydantic
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import func_metadata
from mcp.types import CallToolResult, TextContent, ToolAnnotations

from atera_mcp import __version__
from atera_mcp.apps import apps_extension, tool_meta
from atera_mcp.auth import AuditLog, Caller, CallerToolFilter, current_caller
from atera_mcp.client import AteraClient, Budget
from atera_mcp.config import Settings
from atera_mcp.errors import AteraMcpError, ConfigError
from atera_mcp.guidance import register_guidance
from atera_mcp.index.service import (
    TicketIndex,
    describe,
    index_location,
    open_failures,
    open_statuses,
)
from atera_mcp.ops import Operations
from atera_mcp.queue_watch import QueueWatch
from atera_mcp.schema import simplify_input_schema, slim_output_schema
from atera_mcp.shared.file_budget import FileBudget
from atera_mcp.tools import TOOLS, ToolSpec, tool_names
from atera_mcp.tools.concurrency import KeyedLocks
from atera_mcp.tools.context import ToolContext, calling_technician, utc_now
from atera_mcp.tools.progress import reporting_to

# What only a configured feature needs is imported when it is on: OAuth (PyJWT) by the HTTP
# server's access rules, redis-py with ATERA_REDIS_URL, prometheus_client where /metrics is
# served, psycopg with ATERA_DATABASE_URL (index/service.py). A plain stdio start loads none.
if TYPE_CHECKING:
    from atera_mcp.auth.access import HttpAccess
    from atera_mcp.ops.metrics import Outcome
    from atera_mcp.shared.redis_link import SharedRedis

log = logging.getLogger(__name__)

INSTRUCTIONS = """\
Runs an MSP service desk in Atera. Search before you create (search_tickets, find_contacts).
Status rules: Open -> Pending/Resolved; Pending -> any; Resolved -> Open or Closed; Closed is
final; never Open -> Closed. Comments and time entries cannot be edited or deleted: decide
internal vs customer-visible deliberately and check times before logging them."""


def select_tools(settings: Settings) -> list[ToolSpec]:
    """The tools this server exposes: read-only mode and the ATERA_TOOLS allow-list applied."""
    known = tool_names()
    named = (
        ("ATERA_TOOLS", settings.tools),
        ("ATERA_OAUTH_TOOL_SCOPES", settings.oauth.tool_scopes if settings.oauth else None),
    )
    for variable, tools in named:
        unknown = sorted(set(tools or ()) - set(known))
        if unknown:
            raise ConfigError(
                f"{variable} names unknown tools: {', '.join(unknown)}. "
                f"Valid tools: {', '.join(known)}."
            )
    return [
        spec
        for spec in TOOLS
        if (spec.read_only or not settings.read_only)
        and (settings.tools is None or spec.name in settings.tools)
    ]


def describe_invalid_arguments(tool: str, error: pydantic.ValidationError) -> str:
    """Pydantic's report as plain sentences: which argument, what is valid, what was given."""
    problems = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "arguments"
        given = item.get("input")
        shown = "" if item["type"] == "missing" else f" (got {str(given)[:60]!r})"
        problems.append(f"{where}: {item['msg']}{shown}")
    return f"Invalid arguments for {tool}. " + "; ".join(problems) + "."


class AteraTool(Tool):
    """One row of the tool table, registered with the SDK; `run` is the one error boundary."""

    _spec: ToolSpec = pydantic.PrivateAttr()
    _audit: AuditLog | None = pydantic.PrivateAttr(default=None)
    _ops: Operations | None = pydantic.PrivateAttr(default=None)

    @classmethod
    def from_spec(
        cls, spec: ToolSpec, audit: AuditLog | None = None, ops: Operations | None = None
    ) -> AteraTool:
        """The SDK's view of `spec.fn`: its parameters after the first (the ToolContext)."""
        ctx_param = next(iter(inspect.signature(spec.fn).parameters))
        metadata = func_metadata(spec.fn, skip_names=[ctx_param], structured_output=True)
        if metadata.output_schema is not None:
            metadata.output_schema = slim_output_schema(metadata.output_schema)
        tool = cls(
            fn=spec.fn,
            name=spec.name,
            title=spec.title,
            description=" ".join((inspect.getdoc(spec.fn) or "").split()),
            parameters=simplify_input_schema(metadata.arg_model.model_json_schema(by_alias=True)),
            fn_metadata=metadata,
            is_async=True,
            annotations=ToolAnnotations(
                read_only_hint=spec.read_only,
                destructive_hint=spec.destructive,
                idempotent_hint=spec.idempotent,
                open_world_hint=spec.open_world,
            ),
            meta=tool_meta(spec.name),  # the app a host may show beside the result (apps/)
        )
        tool._spec, tool._audit, tool._ops = spec, audit, ops
        return tool

    async def run(
        self,
        arguments: dict[str, Any],
        context: Context[Any, Any],
        convert_result: bool = False,  # the answer is always a finished CallToolResult
    ) -> CallToolResult:
        started = time.perf_counter()
        try:
            result = await self._call(arguments, context)
        except UnexpectedToolError:  # a bug (a ToolError subclass: caught first)
            self._timed("error", started)
            raise
        except ToolError:
            self._timed("refused", started)
            raise
        except Exception:
            self._timed("error", started)
            raise
        self._timed("refused" if result.is_error else "ok", started)
        return result

    def _timed(self, outcome: Outcome, started: float) -> None:
        if self._ops is not None:
            self._ops.tool_call(self.name, outcome, started)

    async def _call(self, arguments: dict[str, Any], context: Context[Any, Any]) -> CallToolResult:
        caller = current_caller()
        try:
            kwargs = self.fn_metadata.validate_arguments(arguments)
        except pydantic.ValidationError as exc:
            await self._audit_write(caller, arguments, "refused", "InvalidArguments")
            raise ToolError(describe_invalid_arguments(self.name, exc)) from exc
        ctx: ToolContext = context.request_context.lifespan_context
        if ctx.index is not None:
            ctx.index.mark_used()  # while tools are called, the index keeps itself fresh
        try:
            with (
                calling_technician(caller.technician_id if caller else None),
                reporting_to(context.report_progress),
            ):
                result = await self._spec.fn(ctx, **kwargs)
        except AteraMcpError as exc:
            log.info("tool %s refused: %s", self.name, type(exc).__name__)
            await self._audit_write(caller, kwargs, "refused", type(exc).__name__)
            return CallToolResult(content=[TextContent(type="text", text=str(exc))], is_error=True)
        except Exception as exc:
            await self._audit_write(caller, kwargs, "error", type(exc).__name__)
            raise UnexpectedToolError(f"Error executing tool {self.name}") from exc
        await self._audit_write(caller, kwargs, "ok", None, result.audit())
        return CallToolResult(
            content=[TextContent(type="text", text=result.summary())],
            structured_content=result.model_dump(mode="json"),
        )

    async def _audit_write(
        self,
        caller: Caller | None,
        arguments: dict[str, Any],
        outcome: str,
        error: str | None,
        result: dict[str, object] | None = None,
    ) -> None:
        """One audit line per write attempt; reads are not audited."""
        if self._audit is not None and not self._spec.read_only:
            await self._audit.record(
                tool=self.name,
                caller=caller,
                arguments=arguments,
                outcome=outcome,
                error=error,
                result=result,
            )


async def _open_index(
    settings: Settings, atera: AteraClient, clock: Callable[[], datetime]
) -> TicketIndex | None:
    """The account's index (its PostgreSQL schema with ATERA_DATABASE_URL, else its SQLite
    file), or None when it is off or cannot be opened (then search scans Atera instead, and
    says so: better than not serving at all)."""
    where = index_location(settings)
    if where is None:
        return None
    try:
        return await TicketIndex.open(
            where,
            atera,
            clock=clock,
            refresh=settings.index_refresh,
            open_statuses=open_statuses(settings),
        )
    except open_failures(where) as exc:
        log.warning(
            "The ticket index at %s cannot be opened (%s); searching Atera instead.",
            describe(where),
            exc,
        )
        return None


@asynccontextmanager
async def _shared_redis(settings: Settings) -> AsyncIterator[SharedRedis | None]:
    """Redis for the state replicas share (ATERA_REDIS_URL), closed at shutdown; None without
    it. The URL may hold a password: it is never logged."""
    if settings.redis_url is None:
        yield None
        return
    from atera_mcp.shared.redis_link import SharedRedis

    shared = SharedRedis.from_url(
        settings.redis_url.get_secret_value(), settings.account_fingerprint
    )
    try:
        yield shared
    finally:
        with anyio.CancelScope(shield=True):
            await shared.aclose()


def build_server(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = utc_now,
    rate_budget: Budget | None = None,
    access: HttpAccess | None = None,
    metrics: bool = True,
) -> MCPServer[ToolContext]:
    """The MCP server for `settings`. Tests and the sandbox pass an httpx transport; the shared
    HTTP server passes `access` (who may call it, see auth/). `metrics=False` (stdio, where
    nothing can scrape them) keeps no Prometheus instruments and serves no /metrics."""
    if settings.api_key is None:
        raise ConfigError(
            "ATERA_API_KEY is not set. Set it to your Atera API key, or run "
            "`atera-mcp serve --sandbox` to try the server on seeded demo data."
        )
    api_key = settings.api_key.get_secret_value()
    audit = None
    if settings.audit_log is not None:
        audit = AuditLog(settings.audit_log, clock, settings.technician_id)
    specs = select_tools(settings)
    ops = Operations(settings, clock, metrics=metrics)
    watch = QueueWatch()
    tools: list[Tool] = [AteraTool.from_spec(spec, audit, ops) for spec in specs]

    @asynccontextmanager
    async def lifespan(_: MCPServer[ToolContext]) -> AsyncIterator[ToolContext]:
        async with _shared_redis(settings) as shared:
            budget = rate_budget
            on_file: FileBudget | None = None
            locks = KeyedLocks()
            if shared is not None:
                from atera_mcp.shared.redis_budget import RedisBudget
                from atera_mcp.shared.redis_locks import RedisLocks

                if budget is None and settings.rpm > 0:
                    budget = RedisBudget(shared, settings.rpm, settings.sync_rpm)
                locks = KeyedLocks(RedisLocks(shared))
            elif budget is None and settings.rpm > 0 and settings.budget_path is not None:
                # Other processes on this machine (the desktop app, the IDE) share it.
                budget = on_file = FileBudget(settings.budget_path, settings.rpm, settings.sync_rpm)
            try:
                async with _serving(budget, locks, shared) as ctx:
                    yield ctx
            finally:
                if on_file is not None:
                    on_file.close()

    @asynccontextmanager
    async def _serving(
        budget: Budget | None, locks: KeyedLocks, shared: SharedRedis | None
    ) -> AsyncIterator[ToolContext]:
        async with AteraClient(
            api_key=api_key,
            base_url=settings.base_url,
            auth=settings.auth,
            rpm=settings.rpm,
            sync_rpm=settings.sync_rpm,
            timeout=settings.timeout,
            connect_timeout=settings.connect_timeout,
            max_retry_seconds=settings.max_retry_seconds,
            transport=transport,
            rate_budget=budget,
            observer=ops,
        ) as atera:
            index = await _open_index(settings, atera, clock)
            if index is None:
                with ops.serving(atera, None, shared):
                    ctx = ToolContext.create(atera, settings, clock, write_locks=locks)
                    watch.bind(ctx)
                    yield ctx
                return
            try:
                async with anyio.create_task_group() as background:
                    ctx = ToolContext.create(atera, settings, clock, index, locks)
                    watch.bind(ctx)
                    background.start_soon(index.run_background)
                    background.start_soon(watch.run, ctx)
                    try:
                        with ops.serving(atera, index, shared):
                            yield ctx
                    finally:
                        background.cancel_scope.cancel()
            finally:
                with anyio.CancelScope(shield=True):
                    await index.close()

    surface = CallerToolFilter({spec.name: not spec.read_only for spec in specs})
    server = MCPServer(
        name="atera-mcp",
        title="Atera service desk",
        version=__version__,
        instructions=INSTRUCTIONS,
        lifespan=lifespan,
        tools=tools,
        log_level=settings.log_level,
        token_verifier=access.verifier if access else None,
        auth=access.auth if access else None,
        middleware=[surface],
        extensions=[apps_extension(spec.name for spec in specs)],
        subscriptions=watch.bus,
    )
    register_guidance(server)
    watch.install(server)
    surface.bind(server)  # resources/read is filtered by the tool each resource mirrors
    ops.install(server)  # /healthz, /readyz, /metrics beside /mcp under HTTP
    return server
