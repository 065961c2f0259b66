"""The plan's overview: every item of the set as the plan leaves it, changed or not.

Actions say what changes; a reviewer also wants to see where it sits: the tree of epics,
features, stories and tasks after the plan (`Plan.items`, drawn by the HTML plan). Pure.

Per item: its key, type, title and id (None for a create); its parent after the plan (what the
manifest names, a key when that item is in the set; with no parent named, a parent outside the
set stays, as the planner keeps it; one inside the set is removed); its state after the plan
(what the plan sets, else what the board has, else the type's first state for a create); and
its manifest entry. Items the plan removes follow, under their parents on the board.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from witsync.model import REL_PARENT, Action, Live, LiveItem, PlanItem, Process
from witsync.planning.normalize import STATE_FIELD, is_empty
from witsync.planning.pair import Pairing

TITLE_FIELD = "System.Title"


def plan_items(
    pairing: Pairing, live: Live, process: Process, actions: Iterable[Action]
) -> tuple[PlanItem, ...]:
    """The overview of a plan made of `actions` (every action of the plan, removals included)."""
    acted = {action.key: action for action in actions if action.kind != "remove"}
    removals = [action for action in actions if action.kind == "remove"]
    key_of = {item_id: key for key, item_id in pairing.claims.items()}
    key_of.update(pairing.key_of_id)
    items = []
    for pair in sorted(pairing.pairs.values(), key=lambda p: p.index):
        item, current = pair.item, pair.live
        parent: str | int | None = item.parent
        if isinstance(parent, int):
            parent = pairing.key_of_id.get(parent, parent)
        elif parent is None and current is not None:
            outside = _live_parent(current)
            if outside is not None and outside not in pairing.key_of_id:
                parent = outside
        title = item.fields.get(TITLE_FIELD)
        items.append(
            PlanItem(
                key=item.key,
                type=current.type if current is not None else item.type,
                title=str(title)
                if isinstance(title, str)
                else (current.title if current is not None else ""),
                id=current.id if current is not None else None,
                parent=parent,
                state=_state_after(
                    acted.get(item.key), current, item.fields.get(STATE_FIELD), process, item.type
                ),
                location=item.location,
            )
        )
    for action in removals:
        current = live.items.get(action.id) if action.id is not None else None
        above = _live_parent(current) if current is not None else None
        items.append(
            PlanItem.of_action(
                action,
                key_of.get(above, above) if above is not None else None,
                state=_state_after(action, current, None, process, action.type),
            )
        )
    return tuple(items)


def _live_parent(item: LiveItem) -> int | None:
    return next((r.target_id for r in item.relations if r.rel == REL_PARENT), None)


def _state_after(
    action: Action | None,
    current: LiveItem | None,
    stated: object,
    process: Process,
    type_name: str,
) -> str | None:
    changes: Mapping[str, object] = (
        {change.field: change.after for change in action.field_changes} if action else {}
    )
    if STATE_FIELD in changes and not is_empty(changes[STATE_FIELD]):
        return str(changes[STATE_FIELD])
    if current is not None:
        state = current.fields.get(STATE_FIELD)
        return str(state) if state else None
    if not is_empty(stated):
        return str(stated)
    info = process.types.get(type_name)
    return info.initial_state if info is not None else None
