"""yamlsource: YAML 1.2 core scalars, merge keys, positions, alias budget; never an exception."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from witsync.loading.yamlbuild import ALIAS_FACTOR, MAX_ALIAS_EXPANSION
from witsync.loading.yamlsource import YamlMap, YamlSeq, parse_yaml, read_text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("~", None), ("null", None), ("Null", None), ("", None),
        ("true", True), ("False", False), ("yes", "yes"), ("on", "on"), ("no", "no"),
        ("12", 12), ("-3", -3), ("+4", 4), ("0o17", 15), ("0x1F", 31), ("017", 17),
        ("1.5", 1.5), (".5", 0.5), ("1e3", 1000.0), ("-.inf", float("-inf")),
        ("1_000", "1_000"), ("2026-01-15", "2026-01-15"), ("12:30", "12:30"),
        ("'12'", "12"), ('"true"', "true"), ("!!str 12", "12"), ("!!float 2", 2.0),
        ("9" * 80, "9" * 80),
    ],
)  # fmt: skip
def test_core_schema_scalars(text: str, value: Any) -> None:
    parsed = parse_yaml(f"v: {text}\n", "f.yaml")
    assert parsed.ok, parsed.diagnostics
    assert parsed.root["v"] == value
    assert type(parsed.root["v"]) is type(value)


def test_positions_of_keys_values_and_items() -> None:
    root = parse_yaml("a:\n  - x\n  - {b: 2}\nc: 'q'\n", "f.yaml").root
    assert isinstance(root, YamlMap)
    assert root.mark == (1, 1)
    assert root.key_marks == {"a": (1, 1), "c": (4, 1)}
    assert root.value_marks == {"a": (2, 3), "c": (4, 4)}
    seq = root["a"]
    assert isinstance(seq, YamlSeq)
    assert seq.item_marks == [(2, 5), (3, 5)]
    assert seq[1].value_marks == {"b": (3, 9)}


def test_merge_keys_explicit_wins_then_earlier_merge() -> None:
    root = parse_yaml(
        "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nm:\n  <<: [*a, *b]\n  x: 0\n'<<': text\n",
        "f.yaml",
    ).root
    assert dict(root["m"]) == {"x": 0, "y": 1, "z": 2}
    assert root["<<"] == "text"  # a quoted '<<' is an ordinary key


def test_merge_of_a_scalar_is_an_error() -> None:
    parsed = parse_yaml("m:\n  <<: 3\n  x: 1\n", "f.yaml")
    assert [str(d).split("\n")[0] for d in parsed.diagnostics] == [
        "f.yaml:2:7: error: a merge key '<<' takes a mapping or a list of mappings"
    ]


def test_keys_are_text() -> None:
    root = parse_yaml("1: a\ntrue: b\nnull: c\n", "f.yaml").root
    assert list(root) == ["1", "true", "null"]


def test_linear_alias_use_within_budget() -> None:
    # 2,000 references to a 20-value list: 40,000 values from aliases, fine.
    lines = ["base: &base [" + ", ".join(str(i) for i in range(20)) + "]", "uses:"]
    lines += ["  - *base"] * 2000
    parsed = parse_yaml("\n".join(lines) + "\n", "f.yaml")
    assert parsed.ok
    assert len(parsed.root["uses"]) == 2000
    assert parsed.root["uses"][0] is parsed.root["uses"][1]  # shared, never copied


def test_alias_budget_scales_with_what_is_written() -> None:
    size, uses = 5000, 40  # 200,000 values from aliases; written: about 5,040
    assert size * uses > MAX_ALIAS_EXPANSION + ALIAS_FACTOR * (size + uses + 10)
    lines = ["base: &base [" + ", ".join("1" for _ in range(size)) + "]", "uses:"]
    lines += ["  - *base"] * uses
    parsed = parse_yaml("\n".join(lines) + "\n", "f.yaml")
    assert not parsed.ok
    assert f"plus {ALIAS_FACTOR} per value written" in parsed.diagnostics[0].message


def test_read_text_reports_the_bad_byte() -> None:
    text, problem = read_text(b"ok\nab\xc3(\n", "f.yaml")
    assert text is None
    assert (
        str(problem)
        == "f.yaml:2:3: error: not UTF-8 text (byte 0xc3)\n  hint: save the file as UTF-8"
    )


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#%@`<?, \n\t\x00é1~")), max_size=60))
def test_any_text_parses_or_is_reported_never_raises(text: str) -> None:
    parsed = parse_yaml(text, "f.yaml")
    for diagnostic in parsed.diagnostics:
        assert diagnostic.location is not None
        assert diagnostic.location.line >= 1
        assert diagnostic.location.column >= 1
