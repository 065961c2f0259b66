"""The planner: pairs desired items with live work items by identity and turns the differences
into an ordered Plan of guarded patches. Pure and deterministic: same inputs, same plan.

Pairing. A live work item belongs to a key when it carries this scope's marker hyperlink for
that key (its tag is re-added if someone removed it; but the fetch finds the managed set by the
tag, so an untagged item is seen only when a manifest names its id). `id: N` adopts item N: the
plan adds the scope tag and the marker, plus any field and link differences. Two live items
claiming one key are an error (`duplicate-key`, which blocks apply): the lowest id is the one
to keep, and with `dedupe` the plan deletes the others (their children in the set move to the
kept one, as any re-parenting does). An item tagged for the scope without a key is reported
(`marker-without-key`) and never touched.

Fields. Only fields a manifest states are managed; `None` clears one. Ownership per field:
`managed` (diffed every time), `create-only` (sent on create, never diffed after), `ignored`
(never sent). Values are compared in their canonical form (witsync.planning.normalize). Tags: the
set stated in the manifest plus the scope tag (other scopes' `witsync:` tags are kept); with no
tags stated, only the scope tag is ensured. A new item whose state is not its type's initial
state is created, then moved by a second `update` step, and the plan says so. A create is not
finished until that move is: an item witsync created whose state never changed since
(`Live.unmoved`, from its history) is moved now, although state is create-only.

Links. Compared canonically, as one edge per pair of ends (A Related B == B Related A;
A Successor B == B Predecessor A; a child's Parent == the parent's Child), so nothing is sent
twice. witsync manages:
  - the parent of an item of the set: when its manifest names a parent, that is the parent
    (another parent is removed, one parent only); when it names none, a live parent that is
    itself an item of the set is removed, and a parent outside the set is left alone;
  - related and dependency links between two items of the set: exactly those declared;
  - links declared to work items outside the set (by id): added if missing. They are never
    removed: without a state file a link to an outside item that left the manifests cannot be
    told apart from one a person added.
Every other relation (children outside the set, commits, pull requests, attachments, links
people added to outside items) is never touched. A link is sent by one end only: the child for
a parent link; else the end created later in this run (so both ends exist), else the end that
is being updated anyway, else the first in file order.

Errors (raised as ManifestError, not warnings, because no plan can be right): a parent, link or
adopted id that does not exist on the board; adopting an item another key already owns; a type
that differs from the board's (Azure DevOps cannot change a type through this API).

Order. Creates parents-first (depth, then file order); then updates and adopts in file order
(they may link to new items, never the reverse); then removals children-first. `depends_on`
names the keys whose creates must be done first. Removals (only with prune) follow the policy:
close (a state of category Removed, else Completed), delete (recycle bin), or unmanage (the
marker tag and hyperlink removed); see witsync.planning.prune. Link edges: witsync.planning.edges.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from witsync.errors import Diagnostic, ManifestError
from witsync.marker import TAG_PREFIX, marker_keys, marker_url, scope_tag
from witsync.model import (
    JSON,
    MANAGED_LINK_TYPES,
    REL_CHILD,
    Action,
    ActionKind,
    Desired,
    DesiredItem,
    FieldChange,
    LinkChange,
    Live,
    LiveItem,
    Location,
    PatchOp,
    Plan,
    PlanWarning,
    Process,
    RemovalPolicy,
    Step,
    Target,
)
from witsync.planning.diff import changed_fields
from witsync.planning.edges import Edge, End, canonical_edge, edge_order, rel_from
from witsync.planning.normalize import (
    REASON_FIELD,
    STATE_FIELD,
    TAGS_FIELD,
    canonical,
    canonical_tags,
    display_value,
    field_kind,
    identity_key,
    is_empty,
    join_tags,
    quick_canonical,
    tag_list,
    wire_value,
)
from witsync.planning.patch import (
    add_hyperlink,
    add_link,
    create_field,
    guard_rev,
    order_ops,
    remove_relation,
    set_field,
    set_tags,
)
from witsync.planning.prune import plan_removals


@dataclass
class _Pair:
    item: DesiredItem
    index: int
    live: LiveItem | None
    adopt: bool = False


@dataclass
class _Work:
    """What one item's action accumulates before it becomes an Action."""

    field_ops: list[PatchOp] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)
    link_adds: list[PatchOp] = field(default_factory=list)
    link_removes: list[PatchOp] = field(default_factory=list)
    link_changes: list[LinkChange] = field(default_factory=list)
    depends_on: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    later_steps: list[Step] = field(default_factory=list)


def make_plan(
    desired: Desired,
    live: Live,
    process: Process,
    target: Target,
    *,
    prune: bool = False,
    removal: RemovalPolicy = "close",
    dedupe: bool = False,
) -> Plan:
    """The actions that make the board match `desired` (see the module docstring for the rules)."""
    return _Planner(desired, live, process, target, prune, removal, dedupe).plan()


def unmoved_candidates(desired: Desired, live: Live, process: Process) -> list[int]:
    """Items whose create may have stopped before its state move: managed by a key whose entry
    states a state other than its type's initial one, while the item is still in that initial
    state. Their histories tell (`Live.unmoved`); state is create-only, so nothing else would."""
    wanted = {
        item.key: item.fields[STATE_FIELD]
        for item in desired.items
        if item.adopt_id is None
        and item.owner(STATE_FIELD) == "create-only"
        and not is_empty(item.fields.get(STATE_FIELD))
    }
    candidates = []
    for item_id in sorted(live.managed_ids & live.items.keys()):
        item = live.items[item_id]
        keys = marker_keys(item, desired.scope)
        state = wanted.get(keys[0]) if len(keys) == 1 else None
        type_info = process.types.get(item.type)
        if state is None or type_info is None:
            continue
        current = str(item.fields.get(STATE_FIELD, "")).casefold()
        initial = type_info.initial_state.casefold()
        if current == initial and str(state).casefold() != initial:
            candidates.append(item_id)
    return candidates


class _Planner:
    def __init__(
        self,
        desired: Desired,
        live: Live,
        process: Process,
        target: Target,
        prune: bool,
        removal: RemovalPolicy,
        dedupe: bool,
    ) -> None:
        self.desired = desired
        self.live = live
        self.process = process
        self.target = target
        self.prune = prune
        self.removal = removal
        self.dedupe = dedupe
        self.scope = desired.scope
        self.own_tag = scope_tag(desired.scope)
        self.errors: list[Diagnostic] = []
        self.warnings: list[PlanWarning] = []
        self.pairs: dict[str, _Pair] = {}
        self.claims: dict[str, int] = {}
        self.extras: dict[str, list[int]] = {}
        """Further work items claiming a key beyond the lowest id (duplicates)."""
        self.key_of_id: dict[int, str] = {}
        self.work: dict[str, _Work] = {}
        self.kinds: dict[str, str] = {}
        self.keys_of_id: dict[int, list[str]] = {}
        self.already_removed = 0

    # -- the pipeline ---------------------------------------------------------------------------

    def plan(self) -> Plan:
        self._claim()
        self._pair()
        self._check_targets()
        if self.errors:
            raise ManifestError(self.errors)
        for pair in self.pairs.values():
            self.work[pair.item.key] = _Work()
            if pair.live is None:
                self._plan_create(pair)
            else:
                self._plan_update(pair)
        self._plan_links()
        actions = self._actions()
        removals = self._removals() + self._duplicates()
        acted = {action.key for action in actions}
        unchanged = sum(1 for key in self.pairs if key not in acted)
        unchanged += self.already_removed
        return Plan(
            target=self.target,
            actions=(*actions, *removals),
            unchanged=unchanged,
            warnings=tuple(sorted(self.warnings, key=_warning_order)),
            manifest_digest=self.desired.digest,
            prune=self.prune,
            removal_policy=self.removal,
            known_max_id=max(self.live.managed_ids, default=0),
        )

    # -- pairing ------------------------------------------------------------------------------

    def _claim(self) -> None:
        """Which live item carries which key; duplicates and keyless tagged items are reported."""
        by_key: dict[str, list[int]] = {}
        for item_id in sorted(self.live.items):
            item = self.live.items[item_id]
            keys = sorted(set(marker_keys(item, self.scope)))
            self.keys_of_id[item_id] = keys
            if not keys:
                if item_id in self.live.managed_ids:
                    self._warn(
                        "marker-without-key",
                        f"work item #{item_id} is tagged {self.own_tag} but has no key marker; "
                        "witsync leaves it alone (add it to a manifest with `id:` to manage it)",
                        id=item_id,
                    )
                continue
            if len(keys) > 1:
                self._warn(
                    "multiple-keys",
                    f"work item #{item_id} carries the keys {', '.join(keys)}; "
                    f"it is treated as {keys[0]!r} only (remove the extra marker hyperlinks)",
                    key=keys[0],
                    id=item_id,
                )
            by_key.setdefault(keys[0], []).append(item_id)
        for key, ids in by_key.items():
            self.claims[key] = ids[0]
            if len(ids) > 1:
                self.extras[key] = ids[1:]

    def _pair(self) -> None:
        owner_of_id = {item_id: key for key, item_id in self.claims.items()}
        adopted: dict[int, str] = {}
        for index, item in enumerate(self.desired.items):
            claimed = self.claims.get(item.key)
            if item.adopt_id is None:
                live = self.live.items[claimed] if claimed is not None else None
                self.pairs[item.key] = _Pair(item, index, live)
                continue
            live = self.live.items.get(item.adopt_id)
            owner = owner_of_id.get(item.adopt_id)
            if live is None:
                self._error(
                    item.location,
                    f"work item #{item.adopt_id} (id: of {item.key!r}) does not exist",
                    "check the id, or remove `id:` to create a new work item",
                )
            elif claimed is not None and claimed != item.adopt_id:
                self._error(
                    item.location,
                    f"key {item.key!r} already belongs to work item #{claimed}, "
                    f"not #{item.adopt_id}",
                    f"use `id: {claimed}` or remove `id:`",
                )
            elif owner is not None and owner != item.key:
                self._error(
                    item.location,
                    f"work item #{item.adopt_id} is already managed as {owner!r}",
                    "adopt it under that key, or remove the other marker",
                )
            elif item.adopt_id in adopted:
                self._error(
                    item.location,
                    f"work item #{item.adopt_id} is adopted by both "
                    f"{adopted[item.adopt_id]!r} and {item.key!r}",
                    "adopt it once",
                )
            else:
                adopted[item.adopt_id] = item.key
                self.pairs[item.key] = _Pair(item, index, live, adopt=claimed is None)
        for key, pair in self.pairs.items():
            if pair.live is not None:
                self.key_of_id[pair.live.id] = key
                self._warn_other_scopes(key, pair.live)
                if pair.live.type.casefold() != pair.item.type.casefold():
                    self._error(
                        pair.item.location,
                        f"{key!r} is a {pair.item.type} in the manifest but "
                        f"work item #{pair.live.id} is a {pair.live.type}",
                        "the API cannot change a work item's type: fix the manifest's type",
                    )

    def _warn_other_scopes(self, key: str, live: LiveItem) -> None:
        """An item another scope's tag marks is written by both sets, each undoing the other."""
        own = self.own_tag.casefold()
        others = [
            tag
            for tag in tag_list(live.fields.get(TAGS_FIELD))
            if tag.casefold().startswith(TAG_PREFIX) and tag.casefold() != own
        ]
        if others:
            self._warn(
                "managed-by-another-scope",
                f"work item #{live.id} ({key!r}) is also tagged {', '.join(others)}: both "
                "manifest sets write its fields, each undoing the other (manage it in one set)",
                key=key,
                id=live.id,
            )

    def _check_targets(self) -> None:
        """Every id a manifest names as parent or link target must exist on the board."""
        for item in self.desired.items:
            if isinstance(item.parent, int) and item.parent not in self.live.items:
                self._error(
                    item.parent_location or item.location,
                    f"parent #{item.parent} of {item.key!r} does not exist on the board",
                    "check the id, or name the parent by key",
                )
            for link in item.links:
                if isinstance(link.target, int) and link.target not in self.live.items:
                    self._error(
                        link.location,
                        f"link target #{link.target} of {item.key!r} does not exist on the board",
                        "check the id, or name the item by key",
                    )

    # -- fields -------------------------------------------------------------------------------

    def _kind(self, ref: str) -> str:
        kind = self.kinds.get(ref)
        if kind is None:
            kind = self.kinds[ref] = field_kind(ref, self.process.fields.get(ref))
        return kind

    def _plan_create(self, pair: _Pair) -> None:
        item, work = pair.item, self.work[pair.item.key]
        type_info = self.process.types.get(item.type)
        initial = type_info.initial_state if type_info else None
        state = item.fields.get(STATE_FIELD)
        move = (
            item.owner(STATE_FIELD) != "ignored"
            and not is_empty(state)
            and initial is not None
            and str(state).casefold() != initial.casefold()
        )
        deferred: list[PatchOp] = []
        cleared: list[PatchOp] = []
        for ref, value in item.fields.items():
            mode = item.owner(ref)
            if mode == "ignored" or ref == TAGS_FIELD:
                continue
            if is_empty(value):
                # The server may fill a default on create (Priority 2 on Agile): a field the
                # manifest states as empty is cleared right after, so the next plan is empty.
                if ref not in (STATE_FIELD, REASON_FIELD):
                    cleared.append(set_field(ref, self._kind(ref), None, None))
                continue
            kind = self._kind(ref)
            after = display_value(kind, wire_value(kind, value))
            work.changes.append(FieldChange(ref, None, after, mode))
            if move and ref in (STATE_FIELD, REASON_FIELD):
                deferred.append(PatchOp("replace", f"/fields/{ref}", wire_value(kind, value)))
            else:
                work.field_ops.append(create_field(ref, kind, value))
        stated = item.fields.get(TAGS_FIELD) if item.owner(TAGS_FIELD) != "ignored" else None
        tags = (*tag_list(stated), self.own_tag)
        work.field_ops.append(set_tags(None, tags))
        work.changes.append(FieldChange(TAGS_FIELD, None, join_tags(tags), item.owner(TAGS_FIELD)))
        work.link_adds.append(add_hyperlink(marker_url(self.scope, item.key)))
        notes: list[str] = []
        if move:
            deferred.sort(key=lambda op: op.path != f"/fields/{STATE_FIELD}")
            notes.append(
                f"created in state {initial!r}, where every new {item.type} starts, "
                f"then moved to {state!r}"
            )
        if cleared:
            fields = ", ".join(op.path.removeprefix("/fields/") for op in cleared)
            notes.append(f"then cleared {fields} (stated empty; the server may fill a default)")
        if notes:
            note = "; ".join(notes)
            work.later_steps.append(Step("update", (guard_rev(1), *deferred, *cleared), note=note))
            work.notes.extend(notes)

    def _plan_update(self, pair: _Pair) -> None:
        item, live, work = pair.item, pair.live, self.work[pair.item.key]
        assert live is not None
        refs = [ref for ref in item.fields if ref != TAGS_FIELD and item.owner(ref) == "managed"]
        # Quick forms first (no HTML parsing); full canonical forms only where those differ.
        want: dict[str, Hashable] = {}
        have: dict[str, Hashable] = {}
        for ref in refs:
            kind = self._kind(ref)
            wanted, current = item.fields[ref], live.fields.get(ref)
            if quick_canonical(kind, wanted) != quick_canonical(kind, current, as_stored=True):
                want[ref] = canonical(kind, wanted)
                have[ref] = canonical(kind, current, as_stored=True)
        changed = changed_fields(have, want)
        edits = self.live.edits.get(live.id, {})
        for ref in refs:
            if ref not in changed:
                continue
            kind = self._kind(ref)
            value, current = item.fields[ref], live.fields.get(ref)
            if kind == "identity" and _same_identity(value, current):
                continue
            work.field_ops.append(set_field(ref, kind, current, value))
            after = None if is_empty(value) else display_value(kind, wire_value(kind, value))
            work.changes.append(
                FieldChange(ref, display_value(kind, current), after, "managed", edits.get(ref))
            )
        if live.id in self.live.unmoved:
            self._finish_move(pair, work)
        self._plan_tags(pair, work)
        if not self.keys_of_id.get(live.id):
            work.link_adds.append(add_hyperlink(marker_url(self.scope, item.key)))
            work.notes.append(f"adds the marker: tag {self.own_tag} and key {item.key!r}")

    def _finish_move(self, pair: _Pair, work: _Work) -> None:
        """The state move of a create that stopped before it (see `Live.unmoved`)."""
        item, live = pair.item, pair.live
        assert live is not None
        state, current = item.fields.get(STATE_FIELD), live.fields.get(STATE_FIELD)
        if item.owner(STATE_FIELD) != "create-only" or is_empty(state):
            return
        if str(state).casefold() == str(current).casefold():
            return
        for ref in (STATE_FIELD, REASON_FIELD):
            value = item.fields.get(ref)
            if ref == STATE_FIELD or not is_empty(value):
                work.field_ops.append(PatchOp("replace", f"/fields/{ref}", value))
                work.changes.append(
                    FieldChange(ref, live.fields.get(ref), value, "create-only")
                )
        work.notes.append(
            f"finishes its create: the move from {current!r} to {state!r} never happened "
            "(the run that created it stopped or failed before it)"
        )

    def _plan_tags(self, pair: _Pair, work: _Work) -> None:
        item, live = pair.item, pair.live
        assert live is not None
        current = live.fields.get(TAGS_FIELD)
        live_tags = tag_list(current)
        other_scopes = [
            t
            for t in live_tags
            if t.casefold().startswith(TAG_PREFIX) and t.casefold() != self.own_tag.casefold()
        ]
        managed = TAGS_FIELD in item.fields and item.owner(TAGS_FIELD) == "managed"
        if managed:
            wanted = tag_list((*tag_list(item.fields[TAGS_FIELD]), *other_scopes, self.own_tag))
        else:
            wanted = tag_list((*live_tags, self.own_tag))
        if canonical_tags(wanted) == canonical_tags(live_tags):
            return
        work.field_ops.append(set_tags(current, wanted))
        mode = "managed" if managed else item.owner(TAGS_FIELD)
        edit = self.live.edits.get(live.id, {}).get(TAGS_FIELD) if managed else None
        work.changes.append(
            FieldChange(TAGS_FIELD, join_tags(live_tags) or None, join_tags(wanted), mode, edit)
        )

    # -- links --------------------------------------------------------------------------------

    def _end(self, ref: str | int) -> End:
        """A manifest's parent or link target as an edge end (an id of the set becomes its key)."""
        if isinstance(ref, int):
            return self.key_of_id.get(ref, ref)
        return ref

    def _desired_edges(self) -> set[Edge]:
        edges: set[Edge] = set()
        for item in self.desired.items:
            if item.parent is not None:
                edges.add(("parent", item.key, self._end(item.parent)))
            for link in item.links:
                edges.add(canonical_edge(item.key, link.rel, self._end(link.target)))
        return edges

    def _live_edges(self) -> dict[Edge, dict[str, tuple[int, str, str]]]:
        """Managed-type links on the items of the set: edge -> {holder key: (index, rel, url)}."""
        found: dict[Edge, dict[str, tuple[int, str, str]]] = {}
        # Other link types a manifest declares are recognised too (so they are not re-added),
        # but only from the declaring side, and they are never removed.
        kinds = MANAGED_LINK_TYPES | {
            link.rel for item in self.desired.items for link in item.links
        }
        for key, pair in self.pairs.items():
            if pair.live is None:
                continue
            for index, relation in enumerate(pair.live.relations):
                if relation.rel not in kinds or relation.target_id is None:
                    continue
                edge = canonical_edge(
                    key, relation.rel, self.key_of_id.get(relation.target_id, relation.target_id)
                )
                found.setdefault(edge, {})[key] = (index, relation.rel, relation.url)
        return found

    def _is_managed_live_edge(self, edge: Edge) -> bool:
        kind, first, second = edge
        if kind == "parent":
            if not isinstance(first, str):
                return False  # the child is outside the set: its parent is not ours to manage
            return isinstance(second, str) or self.pairs[first].item.parent is not None
        if kind in ("related", "dep"):
            return isinstance(first, str) and isinstance(second, str)
        return False

    def _plan_links(self) -> None:
        desired_edges = self._desired_edges()
        live_edges = self._live_edges()
        create_rank = {key: rank for rank, key in enumerate(self._create_order())}
        for edge in sorted(desired_edges - live_edges.keys(), key=edge_order):
            holder = self._holder(edge, create_rank, None)
            other = edge[2] if holder == edge[1] else edge[1]
            rel = rel_from(edge, holder)
            work = self.work[holder]
            if isinstance(other, str) and other in create_rank:
                op = add_link(rel, target_key=other)
                work.depends_on.add(other)
                work.link_changes.append(LinkChange("add", rel, other, None))
            else:
                other_id = self._id_of(other)
                op = add_link(rel, target_id=other_id)
                work.link_changes.append(
                    LinkChange("add", rel, other if isinstance(other, str) else None, other_id)
                )
            work.link_adds.append(op)
        for edge in sorted(live_edges.keys() - desired_edges, key=edge_order):
            if not self._is_managed_live_edge(edge):
                continue
            holders = live_edges[edge]
            holder = self._holder(edge, create_rank, holders)
            index, rel, url = holders[holder]
            other = edge[2] if holder == edge[1] else edge[1]
            work = self.work[holder]
            work.link_removes.append(remove_relation(index, rel, url))
            work.link_changes.append(
                LinkChange(
                    "remove", rel, other if isinstance(other, str) else None, self._id_of(other)
                )
            )

    def _holder(
        self, edge: Edge, create_rank: Mapping[str, int], present: Mapping[str, object] | None
    ) -> str:
        """The end that sends a link change (see the module docstring)."""
        kind, first, second = edge
        ends = [end for end in (first, second) if isinstance(end, str) and end in self.pairs]
        if present is not None:
            ends = [end for end in ends if end in present]
        if kind == "parent" and first in ends:
            return str(first)
        if len(ends) == 1:
            return ends[0]
        new = [end for end in ends if end in create_rank]
        if new:
            return max(new, key=lambda end: create_rank[end])
        busy = [end for end in ends if self.work[end].field_ops or self.work[end].link_changes]
        return min(busy or ends, key=lambda end: self.pairs[end].index)

    def _id_of(self, end: End) -> int | None:
        if isinstance(end, int):
            return end
        live = self.pairs[end].live if end in self.pairs else None
        return live.id if live is not None else None

    # -- actions ------------------------------------------------------------------------------

    def _create_order(self) -> list[str]:
        depth: dict[str, int] = {}

        def depth_of(key: str, seen: frozenset[str] = frozenset()) -> int:
            if key in depth:
                return depth[key]
            parent = self.pairs[key].item.parent if key in self.pairs else None
            value = 0
            if isinstance(parent, str) and parent in self.pairs and parent not in seen:
                value = depth_of(parent, seen | {key}) + 1
            depth[key] = value
            return value

        creates = [key for key, pair in self.pairs.items() if pair.live is None]
        return sorted(creates, key=lambda key: (depth_of(key), self.pairs[key].index))

    def _actions(self) -> list[Action]:
        actions: list[Action] = []
        for key in self._create_order():
            pair, work = self.pairs[key], self.work[key]
            ops = order_ops(work.field_ops, (), work.link_adds)
            actions.append(
                self._action("create", pair, work, (Step("create", ops), *work.later_steps))
            )
        for pair in sorted(self.pairs.values(), key=lambda p: p.index):
            if pair.live is None:
                continue
            work = self.work[pair.item.key]
            if not (work.field_ops or work.link_adds or work.link_removes):
                continue
            ops = order_ops(work.field_ops, work.link_removes, work.link_adds)
            step = Step("update", (guard_rev(pair.live.rev), *ops))
            actions.append(self._action("adopt" if pair.adopt else "update", pair, work, (step,)))
        return actions

    def _action(
        self, kind: ActionKind, pair: _Pair, work: _Work, steps: tuple[Step, ...]
    ) -> Action:
        live = pair.live
        title = pair.item.fields.get("System.Title")
        return Action(
            kind=kind,
            key=pair.item.key,
            type=live.type if live is not None else pair.item.type,
            title=str(title)
            if isinstance(title, str)
            else (live.title if live is not None else ""),
            id=live.id if live is not None else None,
            rev=live.rev if live is not None else None,
            steps=steps,
            field_changes=tuple(work.changes),
            link_changes=tuple(sorted(work.link_changes, key=_link_order)),
            depends_on=tuple(sorted(work.depends_on)),
            notes=tuple(work.notes),
            location=pair.item.location,
        )

    # -- removals -----------------------------------------------------------------------------

    def _removals(self) -> list[Action]:
        leaving = sorted(
            (item_id, key) for key, item_id in self.claims.items() if key not in self.pairs
        )
        found = plan_removals(
            self.live, self.process, self.scope, leaving, prune=self.prune, removal=self.removal
        )
        self.warnings.extend(found.warnings)
        self.already_removed = found.already_closed
        return list(found.actions)

    def _duplicates(self) -> list[Action]:
        """Two work items for one key: an error, or with `dedupe` the deletion of every copy but
        the lowest id. A copy with children outside the set is not deleted: people's items
        under it must be moved first, by hand."""
        removals: list[Action] = []
        extra_ids = {item_id for ids in self.extras.values() for item_id in ids}
        for key, extras in sorted(self.extras.items()):
            keeper = self.claims[key]
            copies = ", ".join(f"#{i}" for i in extras)
            if not self.dedupe:
                self._warn(
                    "duplicate-key",
                    f"key {key!r} has {len(extras) + 1} work items: #{keeper} and {copies}. Run "
                    f"`witsync apply --dedupe` to keep #{keeper} and delete {copies} (their "
                    "children in the manifests move to the kept one), or by hand: keep the "
                    f"lowest id #{keeper}, move the others' children under it, delete the others",
                    key=key,
                    id=keeper,
                    severity="error",
                )
                continue
            for item_id in extras:
                stranded = self._stranded_children(item_id, extra_ids)
                if stranded:
                    listed = ", ".join(f"#{i}" for i in stranded)
                    self._warn(
                        "duplicate-key",
                        f"key {key!r}: #{item_id}, a second work item next to #{keeper}, has "
                        f"children that are not in the manifests ({listed}); move them under "
                        f"#{keeper} on the board, then run `witsync apply --dedupe` again",
                        key=key,
                        id=item_id,
                        severity="error",
                    )
                    continue
                found = plan_removals(
                    self.live, self.process, self.scope, [(item_id, key)],
                    prune=True, removal="delete",
                )
                for action in found.actions:
                    note = f"a second work item for key {key!r}: #{keeper} keeps the key"
                    removals.append(dataclasses.replace(action, notes=(note, *action.notes)))
        return removals

    def _stranded_children(self, item_id: int, extra_ids: set[int]) -> list[int]:
        """Children of `item_id` that are neither items of the set nor duplicates themselves."""
        children = (r.target_id for r in self.live.items[item_id].relations if r.rel == REL_CHILD)
        in_set = self.key_of_id.keys() | set(self.claims.values())
        return sorted(
            child
            for child in children
            if child is not None and child not in in_set and child not in extra_ids
        )

    # -- reporting ----------------------------------------------------------------------------

    def _warn(
        self,
        code: str,
        message: str,
        *,
        key: str | None = None,
        id: int | None = None,
        severity: Literal["warning", "error"] = "warning",
    ) -> None:
        location = self.pairs[key].item.location if key is not None and key in self.pairs else None
        self.warnings.append(
            PlanWarning(code, message, key=key, id=id, location=location, severity=severity)
        )

    def _error(self, location: Location | None, message: str, hint: str) -> None:
        self.errors.append(Diagnostic("error", message, location, hint))


def _same_identity(desired: JSON, live: JSON) -> bool:
    """A display name in a manifest matches the identity object the server returns for it."""
    if is_empty(desired) or is_empty(live):
        return is_empty(desired) and is_empty(live)
    if identity_key(desired) == identity_key(live):
        return True
    name = live.get("displayName") if isinstance(live, dict) else None
    return isinstance(name, str) and name.casefold() == str(desired).strip().casefold()


def _link_order(change: LinkChange) -> tuple[str, str, str, int]:
    return (change.op, change.rel, change.target_key or "", change.target_id or 0)


def _warning_order(warning: PlanWarning) -> tuple[str, int, str]:
    return (warning.code, warning.id or 0, warning.key or "")
