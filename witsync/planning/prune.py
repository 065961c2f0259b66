"""Removals: what a plan does with managed items that left the manifests.

Only with prune; otherwise each is listed as a warning. Per policy: `close` moves the item to
its type's state of category Removed (else Completed), `delete` sends it to the recycle bin,
`unmanage` removes the scope tag and the marker hyperlink and leaves the item as it is.
Removals go children first (by depth under their live parents, then id). An item already in a
Completed or Removed state needs no closing: it is listed as closed (`Plan.closed`), not counted
unchanged. Prune's close writes a history note (`witsync.marker.prune_note`): the revision that
closed the item says witsync did, so that the item is reopened if its entry comes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from witsync.marker import marker_url, prune_note, scope_tag
from witsync.model import (
    REL_PARENT,
    Action,
    ClosedItem,
    FieldChange,
    Live,
    LiveItem,
    PatchOp,
    PlanWarning,
    Process,
    RemovalPolicy,
    Step,
)
from witsync.planning.normalize import STATE_FIELD, TAGS_FIELD, join_tags, tag_list
from witsync.planning.patch import guard_rev, order_ops, remove_relation, set_tags

_VERBS = {"close": "closed", "delete": "deleted", "unmanage": "unmanaged"}
HISTORY_FIELD = "System.History"


@dataclass(frozen=True)
class Removals:
    actions: tuple[Action, ...]
    """In apply order: children first."""
    warnings: tuple[PlanWarning, ...]
    closed: tuple[ClosedItem, ...] = ()
    """Items left alone because they are closed already."""

    @property
    def already_closed(self) -> int:
        return len(self.closed)


def plan_removals(
    live: Live,
    process: Process,
    scope: str,
    leaving: Sequence[tuple[int, str]],
    *,
    prune: bool,
    removal: RemovalPolicy,
) -> Removals:
    """The removal of each `(id, key)` that left the manifests, or a warning for it."""
    warnings: list[PlanWarning] = []
    ordered: list[tuple[int, int, Action]] = []
    closed: list[ClosedItem] = []
    for item_id, key in leaving:
        item = live.items[item_id]
        closed_state = _closed_state(item, process)
        if removal == "close" and closed_state is None:
            warnings.append(
                PlanWarning(
                    "cannot-close",
                    f"work item #{item_id} ({key!r}, a {item.type}) has no state of category "
                    "Removed or Completed to close it in; it is left alone",
                    key=key,
                    id=item_id,
                )
            )
            continue
        if removal == "close" and _is_closed(item, process):
            state = str(item.fields.get(STATE_FIELD, ""))
            closed.append(ClosedItem(key, item_id, item.type, item.title, state))
            continue
        if not prune:
            warnings.append(
                PlanWarning(
                    "missing-from-manifests",
                    f"work item #{item_id} ({key!r}) is managed but no longer in the manifests; "
                    f"with --prune it would be {_VERBS[removal]}",
                    key=key,
                    id=item_id,
                )
            )
            continue
        action = _removal(item, key, scope, removal, closed_state)
        ordered.append((-_live_depth(live, item_id), item_id, action))
    actions = tuple(action for _, _, action in sorted(ordered, key=lambda entry: entry[:2]))
    return Removals(actions, tuple(warnings), tuple(closed))


def _removal(
    live: LiveItem, key: str, scope: str, removal: RemovalPolicy, closed_state: str | None
) -> Action:
    changes: list[FieldChange] = []
    if removal == "delete":
        steps = (Step("delete", (), note="to the recycle bin"),)
        note = "deleted (recycle bin)"
    elif removal == "close":
        assert closed_state is not None
        op = PatchOp("replace", f"/fields/{STATE_FIELD}", closed_state)
        # the note tells a later plan that witsync closed it (and may reopen it)
        note_op = PatchOp("add", f"/fields/{HISTORY_FIELD}", prune_note(scope))
        steps = (
            Step(
                "update",
                (guard_rev(live.rev), op, note_op),
                note=f"closed: state -> {closed_state}",
            ),
        )
        changes.append(FieldChange(STATE_FIELD, live.fields.get(STATE_FIELD), closed_state))
        note = f"closed (state {closed_state!r})"
    else:
        own = scope_tag(scope).casefold()
        current = live.fields.get(TAGS_FIELD)
        tags = [t for t in tag_list(current) if t.casefold() != own]
        removes = [
            remove_relation(index, relation.rel, relation.url)
            for index, relation in enumerate(live.relations)
            if relation.url == marker_url(scope, key)
        ]
        ops = order_ops([set_tags(current, tags)], removes, ())
        steps = (Step("update", (guard_rev(live.rev), *ops), note="unmanaged: marker removed"),)
        changes.append(
            FieldChange(TAGS_FIELD, join_tags(tag_list(current)), join_tags(tags) or None)
        )
        note = "unmanaged (marker removed, the work item stays)"
    return Action(
        kind="remove",
        key=key,
        type=live.type,
        title=live.title,
        id=live.id,
        rev=live.rev,
        steps=steps,
        field_changes=tuple(changes),
        notes=(note,),
    )


def _closed_state(live: LiveItem, process: Process) -> str | None:
    type_info = process.types.get(live.type)
    if type_info is None:
        return None
    for category in ("Removed", "Completed"):
        for state in type_info.states:
            if state.category == category:
                return state.name
    return None


def _is_closed(live: LiveItem, process: Process) -> bool:
    """Already in a state of category Completed or Removed: closing it again changes nothing."""
    type_info = process.types.get(live.type)
    state = str(live.fields.get(STATE_FIELD, "")).casefold()
    return type_info is not None and any(
        info.name.casefold() == state and info.category in ("Completed", "Removed")
        for info in type_info.states
    )


def _live_depth(live: Live, item_id: int) -> int:
    """How deep an item sits under live parents (bounded: a broken board cannot loop us)."""
    depth, current, seen = 0, live.items.get(item_id), {item_id}
    while current is not None:
        parent = next((r.target_id for r in current.relations if r.rel == REL_PARENT), None)
        if parent is None or parent in seen:
            break
        seen.add(parent)
        depth += 1
        current = live.items.get(parent)
    return depth
