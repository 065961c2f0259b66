"""Plain typed data shared by the stages: desired and live items, process metadata, plans, results.

This module imports nothing else from witsync. Every type is a frozen dataclass over plain values
(str, int, float, bool, None, tuples, and mappings that nobody mutates after construction), so the
pure stages (load, plan, render) take values and return values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

# ---------------------------------------------------------------------------------------------
# Shared vocabulary

JSON = Any
"""A JSON value as `json.loads` returns it."""

FieldValue = str | int | float | bool | tuple[str, ...] | None
"""A desired field value: tags are a tuple of tag names, `None` clears the field."""

Ownership = Literal["managed", "create-only", "ignored"]
"""Who owns a field written in a manifest: witsync always, witsync only on create, or nobody."""

REL_PARENT = "System.LinkTypes.Hierarchy-Reverse"
REL_CHILD = "System.LinkTypes.Hierarchy-Forward"
REL_RELATED = "System.LinkTypes.Related"
REL_PREDECESSOR = "System.LinkTypes.Dependency-Reverse"
REL_SUCCESSOR = "System.LinkTypes.Dependency-Forward"
REL_HYPERLINK = "Hyperlink"

MANAGED_LINK_TYPES = frozenset({REL_PARENT, REL_CHILD, REL_RELATED, REL_PREDECESSOR, REL_SUCCESSOR})
"""Work-item link types witsync manages; every other relation on an item is left alone."""

OPPOSITE_REL = {
    REL_PARENT: REL_CHILD,
    REL_CHILD: REL_PARENT,
    REL_RELATED: REL_RELATED,
    REL_PREDECESSOR: REL_SUCCESSOR,
    REL_SUCCESSOR: REL_PREDECESSOR,
}
"""The other end of each managed link type; `opposite_rel` answers for any link type."""
_OPPOSITE_BY_LOWER = {rel.lower(): other for rel, other in OPPOSITE_REL.items()}


def opposite_rel(rel: str) -> str:
    """The link type the other end of `rel` shows (Child for Parent, Related for Related...),
    whatever its case; a custom `-Forward` type's is its `-Reverse` and the other way round."""
    known = _OPPOSITE_BY_LOWER.get(rel.lower())
    if known is not None:
        return known
    if rel.endswith("-Forward"):
        return rel[: -len("Forward")] + "Reverse"
    if rel.endswith("-Reverse"):
        return rel[: -len("Reverse")] + "Forward"
    return rel


def tag_list(value: Any) -> tuple[str, ...]:
    """Tag names from `"a; b"`, `"a, b"` or a sequence: trimmed, no empties, first spelling kept.

    The board splits tag text on ';' and ',' alike and keeps one tag per case-insensitive name."""
    if value is None:
        return ()
    raw: Iterable[str]
    raw = re.split(r"[;,]", value) if isinstance(value, str) else (str(v) for v in value)
    seen: dict[str, str] = {}
    for tag in raw:
        name = tag.strip()
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    return tuple(seen.values())


@dataclass(frozen=True, order=True)
class Location:
    """A place in a manifest: 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


# ---------------------------------------------------------------------------------------------
# Desired: what the manifests say (output of load)


@dataclass(frozen=True)
class DesiredLink:
    """A non-hierarchy link declared on an item, seen from that item (`rel` is a reference name)."""

    rel: str
    target: str | int
    """A key in the set, or the id of an existing work item."""
    location: Location


@dataclass(frozen=True)
class DesiredItem:
    """One work item as a manifest declares it, with every name resolved."""

    key: str
    type: str
    fields: Mapping[str, FieldValue]
    """By reference name (`System.Title`...); only the fields the manifest states."""
    location: Location
    parent: str | int | None = None
    """A key in the set, the id of an existing work item, or None for no parent."""
    links: tuple[DesiredLink, ...] = ()
    adopt_id: int | None = None
    """`id: N` in the manifest: adopt this existing work item."""
    ownership: Mapping[str, Ownership] = field(default_factory=dict)
    """Per reference name; a field missing here is `managed`."""
    field_locations: Mapping[str, Location] = field(default_factory=dict)
    parent_location: Location | None = None
    previous_keys: tuple[str, ...] = ()
    """`previousKeys:` keys this entry's work item may still carry on the board (a declared
    key move, like Terraform's `moved` block): the plan moves it to `key`."""

    def owner(self, ref: str) -> Ownership:
        return self.ownership.get(ref, "managed")


@dataclass(frozen=True)
class Desired:
    """A whole manifest set: one scope, every item, where they came from."""

    scope: str
    items: tuple[DesiredItem, ...]
    """In file order; a nested child comes after its parent."""
    files: tuple[str, ...]
    digest: str
    """sha256 over the manifests' paths and bytes, in path order."""
    project: str | None = None


# ---------------------------------------------------------------------------------------------
# Live: what the board holds (output of fetch)


@dataclass(frozen=True)
class LiveRelation:
    """A relation as the server lists it; its position in `LiveItem.relations` is its index."""

    rel: str
    url: str
    attributes: Mapping[str, JSON] = field(default_factory=dict)
    target_id: int | None = None
    """For work-item links: the id at the end of `url`."""


@dataclass(frozen=True)
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
    """The revision that last set a field: who, when, which rev (to show drift in a plan)."""

    by: str
    at: str
    rev: int


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


# ---------------------------------------------------------------------------------------------
# Process metadata (read once per run)


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


# ---------------------------------------------------------------------------------------------
# Plan: what apply will do (output of plan, input of render and apply)


@dataclass(frozen=True)
class Target:
    """Where a plan applies. A plan made for one target is refused by another."""

    org_url: str
    project: str
    scope: str


@dataclass(frozen=True)
class PatchOp:
    """One JSON-patch operation, exactly as it will be sent.

    Two annotations let a plan name things that do not exist yet or may have moved:
    `target` is the key of an item created earlier in the same apply, whose work item URL goes
    into `value["url"]` once its id is known; `relation` is the `(rel, url)` of the relation a
    `remove /relations/{index}` deletes, so the index can be checked against the live list.
    `target_id` is the id of an existing work item (e.g. `parent: 42`) whose URL the pure planner
    cannot know: the applier fills `value["url"]` with `client.work_item_url(target_id)`.
    """

    op: Literal["add", "replace", "remove", "test"]
    path: str
    value: JSON = None
    target: str | None = None
    relation: tuple[str, str] | None = None
    target_id: int | None = None

    def as_sent(self, url: str | None = None) -> dict[str, JSON]:
        """The JSON-patch operation on the wire, without the annotations; `url` (the work item
        URL of `target` or `target_id`, once known) goes into the link's `value["url"]`."""
        sent: dict[str, JSON] = {"op": self.op, "path": self.path}
        if self.op != "remove":
            sent["value"] = self.value if url is None else {**(self.value or {}), "url": url}
        return sent


@dataclass(frozen=True)
class Step:
    """One write request. `create` posts a new item of the action's type; `update` patches it
    (guarded by `test /rev`); `delete` sends it to the recycle bin; `restore` brings it back
    from there."""

    kind: Literal["create", "update", "delete", "restore"]
    ops: tuple[PatchOp, ...]
    note: str | None = None


@dataclass(frozen=True)
class FieldChange:
    field: str
    """Reference name."""
    before: JSON
    """Live value normalised for display; None when empty or for a new item."""
    after: JSON
    """Desired value; None clears the field."""
    mode: Ownership = "managed"
    last_edit: FieldEdit | None = None
    """Who last changed the field on the board, when it drifted from the manifest."""


@dataclass(frozen=True)
class LinkChange:
    op: Literal["add", "remove"]
    rel: str
    target_key: str | None
    target_id: int | None


ActionKind = Literal["create", "update", "adopt", "remove", "reopen", "restore", "rekey"]
"""What happens to an item. `reopen`, `restore` and `rekey` are updates of an item that comes
back: closed by prune (moved out of its closed state), deleted on the board (brought back from
the recycle bin), or under a key it had before (`previousKeys`: its marker is rewritten)."""
UPDATE_KINDS: frozenset[str] = frozenset({"update", "adopt", "reopen", "rekey"})
"""The kinds that patch an existing item's fields and links (a restore does after its restore)."""
RemovalPolicy = Literal["close", "delete", "unmanage"]


@dataclass(frozen=True)
class Action:
    """Everything that happens to one work item, in the order its steps must be sent."""

    kind: ActionKind
    key: str
    type: str
    title: str
    id: int | None
    """None for a create."""
    rev: int | None
    """The rev the action was planned against (None for a create)."""
    steps: tuple[Step, ...]
    field_changes: tuple[FieldChange, ...] = ()
    link_changes: tuple[LinkChange, ...] = ()
    depends_on: tuple[str, ...] = ()
    """Keys whose actions must finish first (a parent to create, a link target to create)."""
    notes: tuple[str, ...] = ()
    location: Location | None = None
    previous_key: str | None = None
    """For a `rekey`: the key the work item carries on the board now."""


@dataclass(frozen=True)
class PlanWarning:
    code: str
    """A stable identifier: unmanaged-missing, marker-without-key, duplicate-key, ..."""
    message: str
    key: str | None = None
    id: int | None = None
    location: Location | None = None
    severity: Literal["warning", "error"] = "warning"
    """An error (two work items for one key) makes the plan fail and blocks apply."""


@dataclass(frozen=True)
class PlanItem:
    """One work item of the set as the plan leaves it, changed or not: the tree a reviewer sees
    (the HTML plan draws it; actions say only what changes)."""

    key: str
    type: str
    title: str
    id: int | None = None
    """None: the plan creates it."""
    parent: str | int | None = None
    """Its parent after the plan: the key of an item of the plan, the id of a work item outside
    the set, or None (a top item)."""
    state: str | None = None
    """Its state after the plan, when known."""
    location: Location | None = None
    """Its manifest entry; None for an item the plan removes."""


@dataclass(frozen=True)
class ClosedItem:
    """A managed item that left the manifests and is closed already: shown and counted as
    closed, neither changed nor unchanged."""

    key: str
    id: int
    type: str
    title: str
    state: str


@dataclass(frozen=True)
class Plan:
    target: Target
    actions: tuple[Action, ...]
    """In apply order: parents before children, removals children first."""
    unchanged: int
    warnings: tuple[PlanWarning, ...] = ()
    manifest_digest: str = ""
    prune: bool = False
    removal_policy: RemovalPolicy = "close"
    known_max_id: int = 0
    """The highest id of the managed set when planned: an item created on the board since then
    has a higher id, so apply finds what appeared after the plan with one cheap query."""
    board: str | None = field(default=None, compare=False)
    """The local board file the plan was made against, so that the library's `apply` writes
    there too (None: an organization's plan, or one read back from a plan file, which never
    holds a path); not part of a plan's value."""
    items: tuple[PlanItem, ...] = ()
    """Every item of the set as the plan leaves it, changed or not, in manifest order, then each
    item the plan removes: the whole tree, for views that draw it (`--format html`). Empty in a
    plan file written before it existed (the views then draw the changed items only)."""
    closed: tuple[ClosedItem, ...] = ()
    """Managed items that left the manifests and are closed already (not counted unchanged)."""

    @property
    def has_changes(self) -> bool:
        return bool(self.actions)

    def is_empty(self) -> bool:
        """Nothing to apply and nothing blocking it: the board matches the manifests."""
        return not self.actions and not self.errors

    @property
    def errors(self) -> tuple[PlanWarning, ...]:
        """Problems on the board that no apply may proceed past (e.g. duplicate keys)."""
        return tuple(warning for warning in self.warnings if warning.severity == "error")

    def count(self, kind: ActionKind) -> int:
        return sum(1 for action in self.actions if action.kind == kind)


# ---------------------------------------------------------------------------------------------
# Result: what apply did

Outcome = Literal["applied", "conflict", "failed", "skipped"]


@dataclass(frozen=True)
class ItemResult:
    key: str
    action: ActionKind
    outcome: Outcome
    id: int | None = None
    message: str | None = None


@dataclass(frozen=True)
class Result:
    items: tuple[ItemResult, ...]

    @property
    def ok(self) -> bool:
        return all(item.outcome == "applied" for item in self.items)
