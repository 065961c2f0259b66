"""Load a manifest set: find the files, check them, build the `Desired` the planner uses.

Every problem in every file is collected before anything is raised, so one run reports them all.
This module runs the steps: `files` finds and reads the manifests (within the size caps), then
per file bounded safe YAML (`yamlsource`), the JSON Schema (`schema`) and `items`, which turns
each item into a `DesiredItem` (defaults, friendly names, ownership); across the set, the files
must agree on scope and project, and `graph` checks keys, parents and links.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from witsync.errors import Diagnostic, ManifestError
from witsync.loading.files import find_manifests, over_set_limit, read_manifest
from witsync.loading.graph import check_graph
from witsync.loading.items import FileReader
from witsync.loading.options import LoadOptions
from witsync.loading.process import check_against_process
from witsync.loading.schema import check, valid_items
from witsync.loading.yamlbuild import no_cyclic_gc
from witsync.loading.yamlsource import YamlMap, YamlSeq, mark_location, parse_yaml, read_text
from witsync.model import Desired, DesiredItem, Location

__all__ = [
    "LoadOptions",
    "LoadReport",
    "check_against_process",
    "find_manifests",
    "load",
    "load_report",
]

API_VERSION = "witsync/v1"
SCHEMA = "manifest.schema.json"


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
    oversized = over_set_limit(files, options)
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
        data = read_manifest(path, name, problems)
        if data is not None:
            digest.update(name.encode() + b"\0" + data + b"\0")
        loaded = _checked_root(data, name, problems) if data is not None else None
        if loaded is None:
            complete, unverified = False, None
            continue
        root, usable = loaded
        for prop, found in (("scope", scopes), ("project", projects)):
            if isinstance(root.get(prop), str):
                found.append((root[prop], mark_location(name, root.value_marks[prop])))
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
                    mark_location(name, root.mark),
                    f"add `apiVersion: {API_VERSION}` so that later versions of witsync read "
                    "this file the same way",
                )
            )
        reader = FileReader(name, root, options.ownership, exact_tags=options.exact_tags)
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
                mark_location(name, root.mark),
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
