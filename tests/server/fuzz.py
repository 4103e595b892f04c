"""Hostile tool arguments, and the judge of what comes back: shared by the fuzz suite and its bench.

Arguments are drawn from each tool's published input schema (`from_schema`), or drawn
so and then roughed up: values swapped for wrong types, extreme integers, huge, empty, control,
bidirectional and emoji strings, dates at the edges of the calendar and nested junk; arguments
dropped or invented. `FuzzTarget.call` sends one call through the in-memory MCP client and
returns what is wrong (empty = fine): an unhandled exception (the SDK's bare "Error executing
tool"), an answer that is not a plain message, or a request outside Atera's contract.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import strategies as st

from tests.contract.openapi_check import contract_violations
from tests.harness import sandbox_app
from tests.server.mcp_rig import McpRig, mcp_rig, text_of

UNHANDLED = "Error executing tool"
SANDBOX_TICKETS = 50  # one page of tickets: a search that reads them all stays quick
LONGEST_ANSWER = 4000  # an error echoing a megabyte of input is not a plain message

EDGE_INTS = (
    0,
    -1,
    -(2**63),
    2**31 - 1,
    2**31,
    2**53 + 1,
    2**63 - 1,
    2**63,
    2**64,
    10**30,
    -(10**30),
)
EDGE_TIMES = (
    "0001-01-01",
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31",
    "9999-12-31T23:59:59",
    "9999-12-31T23:59:59-05:00",
    "1989-12-31T23:59:59",
    "1990-01-01T00:00:00",
    "2100-12-31T23:59:59",
    "2101-01-01",
    "2026-02-30",
    "2026-11-26T25:00:00",
    "2026-11-26T14:59:00",  # the rig's clock is 2026-11-26 15:00 UTC
    "2026-11-26T15:04:00Z",
    "2026-11-26T16:00:00Z",
    "2026-11-26T09:00:00-23:59",
    "2026-03-29T02:30:00",  # a wall time that does not exist in Europe (DST gap)
    "1970-01-01T00:00:00Z",
    "now",
)
HUGE_STRINGS = ("a" * 1_000_000, "💥" * 250_000, "\u202e" * 100_000, " " * 100_000)
NASTY_CHARACTERS = (
    "\x00\x01\x07\x08\t\n\r\x1b\x7f\x85\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d"
    "\u202e\u2028\u2029\u2066\u2067\u2068\u2069\ufeff\ufffd💥👩\u200d💻🇺🇸%'\"<>&;\\"
)

nasty_text = st.text(
    alphabet=st.one_of(st.sampled_from(NASTY_CHARACTERS), st.characters(codec="utf-8")),
    max_size=40,
)
junk: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
hostile_value: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(EDGE_INTS),
    st.sampled_from(EDGE_TIMES),
    st.sampled_from(HUGE_STRINGS),
    st.sampled_from(("", " ", "0", "-1", "true", "null", "[]", "{}")),
    nasty_text,
    junk,
    st.lists(st.sampled_from(EDGE_INTS), max_size=60),
    st.lists(nasty_text, max_size=12),
)


_offsets: st.SearchStrategy[tzinfo] = st.builds(
    lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-23 * 60 - 59, 23 * 60 + 59)
)
# Half the times fall in the week before the rig's clock, where they can pass the tools' rules
# and reach Atera; the rest anywhere in the calendar. Half have no offset.
_RECENT = (datetime(2026, 11, 19), datetime(2026, 11, 27))
_times = st.one_of(
    st.datetimes(*_RECENT),
    st.datetimes(*_RECENT, timezones=_offsets),
    st.datetimes(),
    st.datetimes(timezones=_offsets),
)
_FORMATS: dict[str, st.SearchStrategy[str]] = {
    "date": st.one_of(st.dates(_RECENT[0].date(), _RECENT[1].date()), st.dates()).map(
        lambda d: d.isoformat()
    ),
    "date-time": _times.map(lambda t: t.isoformat()),
}
# Half the ids are small, where the seeded sandbox has tickets, customers and contacts.
SEEDED_IDS = st.integers(1, 400)


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid against one of our (simple, flat) input schemas: the keywords tools/list
    uses. An unknown keyword fails loudly, so the generator never silently drifts from the
    schema."""
    known = {"type", "description", "default", "properties", "required", "items", "enum"}
    known |= {"minimum", "maximum", "minLength", "maxLength", "pattern", "format"}
    known |= {"minItems", "maxItems", "additionalProperties"}
    unknown = set(schema) - known
    assert not unknown, f"from_schema does not know {sorted(unknown)}"
    kind = schema.get("type")
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        anywhere = st.integers(schema.get("minimum"), schema.get("maximum"))
        return anywhere if "maximum" in schema else st.one_of(SEEDED_IDS, anywhere)
    if kind == "string":
        if "format" in schema:
            return _FORMATS[schema["format"]]
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True).filter(
                lambda s: len(s) <= schema.get("maxLength", 10**9)
            )
        return st.text(min_size=schema.get("minLength", 0), max_size=schema.get("maxLength"))
    if kind == "array":
        return st.lists(
            from_schema(schema["items"]),
            min_size=schema.get("minItems", 0),
            max_size=schema.get("maxItems"),
        )
    assert kind == "object", f"from_schema does not know type {kind!r}"
    properties = schema.get("properties", {})
    required = set(schema.get("required", ()))
    return st.fixed_dictionaries(
        {name: from_schema(p) for name, p in properties.items() if name in required},
        optional={name: from_schema(p) for name, p in properties.items() if name not in required},
    )


def _hostile_for(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Hostile values, mostly aimed at what the parameter is: edge integers for an id, edge
    dates for a time, huge and nasty text for a string."""
    kind = schema.get("type")
    if "format" in schema:
        aimed: st.SearchStrategy[Any] = st.sampled_from(EDGE_TIMES)
    elif kind == "integer":
        aimed = st.sampled_from(EDGE_INTS)
    elif kind == "string":
        aimed = st.sampled_from(HUGE_STRINGS) | nasty_text
    elif kind == "array":
        aimed = st.lists(_hostile_for(schema["items"]), max_size=60)
    else:
        aimed = junk
    return st.one_of(aimed, aimed, hostile_value)


@st.composite
def _roughed_up(draw: st.DrawFn, schema: dict[str, Any]) -> dict[str, Any]:
    """The required arguments and up to two optional ones, valid, then up to two swapped for
    hostile values (one bad value among good ones gets past argument checking into the tool's
    code); sometimes one dropped or one invented."""
    properties: dict[str, Any] = schema.get("properties", {})
    required = [name for name in properties if name in schema.get("required", ())]
    optional = [name for name in properties if name not in required]
    chosen = draw(st.lists(st.sampled_from(optional), max_size=2, unique=True)) if optional else []
    arguments = {name: draw(from_schema(properties[name])) for name in [*required, *chosen]}
    if properties:
        for name in draw(st.lists(st.sampled_from(list(properties)), max_size=2, unique=True)):
            arguments[name] = draw(_hostile_for(properties[name]))
    if arguments and draw(st.integers(0, 3)) == 0:
        del arguments[draw(st.sampled_from(sorted(arguments)))]
    if draw(st.integers(0, 7)) == 0:
        arguments[draw(nasty_text)] = draw(junk)
    return arguments


def tool_arguments(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Arguments valid against `schema`, and hostile ones, in about equal measure."""
    return st.one_of(from_schema(schema), _roughed_up(schema))


# Calls that pass every check on the seeded sandbox (ticket 47 is Pending, contact 1001 exists).
# The sweep puts one edge value into one of them at a time, so each value meets otherwise good
# arguments and gets as far into the tool as it can.
BASE_CALLS: dict[str, list[dict[str, Any]]] = {
    "search_tickets": [{"query": "printer", "status": ["Open"]}],  # a narrow search is quick
    "similar_tickets": [{"text": "Kyocera prints garbage", "limit": 1}, {"ticket_id": 1}],
    "get_ticket": [{"ticket_id": 1}],
    "create_ticket": [
        {"title": "Fuzz", "description": "x", "end_user_id": 1001, "allow_duplicate": True},
        {
            "title": "Fuzz",
            "description": "x",
            "end_user_email": "new.person@fuzz.example",
            "end_user_first_name": "New",
            "end_user_last_name": "Person",
            "customer_id": 1,
        },
    ],
    "update_ticket": [{"ticket_id": 47, "priority": "High"}],
    "add_comment": [{"ticket_id": 47, "text": "x", "internal": True}],
    "list_comments": [{"ticket_id": 47}],
    "log_hours": [
        {
            "ticket_id": 47,
            "start": "2026-11-25T09:00:00",
            "duration_minutes": 30,
            "billable": True,
            "allow_overlap": True,
        },
        {
            "ticket_id": 47,
            "start": "2026-11-25T09:00:00",
            "end": "2026-11-25T09:30:00",
            "billable": False,
            "allow_overlap": True,
        },
    ],
    "get_work_hours": [{"ticket_id": 47}],
    "get_billable": [
        {"period_start": "2026-11-01", "period_end": "2026-11-25"},
        {"ticket_ids": [1, 2, 47]},
    ],
    "find_customers": [{"query": ""}],
    "find_contacts": [{"customer_id": 1}],
    "list_technicians": [{}],
    "link_tickets": [{"ticket_id": 2, "related_ticket_id": 47, "relation": "child"}],
}
WRONG_TYPES: tuple[Any, ...] = (None, True, 1.5, "x", [], {}, [[{}]])


def edge_values(schema: dict[str, Any]) -> tuple[Any, ...]:
    """The values one parameter is swept with: its kind's edges, then every wrong type."""
    kind = schema.get("type")
    if "format" in schema:
        aimed: tuple[Any, ...] = (*EDGE_TIMES, 0, 10**30)
    elif "enum" in schema:
        aimed = ("", str(schema["enum"][0]).upper(), "\u202e" + str(schema["enum"][0]))
    elif kind == "integer":
        aimed = (*EDGE_INTS, "7", 7.0)
    elif kind == "string":
        aimed = ("", " ", NASTY_CHARACTERS, *HUGE_STRINGS)
    elif kind == "array":
        items = edge_values(schema["items"])
        aimed = (*[[value] for value in items], list(range(1, 60)), "1,2")
    else:
        aimed = ("yes", 2)
    return aimed + WRONG_TYPES


def sweep(tool: str, schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Every parameter of the tool with every one of its edge values, one at a time; then all
    its dates at once with each edge date (a period from 9999-12-31 to 9999-12-31 is valid in
    itself, so only the pair reaches the code that computes with it)."""
    bases = BASE_CALLS[tool]
    properties: dict[str, Any] = schema.get("properties", {})
    calls: list[dict[str, Any]] = [{}]
    for name, prop in properties.items():
        base = next((b for b in bases if name in b), bases[0])
        calls += [{**base, name: value} for value in edge_values(prop)]
    dated = [name for name, prop in properties.items() if "format" in prop]
    if len(dated) > 1:
        base = next((b for b in bases if set(dated) <= set(b)), bases[0])
        calls += [{**base, **dict.fromkeys(dated, value)} for value in EDGE_TIMES]
    return calls


@dataclass
class FuzzTarget:
    """One server over one seeded sandbox; every call's answer and requests are judged."""

    rig: McpRig
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: int = 0
    requests: int = 0

    async def call(self, name: str, arguments: dict[str, Any]) -> list[str]:
        """What is wrong with this call's answer and with each request it made (empty: fine)."""
        self.rig.recorder.records.clear()  # judged call by call; keeps a long run's memory flat
        result = await self.rig.client.call_tool(name, arguments)
        self.calls += 1
        problems: list[str] = []
        text = text_of(result)
        if result.is_error:
            if text.startswith(UNHANDLED):
                problems.append(f"unhandled exception: {text}")
            elif "Traceback" in text or len(text) > LONGEST_ANSWER:
                problems.append(f"not a plain message: {text[:200]!r}")
        elif result.structured_content is None:
            problems.append("a result without structured content")
        records = list(self.rig.recorder.records)
        self.requests += len(records)
        problems += [f"outside the contract: {v}" for v in contract_violations(records)]
        return problems


@contextmanager
def fuzz_target() -> Iterator[tuple[BlockingPortal, FuzzTarget]]:
    """A FuzzTarget on an event loop in a helper thread, so hypothesis can drive it from sync
    code; one server and sandbox for every example (reads and writes share the seeded data).
    The server searches its ticket index (in a temporary folder), as it does by default."""
    failure: Exception | None = None
    with (
        tempfile.TemporaryDirectory() as folder,
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(
            mcp_rig(app=sandbox_app(SANDBOX_TICKETS), index_path=Path(folder) / "i.sqlite3")
        ) as rig,
    ):
        listed = portal.call(rig.client.list_tools)
        try:
            yield portal, FuzzTarget(rig, {t.name: t.input_schema for t in listed.tools})
        except Exception as exc:
            failure = exc  # raised after the rig is closed, not wrapped in its task groups
    if failure is not None:
        raise failure
