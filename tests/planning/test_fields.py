"""Field work: one item's field operations, changes, notes and later steps, create or update."""

from __future__ import annotations

import dataclasses

from plan_support import Board, desired, item, process

from witsync.marker import marker_url
from witsync.model import REL_HYPERLINK, FieldChange, FieldEdit, PatchOp, Step
from witsync.planning.fields import FieldWork, create_work, field_work, update_work
from witsync.planning.pair import pair_items

PROCESS = process()
CREATE_ONLY_STATE = {"System.State": "create-only"}
MARKER = PatchOp("add", "/relations/-", {"rel": REL_HYPERLINK, "url": marker_url("web", "a")})


def updated(board: Board, id: int, entry, *, marked: bool = True, **live_changes) -> FieldWork:
    live = dataclasses.replace(board.live(), **live_changes)
    return update_work(entry, live.items[id], live, PROCESS, "web", marked=marked)


# -- create ---------------------------------------------------------------------------------------


def test_a_create_in_the_initial_state_is_one_step_with_tags_and_marker():
    work = create_work(item("a", title="x", state="New", tags=("ux",)), PROCESS, "web")
    assert work.ops == (
        PatchOp("add", "/fields/System.Title", "x"),
        PatchOp("add", "/fields/System.State", "New"),
        PatchOp("add", "/fields/System.Tags", "ux; witsync:web"),
    )
    assert [(c.field, c.before, c.after, c.mode) for c in work.changes] == [
        ("System.Title", None, "x", "managed"),
        ("System.State", None, "New", "managed"),
        ("System.Tags", None, "ux; witsync:web", "managed"),
    ]
    assert work.marker == MARKER
    assert (work.notes, work.later_steps) == ((), ())


def test_a_create_in_a_later_state_moves_state_then_reason_in_a_second_step():
    entry = item("a", "User Story", reason="Because", state="Active")  # reason stated first
    work = create_work(entry, PROCESS, "web")
    assert not any(op.path in ("/fields/System.State", "/fields/System.Reason") for op in work.ops)
    [later] = work.later_steps
    assert later.ops == (
        PatchOp("test", "/rev", 1),
        PatchOp("replace", "/fields/System.State", "Active"),
        PatchOp("replace", "/fields/System.Reason", "Because"),
    )
    assert work.notes == (
        "created in state 'New', where every new User Story starts, then moved to 'Active'",
    )
    assert later.note == work.notes[0]


def test_fields_stated_empty_are_cleared_after_the_create():
    work = create_work(item("a", priority=None, risk=""), PROCESS, "web")
    assert not any("Priority" in op.path or "Risk" in op.path for op in work.ops)
    assert work.later_steps == (
        Step(
            "update",
            (
                PatchOp("test", "/rev", 1),
                PatchOp("remove", "/fields/Microsoft.VSTS.Common.Priority"),
                PatchOp("remove", "/fields/Custom.Risk"),
            ),
            note="then cleared Microsoft.VSTS.Common.Priority, Custom.Risk "
            "(stated empty; the server may fill a default)",
        ),
    )


def test_ignored_fields_and_an_ignored_state_are_not_sent_on_create():
    ownership = {"System.State": "ignored", "Custom.Risk": "ignored", "System.Tags": "ignored"}
    entry = item("a", state="Active", risk="high", tags=("ux",), ownership=ownership)
    work = create_work(entry, PROCESS, "web")
    assert [op.path for op in work.ops] == ["/fields/System.Title", "/fields/System.Tags"]
    assert work.ops[-1].value == "witsync:web"  # ignored tags: only the scope tag
    assert work.later_steps == ()


# -- update ---------------------------------------------------------------------------------------


def test_only_managed_fields_that_differ_are_updated():
    board = Board()
    id = board.add(
        "Task", {"System.Title": "x", "Custom.Risk": "low", "Custom.Flag": True}, key="a"
    )
    entry = item(
        "a",
        title="y",
        risk="high",
        flag=True,
        priority=1,
        ownership={"Custom.Risk": "create-only"},
    )
    work = updated(board, id, entry)
    assert work.ops == (
        PatchOp("replace", "/fields/System.Title", "y"),
        PatchOp("add", "/fields/Microsoft.VSTS.Common.Priority", 1),
    )
    assert [(c.field, c.before, c.after) for c in work.changes] == [
        ("System.Title", "x", "y"),
        ("Microsoft.VSTS.Common.Priority", None, 1),
    ]
    assert (work.marker, work.notes, work.later_steps) == (None, (), ())


def test_nothing_differs_nothing_to_do():
    board = Board()
    id = board.add(
        "Task", {"System.Title": "x", "System.AssignedTo": "Ann <ann@fabrikam.com>"}, key="a"
    )
    # the board holds an identity object; the manifest names her by display name
    assert updated(board, id, item("a", title="x", assigned="Ann")) == FieldWork()


def test_the_last_edit_of_a_drifted_field_is_attached_to_its_change():
    board = Board()
    id = board.add("Task", {"System.Title": "x"}, key="a", tags="ux")
    edit = FieldEdit("Ann", "2026-11-20T10:00:00Z", 2)
    work = updated(
        board,
        id,
        item("a", title="y", tags=("q3",)),
        edits={id: {"System.Title": edit, "System.Tags": edit}},
    )
    assert [(c.field, c.last_edit) for c in work.changes] == [
        ("System.Title", edit),
        ("System.Tags", edit),
    ]


def test_tags_keep_other_scopes_and_put_the_scope_tag_back():
    board = Board()
    id = board.add("Task", {"System.Title": "x"}, key="a", tags="old; witsync:mobile")
    board.edit(id, "System.Tags", "old; witsync:mobile")  # a person removed witsync:web
    managed = updated(board, id, item("a", title="x", tags=("new",), exact_tags=True))
    assert managed.ops == (
        PatchOp("replace", "/fields/System.Tags", "new; witsync:mobile; witsync:web"),
    )
    assert managed.changes == (
        FieldChange(
            "System.Tags", "old; witsync:mobile", "new; witsync:mobile; witsync:web", "managed"
        ),
    )
    unstated = updated(board, id, item("a", title="x"))
    assert unstated.ops == (
        PatchOp("replace", "/fields/System.Tags", "old; witsync:mobile; witsync:web"),
    )
    # not exact: "old" may be a person's (its history was not read), so it stays
    kept = updated(board, id, item("a", title="x", tags=("new",)))
    assert kept.ops == (
        PatchOp("replace", "/fields/System.Tags", "new; old; witsync:mobile; witsync:web"),
    )


def test_an_item_without_the_marker_gets_it_and_a_note():
    board = Board()
    id = board.add("Task", {"System.Title": "x"}, tags="witsync:web")
    work = updated(board, id, item("a", title="x"), marked=False)
    assert work.marker == MARKER
    assert work.notes == ("adds the marker: tag witsync:web and key 'a'",)
    assert work.ops == ()


def test_an_unmoved_create_is_moved_although_state_is_create_only():
    board = Board()
    id = board.add("User Story", {"System.Title": "x"}, key="a")
    entry = item("a", "User Story", title="x", state="Active", ownership=CREATE_ONLY_STATE)
    assert updated(board, id, entry) == FieldWork()  # not unmoved: the state is a person's
    work = updated(board, id, entry, unmoved=frozenset({id}))
    assert work.ops == (PatchOp("replace", "/fields/System.State", "Active"),)
    assert work.changes == (FieldChange("System.State", "New", "Active", "create-only"),)
    [note] = work.notes
    assert note.startswith("finishes its create: the move from 'New' to 'Active' never happened")


def test_an_unmoved_item_already_in_the_stated_state_is_left_alone():
    board = Board()
    id = board.add("User Story", {"System.Title": "x"}, key="a")
    entry = item("a", "User Story", title="x", state="new", ownership=CREATE_ONLY_STATE)
    assert updated(board, id, entry, unmoved=frozenset({id})) == FieldWork()


# -- every entry ----------------------------------------------------------------------------------


def test_field_work_creates_new_entries_and_marks_only_unmarked_items():
    board = Board()
    board.add("Task", {"System.Title": "x"}, key="a")
    adopted = board.add("Task", {"System.Title": "y"})
    d = desired(item("a", title="x"), item("b", title="y", adopt_id=adopted), item("c"))
    work = field_work(pair_items(d, board.live()), board.live(), PROCESS, "web")
    assert list(work) == ["a", "b", "c"]
    assert work["a"] == FieldWork()
    assert work["b"].marker is not None
    assert work["b"].ops == (PatchOp("add", "/fields/System.Tags", "witsync:web"),)
    assert work["c"].ops[0] == PatchOp("add", "/fields/System.Title", "Title of c")
