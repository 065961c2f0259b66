"""Removals in levels, children first: a parent is closed or deleted only once its children are.

The plan lists removals children first; its overview (`Plan.items`) says where each removed item
sits on the board. A removal's level is its height among the removed items: 0 for one with no
removed child, else one more than its highest removed child. The applier writes a level only once
the one below is done, and the removals of one level go together in `$batch` requests. A plan
without an overview of its removals (read from an older plan file) is written in its own order,
200 at a time.
"""

from __future__ import annotations

from witsync.ado.batch import WRITE_BATCH_SIZE
from witsync.model import Action, Plan


def removal_levels(plan: Plan) -> list[list[Action]]:
    """The plan's removals by level, lowest first; plan order within a level."""
    removals = [action for action in plan.actions if action.kind == "remove"]
    parent_of = {item.id: item.parent for item in plan.items if item.id is not None}
    if any(action.id is None or action.id not in parent_of for action in removals):
        return [
            removals[start : start + WRITE_BATCH_SIZE]
            for start in range(0, len(removals), WRITE_BATCH_SIZE)
        ]
    removed = {action.id for action in removals if action.id is not None}
    ids_of_key: dict[str, list[int]] = {}
    for action in removals:
        if action.id is not None:
            ids_of_key.setdefault(action.key, []).append(action.id)
    children: dict[int, list[int]] = {}
    for item_id in removed:
        parent = parent_of.get(item_id)
        above = ids_of_key.get(parent, []) if isinstance(parent, str) else [parent]
        for parent_id in above:
            if parent_id in removed and parent_id != item_id:
                children.setdefault(parent_id, []).append(item_id)

    heights: dict[int, int] = {}

    def height(item_id: int, path: frozenset[int]) -> int:
        if item_id not in heights:
            below = [c for c in children.get(item_id, ()) if c not in path]  # a loop: cut
            heights[item_id] = max(
                (height(child, path | {item_id}) + 1 for child in below), default=0
            )
        return heights[item_id]

    levels: dict[int, list[Action]] = {}
    for action in removals:
        assert action.id is not None
        levels.setdefault(height(action.id, frozenset()), []).append(action)
    return [levels[level] for level in sorted(levels)]
