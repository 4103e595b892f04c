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
    # A floor of 1 (ids, counts, limits, non-empty text and lists) goes the same way: the
    # server refuses 0, negatives and empties with a message saying what is valid.
    items = prop.get("items")
    if isinstance(items, dict):
        prop = {**prop, "items": _drop_sanity_caps(items)}
    cap = prop.get("maxLength")
    return {
        k: v
        for k, v in prop.items()
        if not (k == "maxLength" and isinstance(cap, int) and cap >= SANITY_CAP)
        and not (k in ("minimum", "minLength", "minItems") and v == 1)
        and not (k == "default" and v is False)  # an optional switch is off unless given
    }


def simplify_input_schema(schema: JsonSchema) -> JsonSchema:
    """Inline $defs; drop titles, sanity caps, floors of 1, `default: false` and optional
    parameters' null branch."""
    flat: JsonSchema = _drop_titles(_inline(schema, schema.get("$defs", {})))
    props = flat.get("properties", {})
    flat["properties"] = {
        name: _drop_sanity_caps(_drop_null_branch(p)) for name, p in props.items()
    }
    return flat


def slim_output_schema(schema: JsonSchema) -> JsonSchema:
    """The output schema as an outline: the result's field names, each open to any value.

    Output schemas are paid for in every conversation and a model reads the result itself, not
    its schema; the full pydantic model still validates each result server-side, so the
    published outline only has to be true, not exhaustive.
    """
    return {"type": "object", "properties": {name: {} for name in schema.get("properties", {})}}
