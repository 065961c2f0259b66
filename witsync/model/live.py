"""What the board holds (the output of fetch) and the process it follows: items, fields, types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from witsync.model.vocabulary import JSON


@dataclass(frozen=True, slots=True)  # slots: a 100,000-item plan holds a few hundred thousand
class LiveRelation:
    """A relation as the server lists it; its position in `LiveItem.relations` is its index."""

    rel: str
    url: str
    attributes: Mapping[str, JSON] = field(default_factory=dict)
    target_id: int | None = None
    """For work-item links: the id at the end of `url`."""


@dataclass(frozen=True, slots=True)
class LiveItem:
    """A work item as read from the server (with relations)."""

    id: int
    rev: int
    fields: Mapping[str, JSON]
    """As the server returned them: identities as objects, tags as `"a; b"`, HTML as stored."""
    relations: tuple[LiveRelation, ...] = ()

    @property
    def type(self) -> str:
        return str(self.fields.get("System.WorkItemType", ""))

    @property
    def title(self) -> str:
        return str(self.fields.get("System.Title", ""))


@dataclass(frozen=True)
class FieldEdit:
    """The revision that last set a field (or added or removed a link): who, when, which rev, and
    whether it is drift on the board (to show a plan's changes in two groups)."""

    by: str
    at: str
    rev: int
    by_witsync: bool = False
    """The revision carries witsync's history mark for the scope (witsync.notes)."""
    drift: bool = False
    """A person's change on the board since witsync wrote it: merging the manifests puts it back
    (False: the change comes from the manifests)."""


@dataclass(frozen=True)
class Live:
    """The part of the board a plan needs."""

    items: Mapping[int, LiveItem]
    """The managed set (scope tag), adopted items and link targets, by id."""
    managed_ids: frozenset[int]
    """Ids carrying the scope marker."""
    edits: Mapping[int, Mapping[str, FieldEdit]] = field(default_factory=dict)
    """For items whose managed fields drifted: the last edit of each field, when fetched."""
    unmoved: frozenset[int] = frozenset()
    """Items witsync created (the marker came in their first revision) whose state has not
    changed since: a run that stopped before the create's move to the stated state."""
    deleted: Mapping[int, LiveItem] = field(default_factory=dict)
    """Items in the recycle bin carrying this scope's marker for a key the plan would otherwise
    create, as the bin shows them (their resource links only: work-item links do not come back
    with a restore), by id. Read only when the plan would create, and restore is on."""
    pruned: frozenset[int] = frozenset()
    """Managed items in a closed state because witsync's prune closed them (their history says
    so): one that is back in the manifests is reopened."""
    link_edits: Mapping[int, Mapping[tuple[str, str, int], FieldEdit]] = field(
        default_factory=dict
    )
    """For items whose links the plan changes: the last revision that `added` or `removed` each
    link, by `(change, rel, target id)` (the item's history read with `edits`)."""
    witsync_tags: Mapping[int, frozenset[str]] = field(default_factory=dict)
    """For items whose live tags include tags their manifest lacks: the tags (casefolded) that a
    witsync revision added last, from their histories. An item not here: unknown, so every tag
    people may have added is kept."""
    removed_tags: Mapping[int, frozenset[str]] = field(default_factory=dict)
    """For the same items: the tags (casefolded) a person removed last (a stated tag missing for
    that reason is drift on the board, not the manifests' addition)."""




@dataclass(frozen=True)
class FieldInfo:
    reference_name: str
    name: str
    type: str
    """The wire type: string, integer, double, dateTime, html, plainText, treePath, identity, ..."""
    read_only: bool = False
    is_identity: bool = False
    is_picklist: bool = False
    """Its values come from a list (per work item type: `TypeInfo.allowed_values`)."""


@dataclass(frozen=True)
class StateInfo:
    name: str
    category: str
    """Proposed, InProgress, Resolved, Completed or Removed."""


@dataclass(frozen=True)
class TypeInfo:
    name: str
    initial_state: str
    states: tuple[StateInfo, ...]
    fields: frozenset[str]
    """Reference names of the fields this type has."""
    defaults: Mapping[str, JSON] = field(default_factory=dict)
    """The default value the type's definition declares for a field (Priority 2...), by
    reference name: what a new item gets unasked (`witsync export` leaves such values out)."""
    allowed_values: Mapping[str, tuple[str, ...]] | None = None
    """The values a picklist field takes on this type, by reference name, as the server lists
    them (numbers as text); None: not read (Azure DevOps leaves them out of its list of types)."""


@dataclass(frozen=True)
class Process:
    """A project's work item types, fields and classification paths."""

    types: Mapping[str, TypeInfo]
    """By type name as the server spells it."""
    fields: Mapping[str, FieldInfo]
    """By reference name as the server spells it."""
    area_paths: frozenset[str] = frozenset()
    iteration_paths: frozenset[str] = frozenset()


