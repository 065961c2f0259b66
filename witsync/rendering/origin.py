"""Whose change it is: a plan's changes split into *from the manifests* and *drift on the board*.

A change is drift when a person changed the field or link on the board since witsync wrote it
(`FieldEdit.drift`, read from the items' histories and witsync's history marks): merging puts the
manifests' value back over that person's edit. Everything else (a manifest edit, an adoption, a
change whose history was not read) comes from the manifests. Every format shows the two groups
under these headings, in the plan's order, and names who made each drift and when.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from witsync.model import Action, FieldChange, FieldEdit, LinkChange, Plan
from witsync.text import one_line

Origin = Literal["manifests", "board"]
FROM_MANIFESTS = "From the manifests"
DRIFT_ON_BOARD = "Drift on the board"
DRIFT_EXPLAINED = (
    "people changed these on the board since witsync wrote them; applying puts the manifests' "
    "values back"
)
HEADINGS: dict[Origin, str] = {"manifests": FROM_MANIFESTS, "board": DRIFT_ON_BOARD}


def origin_of(change: FieldChange | LinkChange) -> Origin:
    """`board` for drift, `manifests` for everything else."""
    return "board" if change.drift else "manifests"


def split_action(action: Action) -> tuple[Action | None, Action | None]:
    """The action's part from the manifests and its part that undoes drift on the board (each
    None when empty). The first keeps the notes; an action with no changes of its own (a create
    without fields, a removal) is from the manifests."""
    drift_fields = tuple(change for change in action.field_changes if change.drift)
    drift_links = tuple(change for change in action.link_changes if change.drift)
    if not drift_fields and not drift_links:
        return action, None
    fields = tuple(change for change in action.field_changes if not change.drift)
    links = tuple(change for change in action.link_changes if not change.drift)
    drift = dataclasses.replace(
        action, field_changes=drift_fields, link_changes=drift_links, notes=()
    )
    if not fields and not links and not action.notes and action.kind == "update":
        return None, drift
    return dataclasses.replace(action, field_changes=fields, link_changes=links), drift


def split_plan(plan: Plan) -> dict[Origin, list[Action]]:
    """The plan's actions in two groups, each in the plan's order (an action with both kinds of
    change is in both, with its own changes of each)."""
    groups: dict[Origin, list[Action]] = {"manifests": [], "board": []}
    for action in plan.actions:
        ours, theirs = split_action(action)
        if ours is not None:
            groups["manifests"].append(ours)
        if theirs is not None:
            groups["board"].append(theirs)
    return groups


def edit_text(edit: FieldEdit | None, *, link: LinkChange | None = None) -> str:
    """Who set what the plan changes, as a reviewer reads it ("" when nothing is worth saying):
    `changed on the board by <who> at <when>, rev N` for drift (a link: `removed`/`added`),
    `last set on the board by …` for a value a person set that witsync never wrote; nothing for
    a value witsync's own earlier apply wrote."""
    if edit is None or (edit.by_witsync and not edit.drift):
        return ""
    # The name is whatever the board's identity says: written out, never obeyed by a terminal.
    by, at = one_line(edit.by), one_line(edit.at)
    when = f" at {at}" if at else ""
    if link is not None:
        if not edit.drift:
            return ""
        verb = "removed" if link.op == "add" else "added"
        return f"{verb} on the board by {by}{when}"
    verb = "changed on the board" if edit.drift else "last set on the board"
    return f"{verb} by {by}{when}, rev {edit.rev}"
