"""Load a manifest set: find the files, check them, build the `Desired` the planner uses.

Every problem in every file is collected before anything is raised, so one run reports them all.
The work per file: bounded safe YAML (`yamlsource`), the JSON Schema (`schemacheck`), then this
module turns each item into a `DesiredItem` (defaults, friendly names, ownership), and `graph`
checks keys, parents and links across the set.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from witsync.errors import Diagnostic, ManifestError
from witsync.loading.fieldnames import FRIENDLY_FIELDS, canonical_reference_name, display_name
from witsync.loading.graph import check_graph
from witsync.loading.options import CONFIG_NAMES, LoadOptions
from witsync.loading.ownership import read_layer
from witsync.loading.process import check_against_process
from witsync.loading.schema import check, valid_items
from witsync.loading.yamlsource import (
    MAX_FILE_BYTES,
    MEGABYTE,
    Mark,
    YamlMap,
    YamlSeq,
    no_cyclic_gc,
    parse_yaml,
    read_text,
)
from witsync.marker import TAG_PREFIX
from witsync.model import (
    REL_PREDECESSOR,
    REL_RELATED,
    REL_SUCCESSOR,
    Desired,
    DesiredItem,
    DesiredLink,
    FieldValue,
    Location,
    Ownership,
    tag_list,
)

__all__ = [
    "LoadOptions",
    "LoadReport",
    "check_against_process",
    "find_manifests",
    "load",
    "load_report",
]

MANIFEST_SUFFIXES = (".yaml", ".yml")
API_VERSION = "witsync/v1"
SCHEMA = "manifest.schema.json"
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


@dataclass(frozen=True)
class LoadReport:
    """A valid set and the warnings found while loading it."""

    desired: Desired
    warnings: tuple[Diagnostic, ...] = ()


def load(paths: Sequence[Path], options: LoadOptions) -> Desired:
    """The manifest set under `paths`; raises ManifestError listing every problem."""
    return load_report(paths, options).desired


def load_report(paths: Sequence[Path], options: LoadOptions) -> LoadReport:
    """As `load`, also returning warnings (which never fail a load)."""
    with no_cyclic_gc():
        return _load(paths, options)


def _load(paths: Sequence[Path], options: LoadOptions) -> LoadReport:
    files, problems = find_manifests(paths)
    oversized = _over_set_limit(files, options)
    if oversized is not None:  # before reading anything: the sizes alone say no
        raise ManifestError(sorted([*problems, oversized], key=_order))
    digest = hashlib.sha256()
    items: list[DesiredItem] = []
    scopes: list[tuple[str, Location]] = []
    projects: list[tuple[str, Location]] = []
    complete = True  # every file's top level was read: the set's scope is known
    unverified: set[str] | None = set()  # keys of items that failed; None: any key may
    for path in sorted(files, key=str):
        name = str(path)
        data = _read(path, name, problems)
        if data is not None:
            digest.update(name.encode() + b"\0" + data + b"\0")
        loaded = _checked_root(data, name, problems) if data is not None else None
        if loaded is None:
            complete, unverified = False, None
            continue
        root, usable = loaded
        for prop, found in (("scope", scopes), ("project", projects)):
            if isinstance(root.get(prop), str):
                found.append((root[prop], _loc(name, root.value_marks[prop])))
        if usable is None:
            complete, unverified = False, None
            continue
        if unverified is not None:
            for entry, ok in zip(root.get("items", ()), usable, strict=True):
                if not ok:
                    unverified.update(_keys_within(entry))
        if "apiVersion" not in root:
            problems.append(
                Diagnostic(
                    "warning",
                    f"no apiVersion: read as {API_VERSION}",
                    _loc(name, root.mark),
                    f"add `apiVersion: {API_VERSION}` so that later versions of witsync read "
                    "this file the same way",
                )
            )
        reader = _FileReader(name, root, options.ownership)
        items.extend(reader.items(usable))
        problems.extend(reader.problems)
    scope = _agree("scope", scopes, options.scope, problems)
    project = _agree("project", projects, options.project, problems)
    if scope is None and files and complete:  # a file that failed may have named it
        problems.append(
            Diagnostic(
                "error",
                "no scope: nothing says which manifest set owns these items",
                None,
                "add `scope: <name>` to the manifests or witsync.yaml, or pass --scope",
            )
        )
    checked, graph_problems = check_graph(
        items, unverified=None if unverified is None else frozenset(unverified)
    )
    problems.extend(graph_problems)
    errors = [p for p in problems if p.severity == "error"]
    warnings = tuple(p for p in problems if p.severity == "warning")
    if errors:
        raise ManifestError(sorted(problems, key=_order))
    assert scope is not None
    desired = Desired(
        scope=scope,
        items=checked,
        files=tuple(str(path) for path in sorted(files, key=str)),
        digest=digest.hexdigest(),
        project=project,
    )
    return LoadReport(desired, warnings)


def _checked_root(
    data: bytes, name: str, problems: list[Diagnostic]
) -> tuple[YamlMap, list[bool] | None] | None:
    """The file's top-level mapping and which of its items passed the schema (None: the top
    level failed, so none can be used); None when the file has no usable mapping."""
    text, problem = read_text(data, name)
    if problem is not None:
        problems.append(problem)
        return None
    assert text is not None
    parsed = parse_yaml(text, name)
    problems.extend(parsed.diagnostics)
    root = parsed.root
    if not parsed.ok:
        return None
    if root is None:
        problems.append(
            Diagnostic(
                "error",
                "empty manifest",
                Location(name, 1, 1),
                "a manifest has `items:` (see schemas/manifest.schema.json)",
            )
        )
        return None
    schema_problems = check(root, SCHEMA, name)
    if not isinstance(root, YamlMap):
        problems.extend(schema_problems)
        return None
    if not {"items", "apiVersion"} & root.keys():
        problems.append(
            Diagnostic(
                "error",
                "not a witsync manifest: it has no `items:`",
                _loc(name, root.mark),
                "give witsync only folders and files of manifests",
            )
        )
        return None
    problems.extend(schema_problems)
    if not schema_problems:
        return root, [True] * len(root.get("items", ()))
    return root, valid_items(root, SCHEMA)


def _keys_within(entry: Any) -> Iterator[str]:
    """Every key an item that failed the schema declares, its nested children's too."""
    if isinstance(entry, YamlMap):
        if isinstance(entry.get("key"), str):
            yield entry["key"]
        children = entry.get("children")
        if isinstance(children, YamlSeq):
            for child in children:
                yield from _keys_within(child)


def find_manifests(paths: Sequence[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Every file named and every `*.yaml`/`*.yml` below the named folders (hidden folders and
    witsync.yaml skipped), each once; a problem for a path that does not exist or no manifest."""
    found: dict[Path, None] = {}
    problems: list[Diagnostic] = []
    for path in paths:
        if path.is_file():
            if path.name not in CONFIG_NAMES:  # `witsync validate *.yaml` globs it too
                found.setdefault(path, None)
        elif path.is_dir():
            for candidate in sorted(_walk(path), key=str):
                found.setdefault(candidate, None)
        else:
            problems.append(
                Diagnostic("error", f"{path}: no such file or folder", None, "check the path")
            )
    if not found and not problems:
        shown = ", ".join(str(p) for p in paths) or "."
        problems.append(
            Diagnostic(
                "error",
                f"no manifests (*.yaml, *.yml) in {shown}",
                None,
                "give the folder or files that hold the manifests",
            )
        )
    return list(found), problems


def _walk(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*"):
        relative = path.relative_to(folder).parts
        if any(part.startswith(".") for part in relative):
            continue  # .git, .witsync, .venv...
        if path.suffix in MANIFEST_SUFFIXES and path.name not in CONFIG_NAMES and path.is_file():
            yield path


LARGEST_SHOWN = 3
"""Files named when a set is over its size limit: where the bytes are, without a long list."""


def _over_set_limit(files: Sequence[Path], options: LoadOptions) -> Diagnostic | None:
    """An error when the files together exceed `options.max_set_bytes`, from their sizes alone.

    Memory and time grow with the whole set (about 20 MB and 0.4 s per MB of YAML), so a set of
    files each under the per-file limit could still take gigabytes; nothing is read when over."""
    sizes: list[tuple[int, str]] = []
    for path in files:
        try:
            sizes.append((path.stat().st_size, str(path)))
        except OSError:
            continue  # `_read` reports it
    total = sum(size for size, _ in sizes)
    limit = options.max_set_bytes
    if total <= limit:
        return None
    largest = sorted(sizes, key=lambda entry: (-entry[0], entry[1]))[:LARGEST_SHOWN]
    named = ", ".join(f"{name} ({_size(size)})" for size, name in largest)
    where = options.config_file or "witsync.yaml"
    wanted = -(-total // MEGABYTE)  # whole MB, rounded up
    over, most = _size(total), _size(limit)
    if over == most:  # "1.0 MB, over the limit of 1.0 MB" would read as a mistake
        over, most = f"{total:,} bytes", f"{limit:,} bytes"
    return Diagnostic(
        "error",
        f"the manifest set is {over} in {len(sizes)} file{'s' if len(sizes) != 1 else ''}, "
        f"over the limit of {most} for one set; largest: {named}",
        None,
        f"load fewer folders or files at once, or raise the limit with `maxSetSizeMB: {wanted}` "
        f"in {where} (loading takes about 20 MB of memory per MB of YAML)",
    )


def _size(count: int) -> str:
    if count >= MEGABYTE:
        return f"{count / MEGABYTE:.1f} MB"
    if count >= 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count} bytes"


def _read(path: Path, name: str, problems: list[Diagnostic]) -> bytes | None:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            # Checked before reading, so a huge file costs no memory.
            problems.append(
                Diagnostic(
                    "error",
                    f"file is {size / 1024 / 1024:.1f} MB; the limit for one manifest is "
                    f"{MAX_FILE_BYTES // 1024 // 1024} MB",
                    Location(name, 1, 1),
                    "split the items over several files",
                )
            )
            return None
        with path.open("rb") as handle:
            # Bounded even if the file grew since: `read_text` refuses what is over the limit.
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        problems.append(Diagnostic("error", f"cannot read {name}: {error.strerror}"))
        return None


def _agree(
    prop: str,
    found: list[tuple[str, Location]],
    fallback: str | None,
    problems: list[Diagnostic],
) -> str | None:
    """The one value the files (or, when none states it, the options) give; else an error."""
    if not found:
        return fallback
    value, first = found[0]
    for other, where in found[1:]:
        if other != value:
            problems.append(
                Diagnostic(
                    "error",
                    f"{prop} '{other}' differs from {prop} '{value}' at {first}",
                    where,
                    f"one set has one {prop}: load files of another {prop} in a separate run",
                )
            )
    if fallback is not None and fallback != value:
        problems.append(
            Diagnostic(
                "error",
                f"{prop} '{value}' differs from {prop} '{fallback}' given by witsync.yaml or "
                f"--{prop}",
                first,
                "make them agree, or drop one of them",
            )
        )
    return value


def _order(diagnostic: Diagnostic) -> tuple[int, Location]:
    location = diagnostic.location
    return (0, Location("", 0, 0)) if location is None else (1, location)


def _loc(file: str, mark: Mark) -> Location:
    return Location(file, mark[0], mark[1])


@dataclass
class _Written:
    """The fields one mapping (an item or `defaults`) writes."""

    values: dict[str, FieldValue] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)


class _FileReader:
    """Turns one schema-valid manifest into DesiredItems (in file order, children after parents)."""

    def __init__(self, file: str, root: YamlMap, base: Mapping[str, Ownership]) -> None:
        self.file = file
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
        location = _loc(self.file, entry.mark)
        item_type = self._get(entry, "type")
        if item_type is None:
            self._error(f"item '{key}' has no type", location, "add `type:` (e.g. User Story)")
        adopt_id = entry.get("id")
        written = self._fields(entry)
        for ref, value in self.default_fields.values.items():
            written.values.setdefault(ref, value)
            written.locations.setdefault(ref, self.default_fields.locations[ref])
        if "System.Title" not in written.values and adopt_id is None:
            self._error(
                f"item '{key}' has no title",
                location,
                "add `title:` (a new work item needs one), or `id:` to adopt an existing item",
            )
        layer, problems = read_layer(entry, self.file)
        self.problems.extend(problems)
        modes = {**self.base, **{ref.lower(): mode for ref, mode in layer.items()}}
        ownership: dict[str, Ownership] = {
            ref: modes.get(ref.lower(), "managed") for ref in written.values
        }
        parent, parent_location = self._parent(entry, key, nested_under)
        out.append(
            DesiredItem(
                key=key,
                type=str(item_type or ""),
                fields=written.values,
                location=location,
                parent=parent,
                links=self._links(entry),
                adopt_id=adopt_id,
                ownership=ownership,
                field_locations=written.locations,
                parent_location=parent_location,
            )
        )
        for child in entry.get("children", ()):
            self._item(child, key, out)

    def _get(self, entry: YamlMap, prop: str) -> Any:
        return entry[prop] if prop in entry else self.defaults.get(prop)

    def _parent(
        self, entry: YamlMap, key: str, nested_under: str | None
    ) -> tuple[str | int | None, Location | None]:
        if nested_under is not None:
            if entry.get("parent") == nested_under:
                self._error(
                    f"'{key}' is nested under '{nested_under}' and also names it with `parent:`",
                    _loc(self.file, entry.key_marks["parent"]),
                    f"remove `parent: {nested_under}`: being nested already makes "
                    f"'{nested_under}' its parent",
                )
            elif "parent" in entry:
                self._error(
                    f"'{key}' has a second parent: it is nested under '{nested_under}' and also "
                    f"names parent {entry['parent']!r}",
                    _loc(self.file, entry.key_marks["parent"]),
                    "a work item has one parent: remove `parent:` or move the item out of "
                    "`children:`",
                )
            return nested_under, _loc(self.file, entry.mark)
        source = entry if "parent" in entry else self.defaults
        if "parent" not in source:
            return None, None
        parent: str | int = source["parent"]
        return parent, _loc(self.file, source.value_marks["parent"])

    def _links(self, entry: YamlMap) -> tuple[DesiredLink, ...]:
        links = []
        for prop, rel in LINK_PROPERTIES.items():
            targets = entry.get(prop)
            if isinstance(targets, YamlSeq):
                for target, mark in zip(targets, targets.item_marks, strict=True):
                    links.append(DesiredLink(rel, target, _loc(self.file, mark)))
        return tuple(links)

    def _fields(self, mapping: YamlMap) -> _Written:
        """Friendly names and `fields:` of one mapping, by reference name."""
        written = _Written()
        for name, value in mapping.items():
            ref = FRIENDLY_FIELDS.get(name)
            if ref is not None:
                written.values[ref] = self._finite(_value(ref, value), mapping, name)
                written.locations[ref] = _loc(self.file, mapping.key_marks[name])
        extra = mapping.get("fields")
        if isinstance(extra, YamlMap):
            by_lower = {ref.lower(): ref for ref in written.values}
            for written_ref, value in extra.items():
                where = _loc(self.file, extra.key_marks[written_ref])
                ref = canonical_reference_name(written_ref)
                if ref.lower() in RESERVED_FIELDS:
                    self._error(
                        f"{written_ref} cannot be written", where, RESERVED_FIELDS[ref.lower()]
                    )
                elif ref.lower() in by_lower:
                    same = by_lower[ref.lower()]
                    self._error(
                        f"{written_ref} is written twice: here and as '{display_name(same)}' at "
                        f"{written.locations[same]}",
                        where,
                        "write each field once",
                    )
                else:
                    written.values[ref] = self._finite(_value(ref, value), extra, written_ref)
                    written.locations[ref] = where
        tags = written.values.get("System.Tags")
        if isinstance(tags, tuple):
            for tag in tags:
                if tag.lower().startswith(TAG_PREFIX):
                    self._error(
                        f"tag '{tag}' uses the reserved prefix '{TAG_PREFIX}'",
                        written.locations["System.Tags"],
                        "witsync adds its scope tag itself",
                    )
        return written

    def _finite(self, value: FieldValue, mapping: YamlMap, key: str) -> FieldValue:
        """`value`, after reporting it if it is infinite or NaN (YAML has them; JSON does not)."""
        if isinstance(value, float) and not math.isfinite(value):
            self._error(
                f"{key} is not a finite number ({value})",
                _loc(self.file, mapping.value_marks.get(key, mapping.key_marks[key])),
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
