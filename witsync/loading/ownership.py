"""Per-field ownership lists (`createOnly`, `manage`, `ignore`) of witsync.yaml, defaults, an item.

Layers, later winning per field: the built-in default (state, assignedTo, remainingWork and
completedWork are create-only), witsync.yaml, a file's `defaults`, the item itself. A field that
no layer names is managed.
"""

from __future__ import annotations

from collections.abc import Mapping

from witsync.errors import Diagnostic
from witsync.loading.fieldnames import FRIENDLY_FIELDS, did_you_mean, resolve_field_name
from witsync.loading.yamlsource import YamlMap, YamlSeq, mark_location
from witsync.model import Ownership

OWNERSHIP_KEYS: Mapping[str, Ownership] = {
    "createOnly": "create-only",
    "manage": "managed",
    "ignore": "ignored",
}
"""YAML property -> the mode it gives the fields it lists."""


def read_layer(mapping: YamlMap, file: str) -> tuple[dict[str, Ownership], list[Diagnostic]]:
    """The modes one layer sets, by reference name (the mapping has passed its schema)."""
    layer: dict[str, Ownership] = {}
    named_in: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for prop, mode in OWNERSHIP_KEYS.items():
        names = mapping.get(prop)
        if not isinstance(names, YamlSeq):
            continue
        for name, mark in zip(names, names.item_marks, strict=True):
            where = mark_location(file, mark)
            ref = resolve_field_name(name) if isinstance(name, str) else None
            if ref is None:
                problems.append(
                    Diagnostic(
                        "error",
                        f"unknown field name '{name}' in {prop}",
                        where,
                        did_you_mean(str(name), FRIENDLY_FIELDS)
                        or "use a friendly name (state, assignedTo...) or a reference name",
                    )
                )
                continue
            if ref in named_in and named_in[ref] != prop:
                problems.append(
                    Diagnostic(
                        "error",
                        f"'{name}' is listed in both {named_in[ref]} and {prop}",
                        where,
                        "a field has one mode: keep it in one list",
                    )
                )
                continue
            named_in[ref] = prop
            layer[ref] = mode
    return layer, problems
