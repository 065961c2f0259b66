"""The bundled schemas: valid Draft 2020-12, documented, exercised, and the fast path agrees."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from witsync.loading.fastschema import check_portable, compile_schema
from witsync.loading.schema import fast_validator, load_schema, validator

SCHEMAS = Path(__file__).parent.parent.parent / "schemas"
NAMES = ["manifest.schema.json", "config.schema.json"]
ALL_NAMES = [*NAMES, "plan.schema.json"]

VALID_MANIFESTS: list[Any] = [
    {"items": []},
    {"apiVersion": "witsync/v1", "scope": "web-team", "project": "Fabrikam", "items": []},
    {"items": [{"key": "a", "type": "Task", "title": "A", "priority": 1, "tags": ["x", "y"]}]},
    {"items": [{"key": "a", "id": 3, "parent": 9, "related": ["b", 4], "successors": []}]},
    {"items": [{"key": "a", "children": [{"key": "b", "children": [{"key": "c"}]}]}]},
    {"items": [{"key": "a", "fields": {"Custom.Risk": "High", "Custom.N": 1, "Custom.T": None}}]},
    {"items": [{"key": "a", "createOnly": ["title"], "manage": ["state"], "ignore": ["x.y"]}]},
    {"items": [{"key": "a", "startDate": "2026-01-15", "dueDate": "2026-01-15T10:00:00Z"}]},
    {"items": [{"key": "a", "description": None, "assignedTo": None, "tags": None}]},
    {"defaults": {"type": "Task", "area": "P\\A", "ignore": ["state"]}, "items": []},
    {"x-anchors": {"anything": [1, 2]}, "items": []},
]
INVALID_MANIFESTS: list[Any] = [
    [],
    {},
    {"items": {}},
    {"apiVersion": "witsync/v2", "items": []},
    {"scope": "has space", "items": []},
    {"items": [{}]},
    {"items": [{"key": "has space"}]},
    {"items": [{"key": "a", "priority": "high"}]},
    {"items": [{"key": "a", "priority": 5}]},
    {"items": [{"key": "a", "priority": True}]},
    {"items": [{"key": "a", "storyPoints": -1}]},
    {"items": [{"key": "a", "title": ""}]},
    {"items": [{"key": "a", "title": None}]},
    {"items": [{"key": "a", "tags": ["a;b"]}]},
    {"items": [{"key": "a", "tags": ["x", "x"]}]},
    {"items": [{"key": "a", "titel": "x"}]},
    {"items": [{"key": "a", "parent": 0}]},
    {"items": [{"key": "a", "parent": 1.5}]},
    {"items": [{"key": "a", "related": ["b", "b"]}]},
    {"items": [{"key": "a", "fields": {"NoDot": 1}}]},
    {"items": [{"key": "a", "fields": {"Custom.X": {"nested": 1}}}]},
    {"items": [{"key": "a", "startDate": "15/01/2026"}]},
    {"items": [{"key": "a", "children": [{"key": "b", "priority": "x"}]}]},
    {"defaults": {"key": "a"}, "items": []},
    {"defaults": {"related": ["a"]}, "items": []},
    {"other": 1, "items": []},
    # Whole values: Python's `$` (what jsonschema runs) also matches before a final line break,
    # and the board trims names, so "victim\n" would join scope "victim"'s set.
    {"scope": "victim\n", "items": []},
    {"scope": "victim\r\n", "items": []},
    {"scope": " victim", "items": []},
    {"scope": "victim ", "items": []},
    {"items": [{"key": "e0\n"}]},
    {"items": [{"key": "e0\r\n"}]},
    {"items": [{"key": "e0 "}]},
    {"items": [{"key": "a", "parent": "e0\n"}]},
    {"items": [{"key": "a", "related": ["e0\n"]}]},
    {"items": [{"key": "a", "children": [{"key": "b\n"}]}]},
    {"items": [{"key": "a", "fields": {"Custom.Risk\n": "High"}}]},
    {"items": [{"key": "a", "startDate": "2026-01-15\n"}]},
    {"items": [{"key": "a", "startDate": "\u0662\u0660\u0662\u0666-01-15"}]},  # Arabic-Indic digits
]


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_draft_2020_12_and_documented(name: str) -> None:
    schema = json.loads((SCHEMAS / name).read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert load_schema(name) == schema  # the package ships the same file

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, sub in node.get("properties", {}).items():
                assert "description" in sub or "$ref" in sub, f"{path}.{key}"
            for key, sub in node.items():
                walk(sub, f"{path}.{key}")

    walk(schema, "")


@pytest.mark.parametrize("document", VALID_MANIFESTS)
def test_valid_examples(document: Any) -> None:
    assert list(Draft202012Validator(load_schema(NAMES[0])).iter_errors(document)) == []
    assert compile_schema(load_schema(NAMES[0]))(document)


@pytest.mark.parametrize("document", INVALID_MANIFESTS)
def test_invalid_examples(document: Any) -> None:
    assert list(Draft202012Validator(load_schema(NAMES[0])).iter_errors(document))
    assert not compile_schema(load_schema(NAMES[0]))(document)


def test_schema_examples_are_valid() -> None:
    for name in NAMES:
        schema = load_schema(name)
        for example in schema["examples"]:
            assert Draft202012Validator(schema).is_valid(example)


def test_fastschema_refuses_unknown_keywords() -> None:
    with pytest.raises(ValueError, match="does not support the keyword 'if'"):
        compile_schema({"if": {"type": "string"}})


TEXTS = ["", "a", "Task", "a;b", "2026-01-15", "x.y", "has space", "witsync/v1", "a\n", "x.y\n",
         "2026-01-15\n", " a", "a\r\n"]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 6),
    st.floats(-2, 5, allow_nan=False),
    st.sampled_from(TEXTS),
)
KEYS = st.sampled_from(
    ["key", "type", "title", "priority", "tags", "parent", "related", "fields", "children",
     "id", "storyPoints", "state", "ignore", "Custom.X", "x-a", "titel", "items", "scope"]
)  # fmt: skip
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, DOCUMENTS, max_size=4))
def test_fast_path_agrees_with_jsonschema(document: dict[str, Any]) -> None:
    for name in NAMES:
        assert fast_validator(name)(document) == validator(name).is_valid(document)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(KEYS, DOCUMENTS, max_size=5), max_size=3))
def test_fast_path_agrees_on_items(items: list[dict[str, Any]]) -> None:
    document = {"items": [{"key": "k", **item} for item in items]}
    assert fast_validator(NAMES[0])(document) == validator(NAMES[0]).is_valid(document)


BOUNDARIES = [None, True, False, 0, 1, 2.0, 2.5, 4, 5, -1, -0.5, "", "a", "a" * 255, "a" * 256,
              "2026-01-15", "2026-01-15\n", "x;y", "x" * 400, "x" * 401, [], ["a", "a"],
              ["a"]]  # fmt: skip


@pytest.mark.parametrize("name", ["title", "priority", "storyPoints", "startDate", "tags", "key"])
@pytest.mark.parametrize("value", BOUNDARIES)
def test_fast_path_agrees_at_the_bounds(name: str, value: Any) -> None:
    """The fused text and number checks: lengths, ranges, whole numbers, null, booleans."""
    document = {"items": [{"key": "k", name: value}] if name != "key" else [{"key": value}]}
    assert fast_validator(NAMES[0])(document) == validator(NAMES[0]).is_valid(document)


def _patterns(node: Any) -> list[str]:
    """Every regular expression a schema holds: `pattern` values and `patternProperties` keys."""
    found: list[str] = []
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            found.append(node["pattern"])
        found += list(node.get("patternProperties", {}))
        for sub in node.values():
            found += _patterns(sub)
    elif isinstance(node, list):
        for sub in node:
            found += _patterns(sub)
    return found


PATTERNS = sorted({p for name in ALL_NAMES for p in _patterns(load_schema(name))})


def test_every_pattern_is_found() -> None:
    assert len(PATTERNS) >= 7  # scope, key, field names, tags, dates, org, x- (the walk works)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_pattern_reads_alike_in_ecma_262_and_python(pattern: str) -> None:
    assert check_portable(pattern) == pattern


@pytest.mark.parametrize(
    ("pattern", "advice"),
    [
        ("^[a-z]+$", r"end the value with \$\(\?!\\n\)"),
        ("^[0-9]+$|^x$(?!\\n)", "bare '\\$'"),
        ("^\\d{4}$(?!\\n)", r"write \[0-9\]"),
        ("^a\\Z", "ECMA-262"),
        ("^[\\w.]+$(?!\\n)", "explicit class"),
        ("[]a]", "as \\\\]"),
    ],
)
def test_a_pattern_python_reads_differently_is_refused(pattern: str, advice: str) -> None:
    with pytest.raises(ValueError, match=advice):
        check_portable(pattern)
    # ...and so the fast path refuses to compile a schema that has one: never silently looser.
    with pytest.raises(ValueError, match=advice):
        compile_schema({"type": "string", "pattern": pattern})
    with pytest.raises(ValueError, match=advice):
        compile_schema({"patternProperties": {pattern: True}})


def test_escaped_and_class_dollars_are_literal() -> None:
    for pattern in ("^a\\$b$(?!\\n)", "^[$]+$(?!\\n)", "^x-"):
        assert check_portable(pattern) == pattern


PROBES = [
    "web-team", "web-team\n", "web-team\r\n", " web-team", "web-team ", "\nweb-team", "a",
    "sign-in\n", "Custom.Risk", "Custom.Risk\n", "2026-01-15", "2026-01-15\n",
    "2026-01-15T10:00:00Z", "\u0662\u0660\u0662\u0666-01-15", "identity", "a;b", "q3\n",
    "https://dev.azure.com/fabrikam", "https://dev.azure.com/fabrikam\n", "https://a b", "x-a",
    "/fields/System.Title", "", "\u00e9t\u00e9",
]  # fmt: skip


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_patterns_give_the_same_verdicts_in_javascript_and_python() -> None:
    # What an editor (yaml-language-server: JavaScript, `u` flag) accepts, witsync accepts, and
    # the reverse: run every bundled pattern on the same probes in both engines.
    script = (
        "const [patterns, probes] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const verdicts = patterns.map(p => probes.map(s => new RegExp(p, 'u').test(s)));"
        "console.log(JSON.stringify(verdicts));"
    )
    answer = subprocess.run(
        ["node", "-e", script],
        input=json.dumps([PATTERNS, PROBES]),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    in_javascript = json.loads(answer.stdout)
    in_python = [[re.search(p, s) is not None for s in PROBES] for p in PATTERNS]
    disagreements = [
        (pattern, probe)
        for pattern, js_row, py_row in zip(PATTERNS, in_javascript, in_python, strict=True)
        for probe, js, py in zip(PROBES, js_row, py_row, strict=True)
        if js != py
    ]
    assert disagreements == []
