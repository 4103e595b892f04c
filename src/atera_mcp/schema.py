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
    variants = prop.get("anyOf")
    if prop.get("default", "absent") is None and isinstance(variants, list):
        kept = [v for v in variants if v != {"type": "null"}]
        if len(kept) == 1:
            merged = {**kept[0], **{k: v for k, v in prop.items() if k not in ("anyOf", "default")}}
            return merged
    if prop.get("default", "absent") is None:
        return {k: v for k, v in prop.items() if k != "default"}
    return prop


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


def simplify_input_schema(schema: JsonSchema) -> JsonSchema:
    """Inline $defs, drop titles and the null branch of optional parameters."""
    flat: JsonSchema = _drop_titles(_inline(schema, schema.get("$defs", {})))
    props = flat.get("properties", {})
    flat["properties"] = {name: _drop_null_branch(p) for name, p in props.items()}
    return flat


def slim_output_schema(schema: JsonSchema) -> JsonSchema:
    """Drop titles; output schemas keep their $defs (inlining would repeat them)."""
    slim: JsonSchema = _drop_titles(schema)
    return slim
