"""The apps' build step: one folder of HTML, CSS and JS in, one HTML5 document out.

An app's `index.html` names its parts the ordinary way, `<link rel="stylesheet" href="...">`
and `<script src="..."></script>`, relative to its folder (`../common/bridge.js` is shared).
`build` replaces each with the file's text inline, once per process. Plain Python, no Node:
what a browser loads from disk while editing is exactly what the host gets.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import Final

MAX_BYTES: Final = 60_000  # each app stays small enough to send in every conversation that shows it

_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([\w./-]+\.css)">')
_SCRIPT = re.compile(r'<script src="([\w./-]+\.js)"></script>')


@cache
def build(app: str) -> str:
    """The app's document with its stylesheets and scripts inline."""
    root = files("atera_mcp.apps")
    folder = root / app

    def read(name: str) -> str:
        base, steps = (root, name[3:]) if name.startswith("../") else (folder, name)
        return base.joinpath(*steps.split("/")).read_text(encoding="utf-8")

    def style(match: re.Match[str]) -> str:
        return f"<style>\n{_safe(read(match.group(1)), '</style')}</style>"

    def script(match: re.Match[str]) -> str:
        return f"<script>\n{_safe(read(match.group(1)), '</script')}</script>"

    html = (folder / "index.html").read_text(encoding="utf-8")
    html = _SCRIPT.sub(script, _STYLESHEET.sub(style, html))
    size = len(html.encode("utf-8"))
    if size > MAX_BYTES:
        raise ValueError(f"app {app} is {size} bytes inlined; the limit is {MAX_BYTES}")
    return html


def _safe(text: str, closing: str) -> str:
    """Our own source, but a closing tag inside it would end the element early: refuse it."""
    if closing in text.lower():
        raise ValueError(f"{closing}> inside an inlined part would end the element early")
    return text
