"""The sandbox stands in for Atera: it must not borrow the server's rules, client or tools.

If the sandbox imported `domain.policy`, a wrong due date or status rule would be wrong on both
sides and no test could see it. It may use the wire models and the time-zone table only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import atera_mcp.sandbox

SANDBOX_DIR = Path(atera_mcp.sandbox.__file__).parent
ALLOWED = (
    "atera_mcp.sandbox",
    "atera_mcp.domain.wire",
    "atera_mcp.domain.wire_monitoring",
    "atera_mcp.domain.timezones",
)
BANNED = (
    "atera_mcp.domain.policy",
    "atera_mcp.domain.views",
    "atera_mcp.tools",
    "atera_mcp.client",
    "atera_mcp.server",
    "atera_mcp.index",
)


def imported_modules(source: str) -> set[str]:
    """Every module a source file names in an import, `from a import b` giving `a` and `a.b`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def sandbox_imports() -> dict[str, set[str]]:
    return {
        path.name: {m for m in imported_modules(path.read_text()) if within(m, ("atera_mcp",))}
        for path in sorted(SANDBOX_DIR.glob("*.py"))
    }


def test_the_sandbox_imports_none_of_the_servers_rules_client_or_tools() -> None:
    banned = {
        name: sorted(m for m in modules if within(m, BANNED))
        for name, modules in sandbox_imports().items()
    }
    assert {name: found for name, found in banned.items() if found} == {}


def test_the_sandbox_imports_only_wire_models_and_time_zones_from_the_package() -> None:
    outside = {
        name: sorted(
            m
            for m in modules
            # `from atera_mcp.domain import wire` names the package itself; its member is checked.
            if not within(m, ALLOWED) and m not in ("atera_mcp", "atera_mcp.domain")
        )
        for name, modules in sandbox_imports().items()
    }
    assert {name: found for name, found in outside.items() if found} == {}


@pytest.mark.parametrize(
    "source",
    [
        "from atera_mcp.domain.policy import RESPONSE_HOURS",
        "from atera_mcp.domain import policy",
        "import atera_mcp.client.http",
        "from atera_mcp import tools",
        "def f():\n    from atera_mcp.index import store\n",
    ],
)
def test_the_walk_sees_every_spelling_of_a_banned_import(source: str) -> None:
    assert any(within(m, BANNED) for m in imported_modules(source))
