"""JSON-schema tidying for tools/list: smaller, and accepted by strict clients.

pydantic describes an optional parameter as `anyOf: [T, {type: null}], default: null`, which
some strict clients reject and every client pays for in tokens. An optional parameter is simply
one that is not required, so the null branch and the null default go. Titles repeat the
property names and go too; `$defs` are inlined in input schemas.
"""

from __future__ import annotations

from typing import Any

JsonSchema = dict[str, Any]


def _inline(node: Any, defs: JsonSchema) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = dict(defs[ref.removeprefix("#/$defs/")])
            target.update({k: v for k, v in node.items() if k != "$ref"})
            return _inline(target, defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def _drop_null_branch(prop: JsonSchema) -> JsonSchema:
    if prop.get("default", "absent") is not None:
        return prop
    rest = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
    kept = [v for v in prop.get("anyOf", []) if v != {"type": "null"}]
    if "anyOf" in prop and len(kept) == 1:
        return {**kept[0], **rest}
    return {k: v for k, v in prop.items() if k != "default"}


def _drop_titles(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: (
                _drop_titles(v) if k != "properties" else {n: _drop_titles(s) for n, s in v.items()}
            )
            for k, v in node.items()
            if k != "title" or not isinstance(v, str)
        }
    if isinstance(node, list):
        return [_drop_titles(v) for v in node]
    return node


# Length caps at or above this are sanity limits, not business rules: the server still enforces
# them (and says so in its error), but they are not worth their tokens in every conversation.
SANITY_CAP = 250


def _drop_sanity_caps(prop: JsonSchema) -> JsonSchema:
    cap = prop.get("maxLength")
    if isinstance(cap, int) and cap >= SANITY_CAP:
        return {k: v for k, v in prop.items() if k != "maxLength"}
    return prop


def simplify_input_schema(schema: JsonSchema) -> JsonSchema:
    """Inline $defs, drop titles, sanity caps and the null branch of optional parameters."""
    flat: JsonSchema = _drop_titles(_inline(schema, schema.get("$defs", {})))
    props = flat.get("properties", {})
    flat["properties"] = {
        name: _drop_sanity_caps(_drop_null_branch(p)) for name, p in props.items()
    }
    return flat


def _compact(node: JsonSchema, defs: JsonSchema, depth: int) -> JsonSchema:
    """One property's schema: nullable unions as type lists, nesting cut at `depth`."""
    ref = node.get("$ref")
    if isinstance(ref, str):
        return _compact(defs[ref.removeprefix("#/$defs/")], defs, depth)
    variants = node.get("anyOf")
    if isinstance(variants, list):
        parts = [_compact(v, defs, depth) for v in variants]
        types: list[str] = []
        for part in parts:
            kind = part.get("type")
            types += kind if isinstance(kind, list) else [str(kind)]
        merged = {k: v for part in parts for k, v in part.items() if k != "type"}
        return (
            {"type": types, **merged} if len(parts) == 2 and "null" in types else {"anyOf": parts}
        )
    kind = node.get("type")
    out: JsonSchema = {"type": kind} if kind else {}
    if "enum" in node:
        out["enum"] = node["enum"]
    if kind == "array" and depth > 0 and isinstance(node.get("items"), dict):
        out["items"] = _compact(node["items"], defs, depth - 1)
    if kind == "object" and depth > 0 and "properties" in node:
        out["properties"] = {
            name: _compact(prop, defs, depth - 1) for name, prop in node["properties"].items()
        }
    return out


def slim_output_schema(schema: JsonSchema, depth: int = 1) -> JsonSchema:
    """The output schema as a compact outline: every field and its JSON type, to `depth` levels.

    Output schemas are paid for in every conversation; the full pydantic model still validates
    each result server-side, so the published outline only has to be true, not exhaustive.
    """
    outline = _compact(schema, schema.get("$defs", {}), depth)
    if "required" in schema:
        outline["required"] = schema["required"]
    return outline
