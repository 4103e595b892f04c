"""MCP wiring: build_server(), the lifespan, tool registration and the one error boundary.

Each tool in `tools.TOOLS` is a plain async function `fn(ctx: ToolContext, **params)` that
returns a `ToolResult`. Registration wraps it so that:
- the MCP context is swapped for the lifespan's ToolContext,
- the result goes out as structured content plus a short text summary,
- the project's own errors (AteraMcpError) become tool errors with their plain message.
  Anything else is a bug and is left to the SDK, which reports it without details.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, get_type_hints

import httpx
import pydantic
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.server.mcpserver.tools import Tool
from mcp.types import CallToolResult, TextContent, ToolAnnotations

from atera_mcp import __version__
from atera_mcp.client import AteraClient, RateBudget
from atera_mcp.config import Settings
from atera_mcp.errors import AteraMcpError, ConfigError
from atera_mcp.guidance import register_guidance
from atera_mcp.schema import simplify_input_schema, slim_output_schema
from atera_mcp.tools import TOOLS, ToolSpec, tool_names
from atera_mcp.tools.context import ToolContext, utc_now

log = logging.getLogger(__name__)

INSTRUCTIONS = """\
Runs an MSP service desk in Atera. Search before you create (search_tickets, find_contacts).
Status rules: Open -> Pending/Resolved; Pending -> any; Resolved -> Open or Closed; Closed is
final; never Open -> Closed. Comments and time entries cannot be edited or deleted: decide
internal vs customer-visible deliberately and check times before logging them."""


def select_tools(settings: Settings) -> list[ToolSpec]:
    """The tools this server exposes: read-only mode and the ATERA_TOOLS allow-list applied."""
    known = tool_names()
    if settings.tools is not None:
        unknown = sorted(settings.tools - set(known))
        if unknown:
            raise ConfigError(
                f"ATERA_TOOLS names unknown tools: {', '.join(unknown)}. "
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
    """A registered tool whose argument errors read as plain sentences, not pydantic dumps."""

    async def run(
        self,
        arguments: dict[str, Any],
        context: Context[Any, Any],
        convert_result: bool = False,
    ) -> Any:
        try:
            return await super().run(arguments, context, convert_result)
        except UnexpectedToolError:
            raise  # a bug, reported by the SDK without details
        except ToolError as exc:
            if isinstance(exc.__cause__, pydantic.ValidationError):
                message = describe_invalid_arguments(self.name, exc.__cause__)
                raise ToolError(message) from exc.__cause__
            raise


def _as_tool(spec: ToolSpec) -> Tool:
    fn = spec.fn
    signature = inspect.signature(fn, eval_str=True)
    hints = get_type_hints(fn, include_extras=True)
    params = list(signature.parameters.values())[1:]  # the first is the ToolContext
    returns = Annotated[CallToolResult, hints["return"]]

    async def call(mcp_context: Context[ToolContext, Any], **kwargs: Any) -> CallToolResult:
        ctx = mcp_context.request_context.lifespan_context
        try:
            result = await fn(ctx, **kwargs)
        except AteraMcpError as exc:
            log.info("tool %s refused: %s", spec.name, type(exc).__name__)
            return CallToolResult(content=[TextContent(type="text", text=str(exc))], is_error=True)
        return CallToolResult(
            content=[TextContent(type="text", text=result.summary())],
            structured_content=result.model_dump(mode="json"),
        )

    context_param = inspect.Parameter(
        "mcp_context", inspect.Parameter.KEYWORD_ONLY, annotation=Context
    )
    call.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*params, context_param], return_annotation=returns
    )
    call.__annotations__ = {
        **{p.name: p.annotation for p in params},
        "mcp_context": Context,
        "return": returns,
    }
    call.__name__ = spec.name
    call.__doc__ = inspect.getdoc(fn)
    tool = AteraTool.from_function(
        call,
        name=spec.name,
        title=spec.title,
        description=" ".join((inspect.getdoc(fn) or "").split()),
        annotations=ToolAnnotations(
            read_only_hint=spec.read_only,
            destructive_hint=spec.destructive,
            idempotent_hint=spec.idempotent,
            open_world_hint=spec.open_world,
        ),
    )
    tool.parameters = simplify_input_schema(tool.parameters)
    output = tool.fn_metadata.output_schema
    if output is not None:
        tool.fn_metadata.output_schema = slim_output_schema(output)
    return tool


def build_server(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = utc_now,
    rate_budget: RateBudget | None = None,
) -> MCPServer[ToolContext]:
    """The MCP server for `settings`. Tests and the sandbox pass an httpx transport."""
    if settings.api_key is None:
        raise ConfigError(
            "ATERA_API_KEY is not set. Set it to your Atera API key, or run "
            "`atera-mcp serve --sandbox` to try the server on seeded demo data."
        )
    api_key = settings.api_key.get_secret_value()
    tools = [_as_tool(spec) for spec in select_tools(settings)]

    @asynccontextmanager
    async def lifespan(_: MCPServer[ToolContext]) -> AsyncIterator[ToolContext]:
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
            rate_budget=rate_budget,
        ) as atera:
            yield ToolContext.create(atera, settings, clock)

    server = MCPServer(
        name="atera-mcp",
        title="Atera service desk",
        version=__version__,
        instructions=INSTRUCTIONS,
        lifespan=lifespan,
        tools=tools,
        log_level=settings.log_level,
    )
    register_guidance(server)
    return server
