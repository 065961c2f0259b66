"""Field work: the field operations, changes and notes of one item's create or update.

Only fields a manifest states are managed; `None` clears one. Ownership per field: `managed`
(diffed every time), `create-only` (sent on create, never diffed after), `ignored` (never sent).
Values are compared in their canonical form (witsync.planning.normalize). Tags: the stated ones
and the scope tag are ensured, people's are kept (witsync.planning.tags). A new item whose state
is not its type's initial state is created, then moved by a second `update` step, and the plan
says so. A create is not finished until that move is: an item witsync created whose state
never changed since (`Live.unmoved`, from its history) is moved now, although state is
create-only. A new item, or one adopted without it, gets the marker hyperlink that pairs it with
its key from now on.

Items that come back or change: an item prune closed (`Live.pruned`) whose entry is back is
reopened, moved to the state its entry states, else its type's first state. An entry of another
type than its work item changes the item's type (a `replace` of System.WorkItemType first in the
patch, as Azure DevOps does it); when the new type lacks the item's state, the state moves too:
to the one the entry states, else the new type's first state of the same category, else its first
state. An entry moved from a previous key (`previousKeys`) gets the new marker and loses the old
one in the same guarded patch.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from witsync.marker import marker_url, scope_tag
from witsync.model import (
    JSON,
    DesiredItem,
    FieldChange,
    Live,
    LiveItem,
    PatchOp,
    Process,
    Step,
    TypeInfo,
)
from witsync.planning.diff import changed_fields
from witsync.planning.normalize import (
    REASON_FIELD,
    STATE_FIELD,
    TAGS_FIELD,
    canonical,
    display_value,
    field_kind,
    identity_key,
    is_empty,
    join_tags,
    quick_canonical,
    tag_list,
    wire_value,
)
from witsync.planning.pair import Pairing
from witsync.planning.patch import (
    add_hyperlink,
    create_field,
    field_path,
    guard_rev,
    remove_relation,
    set_field,
    set_tags,
)
from witsync.planning.tags import tag_work

TYPE_FIELD = "System.WorkItemType"


@dataclass(frozen=True)
class FieldWork:
    """What one item's fields need: the operations of its create or update step, and more."""

    ops: tuple[PatchOp, ...] = ()
    """Field operations (tags included) of the create, or of the guarded update."""
    changes: tuple[FieldChange, ...] = ()
    marker: PatchOp | None = None
    """The marker hyperlink to add, when the item does not carry it yet."""
    notes: tuple[str, ...] = ()
    later_steps: tuple[Step, ...] = ()
    """A create's second step: the move out of the initial state, and fields to clear."""
    removes: tuple[PatchOp, ...] = ()
    """Relation removals of the update: a rekey's old marker."""
    reopen: bool = False
    """The item is closed because witsync's prune closed it, and this update reopens it."""


def field_work(pairing: Pairing, live: Live, process: Process, scope: str) -> dict[str, FieldWork]:
    """The field work of every paired entry, by key."""
    return {
        key: create_work(pair.item, process, scope)
        if pair.live is None
        else update_work(
            pair.item,
            pair.live,
            live,
            process,
            scope,
            marked=bool(pairing.keys_of_id.get(pair.live.id)),
            previous_key=pair.previous_key,
        )
        for key, pair in pairing.pairs.items()
    }


def create_work(item: DesiredItem, process: Process, scope: str) -> FieldWork:
    """A new item: its stated fields, scope tag and marker, then a move out of the initial
    state and the clearing of fields stated empty, if either is needed."""
    type_info = process.types.get(item.type)
    initial = type_info.initial_state if type_info else None
    state = item.fields.get(STATE_FIELD)
    move = (
        item.owner(STATE_FIELD) != "ignored"
        and not is_empty(state)
        and initial is not None
        and str(state).casefold() != initial.casefold()
    )
    ops: list[PatchOp] = []
    changes: list[FieldChange] = []
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
                cleared.append(set_field(ref, _kind(process, ref), None, None))
            continue
        kind = _kind(process, ref)
        after = display_value(kind, wire_value(kind, value))
        changes.append(FieldChange(ref, None, after, mode))
        if move and ref in (STATE_FIELD, REASON_FIELD):
            deferred.append(PatchOp("replace", f"/fields/{ref}", wire_value(kind, value)))
        else:
            ops.append(create_field(ref, kind, value))
    stated = item.fields.get(TAGS_FIELD) if item.owner(TAGS_FIELD) != "ignored" else None
    tags = (*tag_list(stated), scope_tag(scope))
    ops.append(set_tags(None, tags))
    changes.append(FieldChange(TAGS_FIELD, None, join_tags(tags), item.owner(TAGS_FIELD)))
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
    later: tuple[Step, ...] = ()
    if notes:
        later = (Step("update", (guard_rev(1), *deferred, *cleared), note="; ".join(notes)),)
    return FieldWork(
        ops=tuple(ops),
        changes=tuple(changes),
        marker=add_hyperlink(marker_url(scope, item.key)),
        notes=tuple(notes),
        later_steps=later,
    )


def update_work(
    item: DesiredItem,
    current: LiveItem,
    live: Live,
    process: Process,
    scope: str,
    *,
    marked: bool,
    previous_key: str | None = None,
) -> FieldWork:
    """An existing item (`marked`: it carries a marker already): its type if the entry's
    differs, the managed fields that differ, the unfinished state move of its create, or the
    state move of a reopen or a type change, its tags, and the marker if it lacks one (a new
    one for a `previous_key`, whose marker goes)."""
    refs = [ref for ref in item.fields if ref != TAGS_FIELD and item.owner(ref) == "managed"]
    # Quick forms first (no HTML parsing); full canonical forms only where those differ.
    want: dict[str, Hashable] = {}
    have: dict[str, Hashable] = {}
    for ref in refs:
        kind = _kind(process, ref)
        wanted, value = item.fields[ref], current.fields.get(ref)
        if quick_canonical(kind, wanted) != quick_canonical(kind, value, as_stored=True):
            want[ref] = canonical(kind, wanted)
            have[ref] = canonical(kind, value, as_stored=True)
    changed = changed_fields(have, want)
    edits = live.edits.get(current.id, {})
    ops: list[PatchOp] = []
    changes: list[FieldChange] = []
    notes: list[str] = []
    target = _type_named(process, item.type)
    if target is not None and target.name.casefold() != current.type.casefold():
        # first in the patch: the fields and state after it are the new type's
        ops.append(PatchOp("replace", field_path(TYPE_FIELD), target.name))
        changes.append(FieldChange(TYPE_FIELD, current.type, target.name))
        notes.append(f"changes its type from {current.type!r} to {target.name!r}")
    for ref in refs:
        if ref not in changed:
            continue
        kind = _kind(process, ref)
        wanted, value = item.fields[ref], current.fields.get(ref)
        if kind == "identity" and _same_identity(wanted, value):
            continue
        ops.append(set_field(ref, kind, value, wanted))
        after = None if is_empty(wanted) else display_value(kind, wire_value(kind, wanted))
        changes.append(
            FieldChange(ref, display_value(kind, value), after, "managed", edits.get(ref))
        )
    if current.id in live.unmoved:
        move = _finish_move(item, current)
        ops.extend(move.ops)
        changes.extend(move.changes)
        notes.extend(move.notes)
    reopen = current.id in live.pruned
    if not any(op.path == field_path(STATE_FIELD) for op in ops):
        move = _state_move(item, current, process, target, reopen=reopen)
        ops.extend(move.ops)
        changes.extend(move.changes)
        notes.extend(move.notes)
    tags = tag_work(
        item,
        current,
        scope,
        edits,
        live.witsync_tags.get(current.id),
        live.removed_tags.get(current.id, frozenset()),
    )
    if tags is not None:
        ops.append(tags[0])
        changes.append(tags[1])
    marker = None
    removes: tuple[PatchOp, ...] = ()
    if previous_key is not None:
        old = marker_url(scope, previous_key)
        marker = add_hyperlink(marker_url(scope, item.key))
        removes = tuple(
            remove_relation(index, relation.rel, relation.url)
            for index, relation in enumerate(current.relations)
            if relation.url == old
        )
        notes.append(
            f"moves from key {previous_key!r} to {item.key!r} (previousKeys): its marker is "
            "rewritten in the same guarded patch"
        )
    elif not marked:
        marker = add_hyperlink(marker_url(scope, item.key))
        notes.append(f"adds the marker: tag {scope_tag(scope)} and key {item.key!r}")
    return FieldWork(
        ops=tuple(ops),
        changes=tuple(changes),
        marker=marker,
        notes=tuple(notes),
        removes=removes,
        reopen=reopen and any(op.path == field_path(STATE_FIELD) for op in ops),
    )


def _type_named(process: Process, name: str) -> TypeInfo | None:
    """The process's type called `name` (in any case: the server compares type names so)."""
    found = process.types.get(name)
    if found is not None:
        return found
    return next((t for t in process.types.values() if t.name.casefold() == name.casefold()), None)


def _state_move(
    item: DesiredItem,
    current: LiveItem,
    process: Process,
    target: TypeInfo | None,
    *,
    reopen: bool,
) -> FieldWork:
    """The state move the manifest's diff does not make but the item needs: out of the closed
    state prune put it in (`reopen`), or out of a state its new type lacks."""
    now = str(current.fields.get(STATE_FIELD, ""))
    stated = item.fields.get(STATE_FIELD)
    if item.owner(STATE_FIELD) == "ignored" or is_empty(stated):
        stated = None
    retyped = target is not None and target.name.casefold() != current.type.casefold()
    if reopen:
        state = str(stated) if stated is not None else (target.initial_state if target else None)
        why = (
            f"reopened: witsync's prune closed it when it left the manifests; back in them, it "
            f"moves from {now!r} to {state!r}"
        )
    elif retyped and target is not None and not _has_state(target, now):
        state = str(stated) if stated is not None else mapped_state(process, current, target)
        why = f"a {target.name} has no state {now!r}: it moves to {state!r}"
    else:
        return FieldWork()
    if state is None or state.casefold() == now.casefold():
        return FieldWork()
    change = FieldChange(STATE_FIELD, now or None, state, item.owner(STATE_FIELD))
    op = PatchOp("replace", field_path(STATE_FIELD), state)
    return FieldWork(ops=(op,), changes=(change,), notes=(why,))


def mapped_state(process: Process, current: LiveItem, target: TypeInfo) -> str:
    """Where a type change takes a state the new type lacks, as Azure DevOps does: the new
    type's first state of the same category, else its first state."""
    now = str(current.fields.get(STATE_FIELD, "")).casefold()
    old = process.types.get(current.type)
    category = next(
        (info.category for info in (old.states if old else ()) if info.name.casefold() == now),
        None,
    )
    same = [info.name for info in target.states if info.category == category]
    return same[0] if same else target.initial_state


def _has_state(type_info: TypeInfo, state: str) -> bool:
    return any(info.name.casefold() == state.casefold() for info in type_info.states)


def _finish_move(item: DesiredItem, current: LiveItem) -> FieldWork:
    """The state move of a create that stopped before it (see `Live.unmoved`), if any."""
    state, now = item.fields.get(STATE_FIELD), current.fields.get(STATE_FIELD)
    if item.owner(STATE_FIELD) != "create-only" or is_empty(state):
        return FieldWork()
    if str(state).casefold() == str(now).casefold():
        return FieldWork()
    ops: list[PatchOp] = []
    changes: list[FieldChange] = []
    for ref in (STATE_FIELD, REASON_FIELD):
        value = item.fields.get(ref)
        if ref == STATE_FIELD or not is_empty(value):
            ops.append(PatchOp("replace", f"/fields/{ref}", value))
            changes.append(FieldChange(ref, current.fields.get(ref), value, "create-only"))
    note = (
        f"finishes its create: the move from {now!r} to {state!r} never happened "
        "(the run that created it stopped or failed before it)"
    )
    return FieldWork(ops=tuple(ops), changes=tuple(changes), notes=(note,))


def _kind(process: Process, ref: str) -> str:
    return field_kind(ref, process.fields.get(ref))


def _same_identity(desired: JSON, live: JSON) -> bool:
    """A display name in a manifest matches the identity object the server returns for it."""
    if is_empty(desired) or is_empty(live):
        return is_empty(desired) and is_empty(live)
    if identity_key(desired) == identity_key(live):
        return True
    name = live.get("displayName") if isinstance(live, dict) else None
    return isinstance(name, str) and name.casefold() == str(desired).strip().casefold()
