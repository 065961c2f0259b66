"""Tags people add stay (issue 11, point 11), and link drift is attributed (point 10).

Before: an item whose manifest lists tags lost every other tag on the next apply, and a link
change on the board was shown without who made it."""

from __future__ import annotations

import dataclasses

from plan_support import TARGET, Board, desired, item, process

from witsync.model import REL_PARENT, FieldEdit, PatchOp
from witsync.planning.planner import make_plan
from witsync.planning.tags import tag_candidates

SCOPE_TAG = "witsync:web"


def tags_op(plan):
    (action,) = plan.actions
    return next(op for op in action.steps[-1].ops if op.path == "/fields/System.Tags")


def test_a_tag_a_person_added_stays_and_a_dropped_tag_witsync_added_goes():
    board = Board()
    id = board.add("Task", {"System.Title": "x"}, key="a", tags="q3; blocked; needs-design")
    # the history says: witsync added q3 (and its scope tag); people added the others
    live = dataclasses.replace(board.live(), witsync_tags={id: frozenset({"q3", SCOPE_TAG})})
    plan = make_plan(desired(item("a", title="x", tags=("q4",))), live, process(), TARGET)
    assert tags_op(plan) == PatchOp(
        "replace", "/fields/System.Tags", "blocked; needs-design; q4; witsync:web"
    )


def test_with_exact_tags_the_manifest_is_the_whole_list():
    board = Board()
    id = board.add("Task", {"System.Title": "x"}, key="a", tags="q3; blocked; witsync:mobile")
    live = dataclasses.replace(board.live(), witsync_tags={id: frozenset({"q3"})})
    entry = item("a", title="x", tags=("q4",), exact_tags=True)
    plan = make_plan(desired(entry), live, process(), TARGET)
    # other scopes' tags are never witsync:web's to remove
    assert tags_op(plan).value == "q4; witsync:mobile; witsync:web"


def test_an_item_whose_history_was_not_read_keeps_every_tag_it_has():
    board = Board()
    board.add("Task", {"System.Title": "x"}, key="a", tags="q3; blocked")
    plan = make_plan(desired(item("a", title="x", tags=("q4",))), board.live(), process(), TARGET)
    assert tags_op(plan).value == "blocked; q3; q4; witsync:web"


def test_histories_are_read_only_where_they_can_change_the_tags():
    board = Board()
    extra = board.add("Task", {"System.Title": "x"}, key="extra", tags="q3; blocked")
    board.add("Task", {"System.Title": "x"}, key="same", tags="q3")
    board.add("Task", {"System.Title": "x"}, key="unstated", tags="blocked")
    board.add("Task", {"System.Title": "x"}, key="exact", tags="q3; blocked")
    board.add("Task", {"System.Title": "x"}, key="other-scope", tags="q3; witsync:mobile")
    d = desired(
        item("extra", title="x", tags=("q3",)),
        item("same", title="x", tags=("Q3",)),
        item("unstated", title="x"),
        item("exact", title="x", tags=("q3",), exact_tags=True),
        item("other-scope", title="x", tags=("q3",)),
        item("new", title="x", tags=("q3",)),
    )
    live = board.live()
    assert tag_candidates(d, live, make_plan(d, live, process(), TARGET)) == [extra]


def test_a_parent_changed_on_the_board_is_drift_with_who_and_when():
    board = Board()
    home = board.add("Epic", {"System.Title": "Home"}, key="home")
    other = board.add("Epic", {"System.Title": "Other"}, key="other")
    story = board.add("User Story", {"System.Title": "s"}, key="s")
    board.link(story, REL_PARENT, other)
    moved = FieldEdit("Priya <priya@x>", "2026-11-20T10:00:00Z", 3, drift=True)
    live = dataclasses.replace(
        board.live(),
        link_edits={story: {("added", REL_PARENT, other): moved}},
    )
    d = desired(
        item("home", "Epic", title="Home"),
        item("other", "Epic", title="Other"),
        item("s", "User Story", title="s", parent="home"),
    )
    (action,) = make_plan(d, live, process(), TARGET).actions
    by_op = {change.op: change for change in action.link_changes}
    assert by_op["remove"].last_edit == moved
    assert by_op["remove"].drift
    # nobody removed the new parent on the board: that link is the manifests'
    assert by_op["add"].last_edit is None
    assert not by_op["add"].drift
    assert home in {change.target_id for change in action.link_changes}


def test_a_tag_change_is_drift_only_when_it_undoes_a_person_s_edit():
    board = Board()
    id = board.add("Task", {"System.Title": "x"}, key="a", tags="blocked; q3")
    # Priya edited the tags last (she added "blocked"): the field's last edit is hers
    priya = FieldEdit("Priya <priya@x>", "2026-11-20T10:00:00Z", 4, drift=True)
    live = dataclasses.replace(
        board.live(),
        edits={id: {"System.Tags": priya}},
        witsync_tags={id: frozenset({"q3", SCOPE_TAG})},
    )
    # the manifest adds q4 and keeps her tag: the change is the manifests'
    (change,) = (
        make_plan(desired(item("a", title="x", tags=("q3", "q4"))), live, process(), TARGET)
        .actions[0]
        .field_changes
    )
    assert (change.after, change.drift) == ("blocked; q3; q4; witsync:web", False)
    # she removed "triage", which witsync had added and the manifest still states: drift
    removed = dataclasses.replace(live, removed_tags={id: frozenset({"triage"})})
    (change,) = (
        make_plan(desired(item("a", title="x", tags=("q3", "triage"))), removed, process(), TARGET)
        .actions[0]
        .field_changes
    )
    assert change.drift
    assert change.last_edit is not None
    assert change.last_edit.by == "Priya <priya@x>"
