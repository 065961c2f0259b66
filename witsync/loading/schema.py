"""Checks parsed YAML against a bundled JSON Schema and words each violation for a person."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from witsync.errors import Diagnostic
from witsync.loading.fastschema import Predicate, compile_schema
from witsync.loading.fieldnames import did_you_mean
from witsync.loading.yamlsource import Mark, YamlMap, YamlSeq, mark_location
from witsync.model import Location
from witsync.text import one_line

_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
    "array": "a list",
    "object": "a mapping",
}


@cache
def load_schema(name: str) -> Mapping[str, Any]:
    """A schema shipped in `witsync/schemas` (the repository's `schemas/` folder)."""
    text = resources.files("witsync.schemas").joinpath(name).read_text(encoding="utf-8")
    schema: Mapping[str, Any] = json.loads(text)
    return schema


@cache
def validator(name: str) -> Draft202012Validator:
    """One validator per schema, built once: its `$ref`s are resolved on first use and kept."""
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@cache
def fast_validator(name: str) -> Predicate:
    return compile_schema(load_schema(name))


ITEMS = "items"
ITEM_DEF = "item"
"""A top-level `items` list checked one element at a time against `$defs/item`, when the
schema has them: `jsonschema` then reads only the items with errors, not the whole file."""


@cache
def _item_validators(name: str) -> tuple[Predicate, Draft202012Validator] | None:
    schema = load_schema(name)
    defs = schema.get("$defs", {})
    if ITEM_DEF not in defs:
        return None
    item_schema = {"$ref": f"#/$defs/{ITEM_DEF}", "$defs": defs}
    return compile_schema(item_schema), Draft202012Validator(item_schema)


def valid_items(root: Any, schema_name: str) -> list[bool] | None:
    """Which entries of the top-level `items` pass the schema, when everything else does;
    None when the top level itself fails (or the schema has no per-item definition)."""
    per_item = _item_validators(schema_name)
    items = root.get(ITEMS) if isinstance(root, YamlMap) else None
    if per_item is None or not isinstance(items, YamlSeq):
        return None
    top = dict(root)
    top[ITEMS] = []
    if not fast_validator(schema_name)(top):
        return None
    return [per_item[0](item) for item in items]


def check(root: Any, schema_name: str, file: str) -> list[Diagnostic]:
    """Every schema violation in `root`, as diagnostics sorted by place.

    The compiled predicate answers first; `jsonschema` runs only for a document with errors,
    and, for a manifest, only on its top level and on the items with errors."""
    if fast_validator(schema_name)(root):
        return []
    found: dict[tuple[Location, str], Diagnostic] = {}

    def report(errors: Iterable[ValidationError], prefix: tuple[Any, ...]) -> None:
        for error in errors:
            for diagnostic in _describe(error, root, file, prefix):
                found.setdefault(
                    (diagnostic.location or Location(file, 1, 1), diagnostic.message), diagnostic
                )

    items = root.get(ITEMS) if isinstance(root, YamlMap) else None
    per_item = _item_validators(schema_name)
    if per_item is not None and isinstance(items, YamlSeq):
        item_ok, item_validator = per_item
        top = YamlMap(root.mark)
        top.update(root)
        top[ITEMS] = YamlSeq(items.mark)
        top.key_marks, top.value_marks = root.key_marks, root.value_marks
        report(validator(schema_name).iter_errors(top), ())
        for index, item in enumerate(items):
            if not item_ok(item):
                report(item_validator.iter_errors(item), (ITEMS, index))
    else:
        report(validator(schema_name).iter_errors(root), ())
    return [found[key] for key in sorted(found)]


def _describe(
    error: ValidationError, root: Any, file: str, prefix: tuple[Any, ...]
) -> Iterable[Diagnostic]:
    path = [*prefix, *error.absolute_path]
    where = _value_mark(root, path)
    name = _name(path)
    instance = error.instance
    kind = error.validator
    if kind == "additionalProperties" and isinstance(instance, YamlMap):
        allowed = _allowed_properties(error.schema)
        patterns = (
            error.schema.get("patternProperties", {}) if isinstance(error.schema, Mapping) else {}
        )
        for key in instance:
            if key not in allowed and not any(re.search(p, key) for p in patterns):
                yield Diagnostic(
                    "error",
                    f"unknown property {_show(key)}" + (f" in {name}" if name else ""),
                    mark_location(file, instance.key_marks.get(key, where)),
                    did_you_mean(key, allowed) or _allowed_hint(allowed),
                )
        return
    # jsonschema reports a bad name as the failing keyword (`pattern`) inside `propertyNames`.
    if "propertyNames" in error.relative_schema_path and isinstance(instance, str):
        parent = _walk(root, path)
        mark = parent.key_marks.get(instance, where) if isinstance(parent, YamlMap) else where
        yield Diagnostic(
            "error",
            f"{_show(instance)} is not a reference name{_spaced(instance)}",
            mark_location(file, mark),
            "write fields by reference name, like Custom.Risk or Microsoft.VSTS.Common.Priority",
        )
        return
    if kind == "uniqueItems" and isinstance(instance, list):
        repeat = next(i for i, value in enumerate(instance) if value in instance[:i])
        yield Diagnostic(
            "error",
            f"{name or 'the document'} lists {_show(instance[repeat])} twice",
            mark_location(file, _value_mark(root, [*path, repeat])),
            "remove the second one",
        )
        return
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        owner = f"{name}" if name else "the document"
        yield Diagnostic(
            "error",
            f"{owner} is missing the required property '{missing}'",
            mark_location(file, where),
        )
        return
    yield Diagnostic(
        "error", _message(kind, error, name, instance), mark_location(file, where), _hint(error)
    )


def _message(kind: Any, error: ValidationError, name: str, instance: Any) -> str:
    subject = name or "the document"
    shown = _show(instance)
    argument: Any = error.validator_value
    if kind == "type":
        wanted = argument if isinstance(argument, list) else [argument]
        words = [_TYPE_WORDS.get(str(t), str(t)) for t in wanted]
        return f"{subject} must be {' or '.join(words)}, not {shown}"
    if kind == "const":
        return f"{subject} must be {_show(argument)}, not {shown}"
    if kind == "enum":
        options = ", ".join(_show(v) for v in argument)
        return f"{subject} must be one of {options}, not {shown}"
    if kind in {"minimum", "maximum"}:
        bound = "at least" if kind == "minimum" else "at most"
        return f"{subject} must be {bound} {argument}, not {shown}"
    if kind == "minLength":
        return f"{subject} must not be empty"
    if kind == "maxLength":
        return f"{subject} is longer than {argument} characters"
    if kind in {"pattern", "anyOf", "oneOf"}:
        return f"{subject} has an invalid value {shown}{_spaced(instance)}"
    return f"{subject}: {error.message}"


def _spaced(value: Any) -> str:
    """Why a value that looks right is not: `key: |` keeps a final line break, and the board,
    which trims names, would read it as another one."""
    if isinstance(value, str) and value != value.strip():
        return ": it starts or ends with a space or a line break"
    return ""


def _hint(error: ValidationError) -> str | None:
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    examples = schema.get("examples")
    if error.validator in {"anyOf", "oneOf"} and not examples:
        return None
    if examples:
        return "for example: " + ", ".join(_show(e) for e in examples[:3])
    if error.validator == "pattern":
        description = schema.get("description")
        return str(description) if description else f"it must match {error.validator_value}"
    return None


def _allowed_hint(allowed: list[str]) -> str | None:
    """The properties a mapping takes, when they are few enough to read in one line."""
    if not allowed or len(allowed) > 12:
        return None
    return "allowed here: " + ", ".join(allowed)


def _allowed_properties(schema: Any) -> list[str]:
    if isinstance(schema, Mapping):
        properties = schema.get("properties", {})
        if isinstance(properties, Mapping):
            return list(properties)
    return []


def _walk(root: Any, path: list[Any]) -> Any:
    node = root
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _value_mark(root: Any, path: list[Any]) -> Mark:
    """Where the value at `path` was written (the closest enclosing place if unknown)."""
    node = root
    mark: Mark = root.mark if isinstance(root, YamlMap | YamlSeq) else (1, 1)
    for step in path:
        if isinstance(node, YamlMap) and step in node:
            mark = node.value_marks.get(step, mark)
        elif isinstance(node, YamlSeq) and isinstance(step, int) and step < len(node):
            mark = node.item_marks[step]
        else:
            break
        node = node[step]
    return mark


def _name(path: list[Any]) -> str:
    """`items[3].children[0].priority` -> `priority`; a list item is named by its list."""
    names = [step for step in path if isinstance(step, str)]
    if not names:
        return ""
    if isinstance(path[-1], int):
        return f"an entry of {names[-1]}"
    return names[-1]


def _show(value: Any) -> str:
    if isinstance(value, YamlMap):
        return "a mapping"
    if isinstance(value, YamlSeq):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # One line, control characters written out: the message goes to terminals and CI logs.
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"'{one_line(text)}'"
    return json.dumps(value) if isinstance(value, list | dict) else str(value)
