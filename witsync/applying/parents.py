"""A parent changed on the board since the plan: found before the applier changes a parent.

Adding or removing a work-item link gives no item a new revision (DESIGN.md, "Patches"), so the
`test /rev` guard cannot see a re-parenting made after the plan. The server would then refuse the
planned parent (TF201036, one parent only) and the run would blame the manifest. So before a step
that changes an item's parent, the applier reads the item and asks `moved_since_plan`: a parent
the board shows that the plan neither takes off nor puts on is a concurrent edit, reported as a
conflict for that item ("changed on the board since the plan: parent is now #N; plan again").
A parent someone took off meanwhile is no conflict: the plan replaces or removes it anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from witsync.ado.wire import work_item_id_from_url
from witsync.errors import ServerError, StepConflict
from witsync.model import JSON, REL_PARENT, LiveItem, PatchOp

EXTRA_PARENT = "TF201036"
"""The server's "a work item can have only one Parent link" refusal."""


def changes_parent(planned: Sequence[PatchOp]) -> bool:
    """Whether a step puts a parent on its item or takes one off."""
    for op in planned:
        if op.relation is not None and _is_parent(op.relation[0]):
            return True
        if (
            op.op == "add"
            and op.path == "/relations/-"
            and isinstance(op.value, Mapping)
            and _is_parent(str(op.value.get("rel", "")))
        ):
            return True
    return False


def moved_since_plan(
    item_id: int,
    planned: Sequence[PatchOp],
    wired: Sequence[Mapping[str, JSON]],
    live: LiveItem,
) -> StepConflict | None:
    """The conflict to report when `live` (read now) has a parent that the step's `planned`
    operations (as `wired`, link URLs filled in) neither remove nor add; else None."""
    taken_off = {
        work_item_id_from_url(op.relation[1])
        for op in planned
        if op.relation is not None and _is_parent(op.relation[0])
    }
    put_on = {
        work_item_id_from_url(str(op["value"].get("url", "")))
        for op in wired
        if op.get("op") == "add"
        and op.get("path") == "/relations/-"
        and isinstance(op.get("value"), Mapping)
        and _is_parent(str(op["value"].get("rel", "")))
    }
    now = sorted(
        relation.target_id
        for relation in live.relations
        if _is_parent(relation.rel) and relation.target_id is not None
    )
    unexpected = [parent for parent in now if parent not in taken_off | put_on]
    if not unexpected:
        return None
    listed = ", ".join(f"#{parent}" for parent in unexpected)
    return StepConflict(
        f"#{item_id} changed on the board since the plan: parent is now {listed}; plan again",
        hint="run witsync plan to see the new parent, then apply the new plan",
    )


def is_extra_parent(error: ServerError) -> bool:
    """Whether the server refused a parent because the item has one already (a re-parenting
    that happened between the applier's read and its write)."""
    return EXTRA_PARENT in error.message or error.type_key == "WorkItemLinkAddExtraParentException"


def _is_parent(rel: str) -> bool:
    return rel.lower() == REL_PARENT.lower()
