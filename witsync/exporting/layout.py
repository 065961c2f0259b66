"""A board selection as manifest files: nested children, one file per item or area, a header.

Children are nested under their parent; one file per top-level item or per area; an area or
iteration every item of a file shares goes into its `defaults:`; a header says where the file
came from, and a `witsync.yaml` goes beside the files.

Links between exported items are written once, by key, on the item with the lower id (the
loader reads a link from either end); links to items outside the export are written by id, as
is the parent of a top-level item that has one outside. Children are listed in backlog order
(stack rank or backlog priority, then id), files by name.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from witsync.exporting.emit import document, value_lines
from witsync.exporting.entries import (
    AREA,
    ITERATION,
    TITLE,
    Entries,
    links_of,
    parent_id,
)
from witsync.exporting.keys import assign_keys, slug
from witsync.exporting.values import YamlValue
from witsync.fields import display_name
from witsync.loading.options import CONFIG_NAMES
from witsync.marker import TAG_PREFIX, marker_keys, scope_tag
from witsync.model import JSON, LiveItem, Process
from witsync.text import one_line

API_VERSION = "witsync/v1"
HEADER_WIDTH = 98
Split = Literal["item", "area"]
ORDER_FIELDS = ("Microsoft.VSTS.Common.StackRank", "Microsoft.VSTS.Common.BacklogPriority")
SHARED_DEFAULTS = (AREA, ITERATION)
"""Fields moved into a file's `defaults:` when every item of the file has the same value."""


@dataclass(frozen=True)
class ExportFile:
    name: str
    text: str
    items: int


@dataclass(frozen=True)
class Export:
    files: tuple[ExportFile, ...]
    config: str
    """The text of the witsync.yaml that goes beside the files."""
    keys: Mapping[int, str]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """Where an export came from, for the header and witsync.yaml."""

    project: str
    scope: str
    where: str
    """`https://dev.azure.com/fabrikam` or `the local board .witsync/board.sqlite`."""
    selection: str
    """What was selected, as the command line said it: `--area 'Fabrikam\\Web'`."""
    org: str | None = None
    """Written into witsync.yaml (None for the local board)."""
    board: str | None = None
    """The local board file, relative to the output folder (None for an organization)."""
    config: Mapping[str, Any] = field(default_factory=dict)
    """Further witsync.yaml settings to carry over (ownership lists, process, removal)."""
    create_only: tuple[str, ...] = ()
    """Reference names that are create-only for this set, to say so in the header."""


def export_board(
    items: Mapping[int, LiveItem],
    selected: Sequence[int],
    *,
    source: Source,
    process: Process,
    defaults: Mapping[str, Mapping[str, JSON]],
    fields: Sequence[str],
    split: Split = "item",
) -> Export:
    """Manifests for the `selected` work items (all of them in `items`, with relations)."""
    chosen = [id for id in dict.fromkeys(selected) if id in items]
    inside = set(chosen)
    warnings = _other_scopes(items, chosen, source.scope)
    keys = assign_keys(
        {id: items[id].title for id in chosen},
        kept={
            id: found[0]
            for id in chosen
            if len(found := sorted(set(marker_keys(items[id], source.scope)))) == 1
        },
        types={id: items[id].type for id in chosen},
    )
    builder = Entries(process=process, defaults=defaults, fields=fields, keys=keys)
    children: dict[int, list[int]] = {}
    tops: list[int] = []
    for id in chosen:
        parent = parent_id(items[id])
        if parent is not None and parent in inside:
            children.setdefault(parent, []).append(id)
        else:
            tops.append(id)
    order = {id: _rank(items[id]) for id in chosen}
    for siblings in children.values():
        siblings.sort(key=order.__getitem__)
    tops.sort(key=order.__getitem__)

    groups = _group(tops, items, split, source.project, keys)
    files = []
    for name, members in groups:
        tree_ids = [id for top in members for id in _subtree(top, children)]
        shared = _shared(tree_ids, items, builder, defaults) if len(tree_ids) > 1 else {}
        entries = [
            _nested(top, items, builder, children, inside, shared, top=True) for top in members
        ]
        top_doc: dict[str, Any] = {"apiVersion": API_VERSION}
        if shared:
            top_doc["defaults"] = {display_name(ref): value for ref, value in shared.items()}
        top_doc["items"] = entries
        text = document(_header(source, len(tree_ids)), top_doc, items_key="items")
        files.append(ExportFile(name, text, len(tree_ids)))
    return Export(tuple(files), config_text(source), keys, tuple(warnings))


def _rank(item: LiveItem) -> tuple[float, int]:
    for ref in ORDER_FIELDS:
        value = item.fields.get(ref)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return (float(value), item.id)
    return (float("inf"), item.id)


def _subtree(top: int, children: Mapping[int, list[int]]) -> list[int]:
    out = [top]
    stack = list(reversed(children.get(top, [])))
    while stack:
        id = stack.pop()
        out.append(id)
        stack.extend(reversed(children.get(id, [])))
    return out


def _group(
    tops: Sequence[int],
    items: Mapping[int, LiveItem],
    split: Split,
    project: str,
    keys: Mapping[int, str],
) -> list[tuple[str, list[int]]]:
    """(file name, top-level ids) per file, in file name order."""
    groups: dict[str, list[int]] = {}
    if split == "item":
        for id in tops:
            groups[_file_name(keys[id])] = [id]
        return sorted(groups.items())
    by_area: dict[str, list[int]] = {}
    spelling: dict[str, str] = {}
    for id in tops:
        area = str(items[id].fields.get(AREA) or project)
        spelling.setdefault(area.casefold(), area)
        by_area.setdefault(area.casefold(), []).append(id)
    used: set[str] = set()
    for folded in sorted(by_area):
        area = spelling[folded]
        inner = area.split("\\", 1)[1] if "\\" in area else area
        name = slug(inner, fallback="area")
        candidate, n = name, 2
        while candidate in used:
            candidate, n = f"{name}-{n}", n + 1
        used.add(candidate)
        groups[_file_name(candidate)] = by_area[folded]
    return sorted(groups.items())


def _file_name(stem: str) -> str:
    """`<stem>.yaml`, except that a manifest is never called witsync.yaml (that is config)."""
    return f"{stem}-items.yaml" if f"{stem}.yaml" in CONFIG_NAMES else f"{stem}.yaml"


def _shared(
    ids: Sequence[int],
    items: Mapping[int, LiveItem],
    builder: Entries,
    defaults: Mapping[str, Mapping[str, JSON]],
) -> dict[str, YamlValue]:
    """The area and iteration every item of a file shares, when that is not the type default."""
    shared: dict[str, YamlValue] = {}
    for ref in SHARED_DEFAULTS:
        if ref not in builder.fields:
            continue
        values = {str(items[id].fields.get(ref) or "").casefold() for id in ids}
        if len(values) != 1:
            continue
        value = items[ids[0]].fields.get(ref)
        if not value or all(
            str(defaults.get(items[id].type, {}).get(ref, "")).casefold() == str(value).casefold()
            for id in ids
        ):
            continue
        shared[ref] = str(value)
    return shared


def _nested(
    id: int,
    items: Mapping[int, LiveItem],
    builder: Entries,
    children: Mapping[int, list[int]],
    inside: set[int],
    shared: Mapping[str, YamlValue],
    *,
    top: bool = False,
) -> dict[str, Any]:
    item = items[id]
    parent = parent_id(item) if top else None
    links = [(rel, target) for rel, target in links_of(item) if target not in inside or id < target]
    return builder.entry(
        item,
        children=[
            _nested(child, items, builder, children, inside, shared)
            for child in children.get(id, [])
        ],
        parent=parent,
        links=links,
        file_defaults=shared,
    )


def _other_scopes(items: Mapping[int, LiveItem], ids: Sequence[int], scope: str) -> list[str]:
    own = scope_tag(scope).casefold()
    warnings = []
    for id in ids:
        tags = str(items[id].fields.get("System.Tags") or "")
        others = [
            tag.strip()
            for tag in tags.split(";")
            if tag.strip().casefold().startswith(TAG_PREFIX) and tag.strip().casefold() != own
        ]
        if others:
            warnings.append(
                f"#{id} {items[id].fields.get(TITLE, '')!r} is also managed by "
                f"{', '.join(others)}: two manifest sets would each undo the other's writes"
            )
    return warnings


def _header(source: Source, count: int) -> list[str]:
    lines = [
        f"Exported by `witsync export` from {one_line(source.where)}, project "
        f"{one_line(source.project)}: {count} work item{'s' if count != 1 else ''}.",
        # a query may span lines: a comment may not
        f"Selected: {one_line(' '.join((source.selection or 'the whole project').split()))}.",
    ]
    text = (
        "Every entry names its work item with `id:`, so the first `witsync plan` adopts it (adds "
        f"the scope marker of {source.scope}) and changes nothing else."
    )
    if source.create_only:
        names = ", ".join(display_name(ref) for ref in source.create_only)
        text += (
            f" Create-only, so the board owns them: {names}; `witsync pull` writes their board "
            "values back here."
        )
    return lines + textwrap.wrap(text, HEADER_WIDTH, break_on_hyphens=False, break_long_words=False)


def config_text(source: Source) -> str:
    """The witsync.yaml beside exported manifests: where they apply, and to which scope."""
    lines = [
        f"# {line}"
        for line in textwrap.wrap(
            f"witsync configuration of the manifests exported from {one_line(source.where)}. "
            "The manifests "
            "in this folder (and below) are one set: run `witsync plan` here.",
            HEADER_WIDTH,
            break_on_hyphens=False,
            break_long_words=False,
        )
    ]
    values: dict[str, Any] = {}
    if source.org is not None:
        values["org"] = source.org
    values["project"] = source.project
    values["scope"] = source.scope
    if source.board is not None:
        values["board"] = source.board
    values.update(source.config)
    for name, value in values.items():
        lines.extend(value_lines(name, value, ""))
    return "\n".join(lines) + "\n"
