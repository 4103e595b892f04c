"""Extract the part of Atera's OpenAPI export this project uses.

    python scripts/extract_spec.py [SOURCE] [--output PATH] [--check]

SOURCE defaults to `../shared/atera/openapi-v3-2026-06.json` and PATH to
`src/atera_mcp/spec/atera-openapi-subset.json`, both relative to the repository root. The subset
holds exactly the operations in `OPERATIONS`, every schema they reference (transitively), the
source's `info`, `security` and used tags, and an `x-source` note naming the export and its
sha256. Output is canonical (sorted keys, indent 1), so re-running gives no diff.
`--check` writes nothing and exits 1 when the committed subset is stale.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "atera" / "openapi-v3-2026-06.json"
DEFAULT_OUTPUT = REPO_ROOT / "src" / "atera_mcp" / "spec" / "atera-openapi-subset.json"
SCRIPT = "scripts/extract_spec.py"
SOURCE_NOTE = "Atera OpenAPI export, June 2026"

# The operations the project calls (client) or serves (sandbox). Nothing else is in the subset.
OPERATIONS: dict[str, tuple[str, ...]] = {
    "/api/v3/account": ("get",),
    "/api/v3/tickets": ("get", "post"),
    "/api/v3/tickets/lastmodified": ("get",),
    "/api/v3/tickets/statusmodified": ("get",),
    "/api/v3/tickets/{ticketId}": ("get", "put", "post", "delete"),
    "/api/v3/tickets/{ticketId}/comments": ("get", "post"),
    "/api/v3/tickets/{ticketId}/workhours": ("get", "post"),
    "/api/v3/tickets/{ticketId}/workhoursrecords": ("get",),
    "/api/v3/tickets/{ticketId}/billableduration": ("get",),
    "/api/v3/tickets/{ticketId}/nonbillableduration": ("get",),
    "/api/v3/tickets/billableduration": ("post",),
    "/api/v3/tickets/{ticketId}/relations": ("post",),
    "/api/v3/tickets/{ticketId}/relations/{relationType}": ("delete",),
    "/api/v3/workhours": ("get",),
    "/api/v3/customers": ("get",),
    "/api/v3/customers/{customerId}": ("get",),
    "/api/v3/contacts": ("get", "post"),
    "/api/v3/contacts/{contactId}": ("get",),
    # Monitoring, read-only: the machine behind a ticket (get_ticket's context).
    "/api/v3/alerts": ("get",),
    "/api/v3/alerts/{alertId}": ("get",),
    "/api/v3/agents/customer/{customerId}": ("get",),
}

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
SCHEMA_REF_PREFIX = "#/components/schemas/"


class ExtractionError(Exception):
    """The source export lacks something the project relies on."""


def _refs(node: Any) -> Iterator[str]:
    """Every `$ref` string anywhere inside a JSON value."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _schema_closure(roots: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    """The component schemas `roots` reference, directly or through other schemas."""
    found: dict[str, Any] = {}
    pending = list(_refs(roots))
    while pending:
        ref = pending.pop()
        if not ref.startswith(SCHEMA_REF_PREFIX):
            raise ExtractionError(f"unsupported reference {ref!r}")
        name = ref.removeprefix(SCHEMA_REF_PREFIX)
        if name in found:
            continue
        if name not in schemas:
            raise ExtractionError(f"{ref!r} names no schema in the source")
        found[name] = schemas[name]
        pending.extend(_refs(schemas[name]))
    return found


def extract(source: dict[str, Any], source_bytes: bytes, source_name: str) -> dict[str, Any]:
    """The subset of `source` (the parsed export, whose raw bytes are `source_bytes`)."""
    paths: dict[str, Any] = {}
    for path, methods in OPERATIONS.items():
        item = source["paths"].get(path)
        if item is None:
            raise ExtractionError(f"{path} is not in the source")
        kept = {key: value for key, value in item.items() if key not in HTTP_METHODS}
        for method in methods:
            if method not in item:
                raise ExtractionError(f"{method.upper()} {path} is not in the source")
            kept[method] = item[method]
        paths[path] = kept

    schemas = _schema_closure(paths, source["components"]["schemas"])
    used_tags = {tag for item in paths.values() for op in item.values() for tag in op["tags"]}
    components: dict[str, Any] = {"schemas": schemas}
    if "securitySchemes" in source["components"]:
        components["securitySchemes"] = source["components"]["securitySchemes"]
    subset: dict[str, Any] = {
        "openapi": source["openapi"],
        "info": source["info"],
        "x-source": {
            "file": source_name,
            "title": source["info"]["title"],
            "version": source["info"]["version"],
            "note": SOURCE_NOTE,
            "sha256": hashlib.sha256(source_bytes).hexdigest(),
            "extractedBy": SCRIPT,
        },
        "paths": paths,
        "components": components,
        "tags": [tag for tag in source.get("tags", []) if tag["name"] in used_tags],
    }
    if "security" in source:
        subset["security"] = source["security"]
    return subset


def render(subset: dict[str, Any]) -> str:
    """Canonical text: sorted keys, indent 1, UTF-8 as is, one trailing newline."""
    return json.dumps(subset, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def build(source_path: Path) -> str:
    """Read the export at `source_path` and return the subset's canonical text."""
    raw = source_path.read_bytes()
    return render(extract(json.loads(raw), raw, source_path.name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Extract the OpenAPI subset this project uses.")
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if OUTPUT differs; write nothing"
    )
    args = parser.parse_args(argv)
    source: Path = args.source
    output: Path = args.output
    if not source.is_file():
        print(f"no OpenAPI export at {source}", file=sys.stderr)
        return 2
    try:
        text = build(source)
    except ExtractionError as exc:
        print(f"{source}: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = output.read_text(encoding="utf-8") if output.is_file() else None
        if current != text:
            print(f"{output} is stale: run python {SCRIPT}", file=sys.stderr)
            return 1
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output} ({len(json.loads(text)['components']['schemas'])} schemas)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
