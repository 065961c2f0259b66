"""A create is finished by the next plan: an item witsync created whose run stopped before its move
to the stated state is moved then, although state is create-only (plan.unmoved_candidates,
fetch.never_moved)."""

from __future__ import annotations

import dataclasses

from apply_support import SCOPE, Board, desired, item, items_by_key, open_board, plan_for

from witsync.applying.applier import apply_plan
from witsync.fetch import never_moved
from witsync.marker import marker_url
from witsync.model import Plan

CREATE_ONLY = {"System.State": "create-only"}  # as the loader's ownership defaults say
WANT = desired(
    item("epic", type="Epic"),
    dataclasses.replace(item("story", parent="epic", State="Active"), ownership=CREATE_ONLY),
    dataclasses.replace(item("fresh", State="New"), ownership=CREATE_ONLY),
)


def stopped_after_creating(plan: Plan) -> Plan:
    """The plan as far as a run killed between each create and its later steps got."""
    return dataclasses.replace(
        plan, actions=tuple(dataclasses.replace(a, steps=a.steps[:1]) for a in plan.actions)
    )


async def state_of(board: Board, key: str) -> str:
    [item_id] = (await items_by_key(board))[key]
    live = await board.client.get_item(item_id)
    assert live is not None
    return str(live.fields["System.State"])


async def test_the_next_plan_finishes_a_create_that_stopped_before_its_state_move() -> None:
    board = open_board()
    assert (await apply_plan(board.client, stopped_after_creating(await plan_for(board, WANT)))).ok
    assert await state_of(board, "story") == "New"

    plan = await plan_for(board, WANT)
    [action] = plan.actions
    assert (action.kind, action.key) == ("update", "story")
    assert any("finishes its create" in note for note in action.notes)
    assert [(c.field, c.before, c.after) for c in action.field_changes] == [
        ("System.State", "New", "Active")
    ]
    assert (await apply_plan(board.client, plan)).ok
    assert await state_of(board, "story") == "Active"
    assert not (await plan_for(board, WANT)).actions


async def test_a_state_a_person_moved_back_is_theirs() -> None:
    board = open_board()
    assert (await apply_plan(board.client, await plan_for(board, WANT))).ok
    [story] = (await items_by_key(board))["story"]
    for state in ("Resolved", "New"):
        move = {"op": "replace", "path": "/fields/System.State", "value": state}
        await board.client.update_item(story, [move])
    assert not (await plan_for(board, WANT)).actions, "create-only: a person's state stays"


async def test_an_unfinished_create_edited_by_a_person_is_still_finished() -> None:
    board = open_board()
    assert (await apply_plan(board.client, stopped_after_creating(await plan_for(board, WANT)))).ok
    [story] = (await items_by_key(board))["story"]
    title = {"op": "replace", "path": "/fields/System.Title", "value": "A person's title"}
    await board.client.update_item(story, [title])
    plan = await plan_for(board, WANT)
    assert [(a.key, [c.field for c in a.field_changes]) for a in plan.actions] == [
        ("story", ["System.Title", "System.State"])
    ]


def update(rev: int, fields: dict[str, object], added: list[str] = ()) -> dict[str, object]:
    relations = {"added": [{"rel": "Hyperlink", "url": url} for url in added]} if added else None
    entry: dict[str, object] = {"rev": rev, "fields": fields}
    if relations:
        entry["relations"] = relations
    return entry


def test_never_moved_needs_the_marker_in_the_first_revision_and_no_state_change_since() -> None:
    state = {"System.State": {"newValue": "New"}}
    title = {"System.Title": {"oldValue": "a", "newValue": "b"}}
    moved = {"System.State": {"oldValue": "New", "newValue": "Active"}}
    marker = [marker_url(SCOPE, "story")]
    assert never_moved([update(1, state, marker), update(2, title)], SCOPE)
    assert not never_moved([update(1, state, marker), update(2, moved)], SCOPE)
    # adopted: the marker came later, so witsync did not create it
    assert not never_moved([update(1, state), update(2, title, marker)], SCOPE)
    assert not never_moved([update(1, state, [marker_url("other", "story")])], SCOPE)
    assert not never_moved([], SCOPE)
