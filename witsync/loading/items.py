"""One manifest's items: schema-valid YAML to `DesiredItem`s (defaults, friendly names, links).

Per file and pure: what the set as a whole must satisfy (unique keys, known parents, no cycles)
is `graph`'s, and finding and reading the files is `files`'.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from witsync.errors import Diagnostic
from witsync.loading.fieldnames import FRIENDLY_FIELDS, canonical_reference_name, display_name
from witsync.loading.ownership import OWNERSHIP_KEYS, read_layer
from witsync.loading.places import PlaceBook
from witsync.loading.yamlbuild import Mark
from witsync.loading.yamlsource import YamlMap, YamlSeq, mark_location
from witsync.marker import TAG_PREFIX
from witsync.model import (
    REL_PREDECESSOR,
    REL_RELATED,
    REL_SUCCESSOR,
    DesiredItem,
    DesiredLink,
    FieldValue,
    Location,
    Ownership,
    tag_list,
)

LINK_PROPERTIES = {
    "related": REL_RELATED,
    "predecessors": REL_PREDECESSOR,
    "successors": REL_SUCCESSOR,
}
RESERVED_FIELDS = {
    "system.id": "the id comes from the board; adopt an existing item with `id:`",
    "system.rev": "the revision comes from the board",
    "system.workitemtype": "set the type with `type:`",
    "system.teamproject": "set the project with `project:` or witsync.yaml",
}
"""Reference names `fields:` may not write, and what to do instead."""
TAGS = "System.Tags"
_FRIENDLY: dict[str, str] = dict(FRIENDLY_FIELDS)
"""A plain dict: looked up for every property of every item (a mapping proxy is slower)."""
SHARED_TEXT = 80
"""Texts up to this long are held once per file however many items state them."""


@dataclass
class _Written:
    """The fields one mapping (an item or `defaults`) writes."""

    values: dict[str, FieldValue] = field(default_factory=dict)
    marks: dict[str, Mark] = field(default_factory=dict)
    """Where each was written, in this file (a Location is made only when one is shown)."""


class FileReader:
    """Turns one schema-valid manifest into DesiredItems (in file order, children after parents)."""

    def __init__(
        self, file: str, root: YamlMap, base: Mapping[str, Ownership], *, exact_tags: bool = False
    ) -> None:
        self.file = file
        self._places = PlaceBook(file)
        self._ownerships: dict[tuple[str, ...], dict[str, Ownership]] = {}
        self._texts: dict[str, str] = {}
        """Short texts items repeat (types, paths, states), held once per file."""
        self.exact_tags = exact_tags  # witsync.yaml's; `defaults:` and the item may override it
        self.problems: list[Diagnostic] = []
        defaults = root.get("defaults")
        self.defaults: YamlMap = defaults if isinstance(defaults, YamlMap) else YamlMap((1, 1))
        self.default_fields = self._fields(self.defaults)
        layer, problems = read_layer(self.defaults, file)
        self.problems.extend(problems)
        # Keyed by lower-case reference name: Azure DevOps reads field names in any case.
        self.base: dict[str, Ownership] = {
            ref.lower(): mode for ref, mode in (*base.items(), *layer.items())
        }
        self.root = root

    def items(self, usable: Sequence[bool]) -> list[DesiredItem]:
        """The items that passed the schema (`usable`, by position), children after parents."""
        result: list[DesiredItem] = []
        for entry, ok in zip(self.root.get("items", ()), usable, strict=True):
            if ok:
                self._item(entry, None, result)
        return result

    def _item(self, entry: YamlMap, nested_under: str | None, out: list[DesiredItem]) -> None:
        key: str = entry["key"]
        location = mark_location(self.file, entry.mark)
        item_type = self._get(entry, "type")
        if item_type is None:
            self._error(f"item '{key}' has no type", location, "add `type:` (e.g. User Story)")
        adopt_id = entry.get("id")
        written = self._fields(entry)
        for ref, value in written.values.items():
            if type(value) is str and len(value) <= SHARED_TEXT:  # paths, states, people...
                written.values[ref] = self._texts.setdefault(value, value)
        for ref, value in self.default_fields.values.items():
            written.values.setdefault(ref, value)
            written.marks.setdefault(ref, self.default_fields.marks[ref])
        if "System.Title" not in written.values and adopt_id is None:
            self._error(
                f"item '{key}' has no title",
                location,
                "add `title:` (a new work item needs one), or `id:` to adopt an existing item",
            )
        layer: Mapping[str, Ownership] = {}
        if not entry.keys().isdisjoint(OWNERSHIP_KEYS):  # most items have no layer of their own
            layer, problems = read_layer(entry, self.file)
            self.problems.extend(problems)
        refs = tuple(written.values)
        # Items without a layer of their own that state the same fields share one ownership
        # map (read-only in DesiredItem): memory and time at 100,000 items.
        ownership = None if layer else self._ownerships.get(refs)
        if ownership is None:
            modes = {**self.base, **{ref.lower(): mode for ref, mode in layer.items()}}
            ownership = {ref: modes.get(ref.lower(), "managed") for ref in refs}
            if not layer:
                self._ownerships[refs] = ownership
        parent, parent_location = self._parent(entry, key, nested_under)
        type_name = str(item_type or "")
        previous_keys = entry.get("previousKeys")
        out.append(
            DesiredItem(
                key=key,
                type=self._texts.setdefault(type_name, type_name),
                fields=written.values,
                location=location,
                parent=parent,
                links=self._links(entry) if not entry.keys().isdisjoint(LINK_PROPERTIES) else (),
                adopt_id=adopt_id,
                ownership=ownership,
                field_locations=self._places.places(written.marks),
                parent_location=parent_location,
                previous_keys=tuple(previous_keys) if previous_keys else (),
                exact_tags=bool(self._get(entry, "exactTags"))
                if self._has(entry, "exactTags")
                else self.exact_tags,
            )
        )
        for child in entry.get("children", ()):
            self._item(child, key, out)

    def _get(self, entry: YamlMap, prop: str) -> Any:
        return entry[prop] if prop in entry else self.defaults.get(prop)

    def _has(self, entry: YamlMap, prop: str) -> bool:
        return prop in entry or prop in self.defaults

    def _parent(
        self, entry: YamlMap, key: str, nested_under: str | None
    ) -> tuple[str | int | None, Location | None]:
        if nested_under is not None:
            if entry.get("parent") == nested_under:
                self._error(
                    f"'{key}' is nested under '{nested_under}' and also names it with `parent:`",
                    mark_location(self.file, entry.key_marks["parent"]),
                    f"remove `parent: {nested_under}`: being nested already makes "
                    f"'{nested_under}' its parent",
                )
            elif "parent" in entry:
                self._error(
                    f"'{key}' has a second parent: it is nested under '{nested_under}' and also "
                    f"names parent {entry['parent']!r}",
                    mark_location(self.file, entry.key_marks["parent"]),
                    "a work item has one parent: remove `parent:` or move the item out of "
                    "`children:`",
                )
            return nested_under, mark_location(self.file, entry.mark)
        source = entry if "parent" in entry else self.defaults
        if "parent" not in source:
            return None, None
        parent: str | int = source["parent"]
        return parent, mark_location(self.file, source.value_marks["parent"])

    def _links(self, entry: YamlMap) -> tuple[DesiredLink, ...]:
        links = []
        for prop, rel in LINK_PROPERTIES.items():
            targets = entry.get(prop)
            if isinstance(targets, YamlSeq):
                for target, mark in zip(targets, targets.item_marks, strict=True):
                    links.append(DesiredLink(rel, target, mark_location(self.file, mark)))
        return tuple(links)

    def _fields(self, mapping: YamlMap) -> _Written:
        """Friendly names and `fields:` of one mapping, by reference name."""
        written = _Written()
        values, marks, key_marks = written.values, written.marks, mapping.key_marks
        for name, value in mapping.items():
            ref = _FRIENDLY.get(name)
            if ref is not None:
                if ref == TAGS or isinstance(value, list | float):  # else stated as it is
                    value = self._finite(_value(ref, value), mapping, name)
                values[ref] = value
                marks[ref] = key_marks[name]
        extra = mapping.get("fields")
        if isinstance(extra, YamlMap):
            by_lower = {ref.lower(): ref for ref in written.values}
            for written_ref, value in extra.items():
                mark = extra.key_marks[written_ref]
                where = mark_location(self.file, mark)
                ref = canonical_reference_name(written_ref)
                if ref.lower() in RESERVED_FIELDS:
                    self._error(
                        f"{written_ref} cannot be written", where, RESERVED_FIELDS[ref.lower()]
                    )
                elif ref.lower() in by_lower:
                    same = by_lower[ref.lower()]
                    self._error(
                        f"{written_ref} is written twice: here and as '{display_name(same)}' at "
                        f"{mark_location(self.file, written.marks[same])}",
                        where,
                        "write each field once",
                    )
                else:
                    written.values[ref] = self._finite(_value(ref, value), extra, written_ref)
                    written.marks[ref] = mark
        tags = written.values.get("System.Tags")
        if isinstance(tags, tuple):
            for tag in tags:
                if tag.lower().startswith(TAG_PREFIX):
                    self._error(
                        f"tag '{tag}' uses the reserved prefix '{TAG_PREFIX}'",
                        mark_location(self.file, written.marks["System.Tags"]),
                        "witsync adds its scope tag itself",
                    )
        return written

    def _finite(self, value: FieldValue, mapping: YamlMap, key: str) -> FieldValue:
        """`value`, after reporting it if it is infinite or NaN (YAML has them; JSON does not)."""
        if isinstance(value, float) and not math.isfinite(value):
            self._error(
                f"{key} is not a finite number ({value})",
                mark_location(self.file, mapping.value_marks.get(key, mapping.key_marks[key])),
                "Azure DevOps and JSON plans have no infinity or NaN: write a number",
            )
        return value

    def _error(self, message: str, where: Location, hint: str | None = None) -> None:
        self.problems.append(Diagnostic("error", message, where, hint))


def _value(ref: str, value: Any) -> FieldValue:
    """YAML value -> desired value: tags become a tuple (from a list or `"a; b"`/`"a, b"` text)."""
    if ref.lower() == "system.tags" and value is not None:
        return tag_list(value if isinstance(value, list) else str(value))
    if isinstance(value, list):  # a multi-value field written by reference name
        return "; ".join(str(v) for v in value)
    result: FieldValue = value
    return result
