"""The YAML witsync writes reads back as exactly the values it was given, in every reader."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from witsync.exporting.emit import (
    document,
    literal_ok,
    number_text,
    plain_ok,
    scalar,
    sequence_entry,
    value_lines,
)
from witsync.loading.yamlsource import parse_yaml


def loaded(text: str) -> Any:
    parsed = parse_yaml(text, "t.yaml")
    assert parsed.ok, [str(d) for d in parsed.diagnostics]
    return parsed.root


def round_trip(text: str) -> Any:
    """What witsync's loader and ruamel's round-trip reader both read: they must agree."""
    ours = loaded(text)
    theirs = YAML(typ="rt").load(text)
    assert _plain(theirs) == _plain(ours)
    return ours


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "yes",
        "No",
        "on",
        "null",
        "~",
        "true",
        "2026-01-15",
        "0001-1-1T0:00:00",  # a YAML 1.1 timestamp: one-digit month and day, a time part
        "2026-12-01 10:00:00.5 +1",
        "12:30",
        "0x1F",
        "1e5",
        ".inf",
        "-",
        "- a",
        "? x",
        "a: b",
        "a #b",
        "#x",
        "&a",
        "*a",
        "!t",
        "|",
        ">",
        "'q'",
        '"q"',
        "%x",
        "@x",
        "`x`",
        "a,b",
        "[a]",
        "{a}",
        "x:",
        "Fabrikam\\Web",
        "tab\there",
        "line\nbreak",
        "two\n\nparas\n",
        "trailing\n\n",
        "\nleading",
        "  spaced  ",
        "é ü ß",
        "\u2028",
        "\x85",
        "\ufeff",
        "\x00",
        "emoji 🎉",
        "a\r\nb",
        "   \nx",
        "x\n   \ny",
    ]
)


@settings(max_examples=400, deadline=None)
@given(value=st.one_of(TEXT, TRICKY), indent=st.sampled_from(["", "  ", "      "]))
def test_any_text_reads_back_as_itself(value: str, indent: str) -> None:
    text = "\n".join(value_lines("v", value, indent)) + "\n"
    if indent:
        text = "top:\n" + text
    root = round_trip(text)
    assert (root["top"] if indent else root)["v"] == value


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(TEXT, TRICKY), max_size=6))
def test_lists_of_text_read_back_in_flow_or_block_style(values: list[str]) -> None:
    text = "\n".join(value_lines("tags", values, "")) + "\n"
    assert round_trip(text)["tags"] == values


@settings(max_examples=200, deadline=None)
@given(
    number=st.one_of(
        st.integers(min_value=-(10**15), max_value=10**15),
        st.floats(allow_nan=False, allow_infinity=False),
    )
)
def test_numbers_read_back_as_numbers(number: float) -> None:
    root = round_trip(f"n: {scalar(number)}\n")
    assert root["n"] == number


def test_plain_only_where_nothing_else_could_be_meant() -> None:
    assert plain_ok("Sign in with Microsoft")
    assert plain_ok("Fabrikam\\Web")
    assert not plain_ok("yes")  # a YAML 1.1 boolean
    assert not plain_ok("2026-01-15")  # a date to some readers
    assert not plain_ok("a, b", flow=True)
    assert not plain_ok("trailing ")
    assert scalar("it's") == "it's"
    assert scalar("'quoted'") == "'''quoted'''"
    assert scalar("bell\x07") == '"bell\\x07"'
    assert number_text(3.0) == "3"
    assert number_text(2.5) == "2.5"


def test_literal_blocks_for_several_lines_that_a_block_can_hold() -> None:
    assert literal_ok("Some *markdown*\n\n- one\n- two\n")
    assert not literal_ok("one line")
    assert not literal_ok(" starts with a space\nx")
    assert not literal_ok("ends with two\nline breaks\n\n")
    assert not literal_ok("a line of spaces\n   \nx")
    lines = value_lines("description", "first\n\nsecond\n", "    ")
    assert lines == ["    description: |", "      first", "", "      second"]
    assert value_lines("d", "no final break\nx", "") == ["d: |-", "  no final break", "  x"]


def test_a_document_sets_top_level_entries_apart() -> None:
    text = document(
        ["made by a test", ""],
        {
            "apiVersion": "witsync/v1",
            "items": [
                {"key": "a", "title": "A", "children": [{"key": "b", "title": "B: two"}]},
                {"key": "c", "tags": ["x", "y z"], "fields": {"Custom.Risk": "High"}},
            ],
        },
        items_key="items",
    )
    assert text == (
        "# made by a test\n"
        "#\n"
        "apiVersion: witsync/v1\n"
        "items:\n"
        "  - key: a\n"
        "    title: A\n"
        "    children:\n"
        "      - key: b\n"
        "        title: 'B: two'\n"
        "\n"
        "  - key: c\n"
        "    tags: [x, y z]\n"
        "    fields:\n"
        "      Custom.Risk: High\n"
    )
    assert round_trip(text)["items"][0]["children"][0]["title"] == "B: two"


def test_a_long_list_goes_one_item_a_line() -> None:
    names = [f"tag-number-{n}" for n in range(8)]
    lines = value_lines("tags", names, "")
    assert lines[0] == "tags:"
    assert lines[1] == "  - tag-number-0"
    assert sequence_entry({"key": "k", "tags": names}, "")[0] == "- key: k"
