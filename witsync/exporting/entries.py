"""One manifest entry per work item: the fields people use, links by key or id, nested children.

Shared by `export` (whole files) and `pull --new-children` (entries added under their parent in
an existing file). A field is written when the board has a value for it that differs from what
the item would get without it: the file's `defaults:` when they name the field, else the type's
own default (the state a new item starts in, the project's root area and iteration, a default
the process gives the field, such as Priority 2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from witsync.exporting.values import YamlValue, same_value, yaml_value
from witsync.fields import REFERENCE_TO_FRIENDLY
from witsync.model import (
    JSON,
    REL_CHILD,
    REL_PARENT,
    REL_PREDECESSOR,
    REL_RELATED,
    REL_SUCCESSOR,
    LiveItem,
    Process,
)
from witsync.planning.normalize import field_kind, is_empty

STANDARD_FIELDS: tuple[str, ...] = (
    "System.Title",
    "System.State",
    "System.AssignedTo",
    "Microsoft.VSTS.Common.Priority",
    "Microsoft.VSTS.Scheduling.StoryPoints",
    "Microsoft.VSTS.Scheduling.Effort",
    "Microsoft.VSTS.Scheduling.Size",
    "Microsoft.VSTS.Scheduling.OriginalEstimate",
    "Microsoft.VSTS.Scheduling.RemainingWork",
    "Microsoft.VSTS.Scheduling.CompletedWork",
    "System.AreaPath",
    "System.IterationPath",
    "System.Tags",
    "System.Description",
)
"""What an export writes for every item that has it, in this order: the fields people use."""

TITLE = "System.Title"
AREA = "System.AreaPath"
ITERATION = "System.IterationPath"
STATE = "System.State"
LONG_FIELDS = frozenset({"System.Description"})
"""Written after the links, just before `children:`, so that the short values stay together."""

LINK_PROPERTIES = (
    ("related", REL_RELATED),
    ("predecessors", REL_PREDECESSOR),
    ("successors", REL_SUCCESSOR),
)


def type_defaults(process: Process, project: str) -> dict[str, dict[str, JSON]]:
    """Per type, what a new item gets unasked: its initial state, the project's root area and
    iteration, and the defaults its definition declares (Priority 2...)."""
    defaults: dict[str, dict[str, JSON]] = {}
    for name, info in process.types.items():
        values: dict[str, JSON] = {STATE: info.initial_state, AREA: project, ITERATION: project}
        values.update(info.defaults)
        defaults[name] = values
    return defaults


@dataclass(frozen=True)
class Entries:
    """Builds entries for the work items of one manifest set (or export)."""

    process: Process
    defaults: Mapping[str, Mapping[str, JSON]]
    """`type_defaults(...)`: what an item of each type gets without being told."""
    fields: Sequence[str] = STANDARD_FIELDS
    """Reference names to write, in order."""
    keys: Mapping[int, str] = field(default_factory=dict)
    """The key of every work item the set holds (links to them are by key)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_kinds", {})

    def kind(self, ref: str) -> str:
        kinds: dict[str, str] = self._kinds  # type: ignore[attr-defined]
        found = kinds.get(ref)
        if found is None:
            found = kinds[ref] = field_kind(ref, self.process.fields.get(ref))
        return found

    def values(
        self, item: LiveItem, file_defaults: Mapping[str, YamlValue] | None = None
    ) -> dict[str, YamlValue]:
        """The fields to write for `item`, by reference name, in `self.fields` order."""
        file_defaults = file_defaults or {}
        own_defaults = self.defaults.get(item.type, {})
        type_info = self.process.types.get(item.type)
        out: dict[str, YamlValue] = {}
        refs = list(dict.fromkeys([*self.fields, *file_defaults]))
        for ref in refs:
            if type_info is not None and type_info.fields and ref not in type_info.fields:
                continue
            kind = self.kind(ref)
            board = item.fields.get(ref)
            if ref in file_defaults:
                if same_value(kind, file_defaults[ref], board):
                    continue
            elif is_empty(board) or (
                ref in own_defaults and same_value(kind, own_defaults[ref], board)
            ):
                continue
            value = yaml_value(kind, board)
            if kind == "tags" and not value and ref not in file_defaults:
                continue
            out[ref] = value
        return out

    def entry(
        self,
        item: LiveItem,
        *,
        children: Sequence[dict[str, Any]] = (),
        parent: int | None = None,
        links: Sequence[tuple[str, int]] = (),
        file_defaults: Mapping[str, YamlValue] | None = None,
    ) -> dict[str, Any]:
        """The entry of `item`: key, id, type, fields, `parent: <id>` when given, links (rel,
        target id) by key where the target has one, nested `children`."""
        values = self.values(item, file_defaults)
        entry: dict[str, Any] = {"key": self.keys[item.id], "id": item.id, "type": item.type}
        extra: dict[str, YamlValue] = {}
        long: dict[str, YamlValue] = {}
        for ref, value in values.items():
            friendly = REFERENCE_TO_FRIENDLY.get(ref)
            if friendly is None:
                extra[ref] = value
            elif ref in LONG_FIELDS:
                long[REFERENCE_TO_FRIENDLY[ref]] = value
            else:
                entry[friendly] = value
        if parent is not None:
            entry["parent"] = parent
        for name, rel in LINK_PROPERTIES:
            targets = [self.keys.get(target, target) for kind, target in links if kind == rel]
            if targets:
                entry[name] = list(dict.fromkeys(targets))
        entry.update(long)
        if extra:
            entry["fields"] = extra
        if children:
            entry["children"] = list(children)
        return entry


def parent_id(item: LiveItem) -> int | None:
    """The id of the item's parent, if it has one."""
    for relation in item.relations:
        if relation.rel == REL_PARENT and relation.target_id is not None:
            return relation.target_id
    return None


def child_ids(item: LiveItem) -> list[int]:
    return [
        relation.target_id
        for relation in item.relations
        if relation.rel == REL_CHILD and relation.target_id is not None
    ]


def links_of(item: LiveItem) -> list[tuple[str, int]]:
    """The related and dependency links of `item`, as (rel, target id), in board order."""
    wanted = {rel for _, rel in LINK_PROPERTIES}
    return [
        (relation.rel, relation.target_id)
        for relation in item.relations
        if relation.rel in wanted and relation.target_id is not None
    ]
