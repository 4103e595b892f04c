"""Customer text is cleaned and bounded; tool schemas are tidied for strict clients."""

from atera_mcp.domain.text import clean_text, strip_html
from atera_mcp.schema import simplify_input_schema


def test_bidirectional_and_invisible_characters_are_stripped() -> None:
    hostile = "Invoice\u202e fdp.exe\u200b\u2066 ok\x07"
    assert clean_text(hostile) == "Invoice fdp.exe ok"


def test_long_text_is_cut_with_a_marker_saying_how_much_was_dropped() -> None:
    cut = clean_text("x" * 50, limit=20)
    assert cut.startswith("x" * 20)
    assert cut.endswith("[cut: 30 more characters]")


def test_comment_html_reads_as_the_text_it_shows() -> None:
    shown = strip_html("<div>A &amp; B<br>line2</div><p>&lt;b&gt; stays text</p>")
    assert " ".join(shown.split()) == "A & B line2 <b> stays text"
    assert "line2" in shown.splitlines()


def test_optional_parameters_lose_the_null_branch_and_titles() -> None:
    schema = {
        "title": "toolArguments",
        "type": "object",
        "properties": {
            "title": {"title": "Title", "type": "string"},
            "technician_id": {
                "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
                "default": None,
                "description": "Atera TechnicianContactID",
                "title": "Technician Id",
            },
            "kind": {"$ref": "#/$defs/Kind"},
        },
        "required": ["title"],
        "$defs": {"Kind": {"enum": ["a", "b"], "type": "string", "title": "Kind"}},
    }
    assert simplify_input_schema(schema) == {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "technician_id": {"type": "integer", "description": "Atera TechnicianContactID"},
            "kind": {"enum": ["a", "b"], "type": "string"},
        },
        "required": ["title"],
    }
