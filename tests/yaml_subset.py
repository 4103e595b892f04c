"""Reads the small part of YAML that deploy/compose.yaml is written in, so its test needs no
YAML library (the project has none).

Supported: block mappings and block sequences, plain and quoted scalars, `{}`, comments,
anchors (`&name`), aliases (`*name`) and merge keys (`<<: *name`). Scalars stay strings: the
test compares text, not YAML's types. Anything else raises YamlSubsetError naming the line,
so the compose file cannot grow into something this reads wrongly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class YamlSubsetError(ValueError):
    pass


@dataclass(frozen=True)
class Line:
    number: int
    indent: int
    text: str


def load(text: str) -> Any:
    lines = _lines(text)
    if not lines:
        return None
    value, end = _block(lines, 0, lines[0].indent, {})
    if end != len(lines):
        raise YamlSubsetError(f"line {lines[end].number}: unexpected indentation")
    return value


def _lines(text: str) -> list[Line]:
    found: list[Line] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if "\t" in raw:
            raise YamlSubsetError(f"line {number}: a tab")
        # A `#` after a space starts a comment: so in YAML outside quotes, and the compose file
        # quotes no `#`.
        content = raw.split(" #", 1)[0].rstrip()
        if not content.strip() or content.lstrip().startswith("#"):
            continue
        if content.strip() in ("---", "..."):
            raise YamlSubsetError(f"line {number}: documents markers are not supported")
        found.append(Line(number, len(content) - len(content.lstrip(" ")), content.strip()))
    return found


def _block(lines: list[Line], i: int, indent: int, anchors: dict[str, Any]) -> tuple[Any, int]:
    if lines[i].text == "-" or lines[i].text.startswith("- "):
        return _sequence(lines, i, indent, anchors)
    return _mapping(lines, i, indent, anchors)


def _mapping(
    lines: list[Line], i: int, indent: int, anchors: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    explicit: dict[str, Any] = {}
    merged: dict[str, Any] = {}
    while i < len(lines) and lines[i].indent == indent:
        line = lines[i]
        key, rest = _key(line)
        i += 1
        if key == "<<":
            source = _scalar(rest, anchors, line)
            if not isinstance(source, dict):
                raise YamlSubsetError(f"line {line.number}: `<<` must name a mapping's anchor")
            merged.update(source)
            continue
        if key in explicit:
            raise YamlSubsetError(f"line {line.number}: `{key}` appears twice")
        explicit[key], i = _value(rest, lines, i, indent, anchors, line)
    return {**merged, **explicit}, i


def _sequence(
    lines: list[Line], i: int, indent: int, anchors: dict[str, Any]
) -> tuple[list[Any], int]:
    items: list[Any] = []
    while i < len(lines) and lines[i].indent == indent:
        line = lines[i]
        if not (line.text == "-" or line.text.startswith("- ")):
            raise YamlSubsetError(f"line {line.number}: a mapping key inside a list")
        rest = line.text[1:].strip()
        if ": " in rest or rest.endswith(":"):
            raise YamlSubsetError(f"line {line.number}: mappings inside lists are not supported")
        value, i = _value(rest, lines, i + 1, indent, anchors, line)
        items.append(value)
    return items, i


def _key(line: Line) -> tuple[str, str]:
    if line.text.endswith(":"):
        key, rest = line.text[:-1], ""
    elif ": " in line.text:
        key, rest = line.text.split(": ", 1)
    else:
        raise YamlSubsetError(f"line {line.number}: expected `key: value`")
    if not key or key[0] in "\"'?[{&*!|>%@`":
        raise YamlSubsetError(f"line {line.number}: only plain keys are supported")
    return key, rest.strip()


def _value(
    rest: str, lines: list[Line], i: int, indent: int, anchors: dict[str, Any], line: Line
) -> tuple[Any, int]:
    anchor = None
    if rest.startswith("&"):
        anchor, _, rest = rest[1:].partition(" ")
        rest = rest.strip()
    value: Any = None
    if rest:
        value = _scalar(rest, anchors, line)
    elif i < len(lines) and lines[i].indent > indent:
        value, i = _block(lines, i, lines[i].indent, anchors)
    if anchor is not None:
        anchors[anchor] = value
    return value, i


def _scalar(text: str, anchors: dict[str, Any], line: Line) -> Any:
    if text.startswith("*"):
        if text[1:] not in anchors:
            raise YamlSubsetError(f"line {line.number}: unknown anchor `{text}`")
        return anchors[text[1:]]
    if text == "{}":
        return {}
    if text.startswith('"'):
        if len(text) < 2 or not text.endswith('"') or "\\" in text or '"' in text[1:-1]:
            raise YamlSubsetError(f"line {line.number}: only simple double-quoted strings")
        return text[1:-1]
    if text.startswith("'"):
        if len(text) < 2 or not text.endswith("'") or "'" in text[1:-1].replace("''", ""):
            raise YamlSubsetError(f"line {line.number}: a malformed single-quoted string")
        return text[1:-1].replace("''", "'")
    if text[0] in "[{|>!%@`&" or ": " in text:
        raise YamlSubsetError(f"line {line.number}: unsupported YAML: {text!r}")
    return text
