"""The packaged OpenAPI subset is complete, self-contained and what the extraction script writes."""

from __future__ import annotations

import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from atera_mcp.spec import SUBSET_FILE, load_subset

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_EXPORT = REPO_ROOT.parent / "shared" / "atera" / "openapi-v3-2026-06.json"

# The operations the project uses, as agreed; the subset must hold exactly these.
OPERATIONS = {
    ("GET", "/api/v3/account"),
    ("GET", "/api/v3/tickets"),
    ("POST", "/api/v3/tickets"),
    ("GET", "/api/v3/tickets/lastmodified"),
    ("GET", "/api/v3/tickets/statusmodified"),
    ("GET", "/api/v3/tickets/{ticketId}"),
    ("PUT", "/api/v3/tickets/{ticketId}"),
    ("POST", "/api/v3/tickets/{ticketId}"),
    ("DELETE", "/api/v3/tickets/{ticketId}"),
    ("GET", "/api/v3/tickets/{ticketId}/comments"),
    ("POST", "/api/v3/tickets/{ticketId}/comments"),
    ("GET", "/api/v3/tickets/{ticketId}/workhours"),
    ("POST", "/api/v3/tickets/{ticketId}/workhours"),
    ("GET", "/api/v3/tickets/{ticketId}/workhoursrecords"),
    ("GET", "/api/v3/tickets/{ticketId}/billableduration"),
    ("GET", "/api/v3/tickets/{ticketId}/nonbillableduration"),
    ("POST", "/api/v3/tickets/billableduration"),
    ("POST", "/api/v3/tickets/{ticketId}/relations"),
    ("DELETE", "/api/v3/tickets/{ticketId}/relations/{relationType}"),
    ("GET", "/api/v3/workhours"),
    ("GET", "/api/v3/customers"),
    ("GET", "/api/v3/customers/{customerId}"),
    ("GET", "/api/v3/contacts"),
    ("POST", "/api/v3/contacts"),
    ("GET", "/api/v3/contacts/{contactId}"),
    ("GET", "/api/v3/alerts"),
    ("GET", "/api/v3/alerts/{alertId}"),
    ("GET", "/api/v3/agents/customer/{customerId}"),
}


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


def subset_operations(subset: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in subset["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
    }


def test_the_subset_holds_exactly_the_operations_the_project_uses() -> None:
    assert subset_operations(load_subset()) == OPERATIONS


def test_every_reference_resolves_inside_the_subset() -> None:
    subset = load_subset()
    schemas = subset["components"]["schemas"]
    dangling = [
        ref for ref in refs(subset) if ref.removeprefix("#/components/schemas/") not in schemas
    ]
    assert dangling == []


def test_every_schema_of_the_subset_is_used() -> None:
    subset = load_subset()
    used = {ref.rsplit("/", 1)[1] for ref in refs(subset)}
    assert set(subset["components"]["schemas"]) == used


def test_the_subset_names_its_source() -> None:
    source = load_subset()["x-source"]
    assert source["file"] == "openapi-v3-2026-06.json"
    assert source["note"] == "Atera OpenAPI export, June 2026"
    assert source["extractedBy"] == "scripts/extract_spec.py"
    assert (source["title"], source["version"]) == ("Welcome to the Atera API", "v3")
    assert len(source["sha256"]) == 64


def test_load_subset_returns_a_fresh_copy() -> None:
    first = load_subset()
    first["paths"].clear()
    assert load_subset()["paths"]


@pytest.mark.skipif(
    not SHARED_EXPORT.is_file(),
    reason=f"Atera's full export is not at {SHARED_EXPORT} (only the maintainers' checkout "
    "and CI have ../shared); the committed subset cannot be re-derived here",
)
def test_the_committed_subset_is_what_the_script_produces(tmp_path: Path) -> None:
    output = tmp_path / SUBSET_FILE
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "extract_spec.py"), "--output", str(output)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    committed = files("atera_mcp.spec").joinpath(SUBSET_FILE).read_text(encoding="utf-8")
    assert output.read_text(encoding="utf-8") == committed, (
        "the committed subset is stale: run `make spec` (python scripts/extract_spec.py)"
    )
