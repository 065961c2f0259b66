"""The planner: pairing, fields, ownership, links, order, warnings, errors, removals."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plan_support import TARGET, Board, desired, item, process

from witsync.errors import ManifestError
from witsync.marker import marker_url
from witsync.model import (
    REL_CHILD,
    REL_PARENT,
    REL_PREDECESSOR,
    REL_RELATED,
    REL_SUCCESSOR,
    FieldEdit,
    Live,
    PatchOp,
    Plan,
    Step,
)
from witsync.planning.planner import make_plan

PROCESS = process()


def plan_for(d, board: Board, **kwargs) -> Plan:
    return make_plan(d, board.live(), PROCESS, TARGET, **kwargs)


def applied(d, board: Board, **kwargs) -> Plan:
    """Plan, apply on the board, and return the plan made right after."""
    board.apply(plan_for(d, board, **kwargs))
    return plan_for(d, board, **kwargs)


def ops_of(plan: Plan, key: str) -> list[PatchOp]:
    action = next(a for a in plan.actions if a.key == key)
    return [op for step in action.steps for op in step.ops]


def _rel(op: PatchOp):
    return op.value.get("rel") if isinstance(op.value, dict) else None


def action(plan: Plan, key: str):
    return next(a for a in plan.actions if a.key == key)


# -- create ---------------------------------------------------------------------------------------


def test_create_sends_fields_scope_tag_and_marker_in_one_request():
    d = desired(item("a", title="Sign in", priority=2, tags=("ux", "Q3")))
    plan = plan_for(d, Board())
    assert [a.kind for a in plan.actions] == ["create"]
    (step,) = action(plan, "a").steps
    assert step.kind == "create"
    assert PatchOp("add", "/fields/System.Title", "Sign in") in step.ops
    assert PatchOp("add", "/fields/Microsoft.VSTS.Common.Priority", 2) in step.ops
    assert PatchOp("add", "/fields/System.Tags", "Q3; ux; witsync:web") in step.ops
    assert (
        PatchOp("add", "/relations/-", {"rel": "Hyperlink", "url": marker_url("web", "a")})
        in step.ops
    )
    assert not any(op.path == "/rev" for op in step.ops)
    assert plan.unchanged == 0


def test_a_plan_right_after_apply_is_empty():
    board = Board()
    d = desired(
        item(
            "epic",
            "Epic",
            title="Billing",
            description="Some **markdown**\n\n- a\n- b",
            tags=("b", "A"),
        ),
        item(
            "story",
            "User Story",
            parent="epic",
            assigned="Jamal Hartnett <jamal@fabrikam.com>",
            area="fabrikam\\web",
            remaining=2,
            priority=1.0,
            due="2026-12-01T10:00:00+01:00",
            flag=True,
            description="<p>Hello<br>world</p>   <p>again</p>",
        ),
        item("task", parent="story", links=((REL_RELATED, "epic"),), assigned="ann@fabrikam.com"),
    )
    after = applied(d, board)
    assert after.actions == ()
    assert after.unchanged == 3
    assert after.warnings == ()


def test_html_the_sanitiser_left_as_plain_text_is_not_read_as_markdown():
    # Sent "<iframe ...></iframe>Watch *this*"; the server dropped the iframe and stored the
    # rest. That stored text is HTML whose asterisks are literal, not Markdown emphasis.
    board = Board()
    board.add("Task", {"System.Title": "Title of a", "System.Description": "Watch *this*"}, key="a")
    d = desired(item("a", description="<iframe src=v></iframe>Watch *this*"))
    assert plan_for(d, board).actions == ()


def test_a_managed_state_in_another_case_is_no_change():
    board = Board()
    board.add("Task", {"System.Title": "Title of a", "System.State": "Active"}, key="a")
    d = desired(item("a", state="active", ownership={"System.State": "managed"}))
    assert plan_for(d, board).actions == ()


def test_new_children_follow_their_parents_and_carry_the_parent_link():
    d = desired(
        item("child", parent="mid"), item("mid", "Feature", parent="top"), item("top", "Epic")
    )
    plan = plan_for(d, Board())
    assert [a.key for a in plan.actions] == ["top", "mid", "child"]
    link = next(op for op in ops_of(plan, "child") if _rel(op) == REL_PARENT)
    assert link.target == "mid"
    assert link.target_id is None
    assert action(plan, "child").depends_on == ("mid",)


def test_new_child_of_an_existing_item_links_by_id():
    board = Board()
    outside = board.add("Epic", {"System.Title": "Old epic"})
    plan = plan_for(desired(item("t", parent=outside)), board)
    link = next(op for op in ops_of(plan, "t") if _rel(op) == REL_PARENT)
    assert link.target_id == outside
    assert link.target is None
    assert action(plan, "t").depends_on == ()
    assert applied(desired(item("t", parent=outside)), board).actions == ()


def test_create_in_a_later_state_is_created_then_moved():
    d = desired(item("a", "User Story", state="Active", reason="Implementation started"))
    plan = plan_for(d, Board())
    create, move = action(plan, "a").steps
    assert not any(
        op.path in ("/fields/System.State", "/fields/System.Reason") for op in create.ops
    )
    assert move.kind == "update"
    assert move.ops[0] == PatchOp("test", "/rev", 1)
    assert [op.path for op in move.ops[1:]] == ["/fields/System.State", "/fields/System.Reason"]
    assert "then moved to 'Active'" in (move.note or "")
    assert any("then moved" in note for note in action(plan, "a").notes)


def test_a_field_stated_empty_on_create_is_cleared_after_it():
    # The server fills some fields with defaults on create (Priority 2 on Agile): a field the
    # manifest states as null is cleared right after, or the next plan would clear it then.
    plan = plan_for(desired(item("a", "User Story", priority=None, assigned="")), Board())
    create, clear = action(plan, "a").steps
    assert not any(op.path == "/fields/Microsoft.VSTS.Common.Priority" for op in create.ops)
    assert clear.ops == (
        PatchOp("test", "/rev", 1),
        PatchOp("remove", "/fields/Microsoft.VSTS.Common.Priority"),
        PatchOp("replace", "/fields/System.AssignedTo", ""),
    )
    assert "cleared" in (clear.note or "")


def test_clearing_after_create_shares_the_state_move():
    plan = plan_for(desired(item("a", "User Story", state="Active", priority=None)), Board())
    _create, later = action(plan, "a").steps
    assert [op.path for op in later.ops] == [
        "/rev",
        "/fields/System.State",
        "/fields/Microsoft.VSTS.Common.Priority",
    ]


def test_create_in_the_initial_state_is_one_request():
    plan = plan_for(desired(item("a", state="New")), Board())
    # The initial state rides in the create itself: no second, guarded move.
    assert action(plan, "a").steps == (
        Step(
            "create",
            (
                PatchOp("add", "/fields/System.State", "New"),
                PatchOp("add", "/fields/System.Title", "Title of a"),
                PatchOp("add", "/fields/System.Tags", "witsync:web"),
                PatchOp("add", "/relations/-", {"rel": "Hyperlink", "url": marker_url("web", "a")}),
            ),
        ),
    )


# -- update -------------------------------------------------------------------------------------


def test_update_is_guarded_and_minimal():
    board = Board()
    d = desired(item("a", title="One", priority=2, risk="High"))
    board.apply(plan_for(d, board))
    id = next(iter(board.items))
    board.edit(id, "System.Title", "Changed by a person")
    board.edit(id, "Custom.Other", "not managed")
    plan = plan_for(d, board)
    (step,) = action(plan, "a").steps
    assert step.ops == (
        PatchOp("test", "/rev", board.items[id].rev),
        PatchOp("replace", "/fields/System.Title", "One"),
    )
    change = action(plan, "a").field_changes[0]
    assert (change.field, change.before, change.after) == (
        "System.Title",
        "Changed by a person",
        "One",
    )
    assert action(plan, "a").rev == board.items[id].rev


def test_add_when_empty_replace_when_set_remove_when_null():
    board = Board()
    id = board.add("Task", {"System.Title": "x", "Custom.Risk": "High"}, key="a")
    d = desired(item("a", title="x", priority=3, risk=None))
    ops = ops_of(plan_for(d, board), "a")
    assert PatchOp("add", "/fields/Microsoft.VSTS.Common.Priority", 3) in ops
    assert PatchOp("remove", "/fields/Custom.Risk") in ops
    board.items[id].fields["Microsoft.VSTS.Common.Priority"] = 1.0
    assert PatchOp("replace", "/fields/Microsoft.VSTS.Common.Priority", 3) in ops_of(
        plan_for(d, board), "a"
    )


def test_identity_is_cleared_with_an_empty_string():
    board = Board()
    board.add("Task", {"System.Title": "x", "System.AssignedTo": "ann@fabrikam.com"}, key="a")
    ops = ops_of(plan_for(desired(item("a", title="x", assigned=None)), board), "a")
    assert PatchOp("replace", "/fields/System.AssignedTo", "") in ops


@pytest.mark.parametrize(
    "written",
    ["ann@fabrikam.com", "ANN@fabrikam.com", "Ann <ann@fabrikam.com>", "Ann"],
)
def test_identity_in_any_form_matches_the_object_the_server_returns(written):
    board = Board()
    board.add("Task", {"System.Title": "x", "System.AssignedTo": "Ann <ann@fabrikam.com>"}, key="a")
    assert plan_for(desired(item("a", title="x", assigned=written)), board).actions == ()


def test_unstated_fields_are_never_touched():
    board = Board()
    board.add(
        "Task",
        {"System.Title": "x", "Custom.Risk": "High", "Microsoft.VSTS.Common.Priority": 1},
        key="a",
    )
    assert plan_for(desired(item("a", title="x")), board).actions == ()


def test_tags_compare_as_a_set_and_keep_the_scope_and_other_scopes():
    board = Board()
    board.add("Task", {"System.Title": "x"}, key="a", tags="Beta; alpha; witsync:other")
    assert plan_for(desired(item("a", title="x", tags=("ALPHA", "beta"))), board).actions == ()
    exact = item("a", title="x", tags=("alpha",), exact_tags=True)
    ops = ops_of(plan_for(desired(exact), board), "a")
    assert PatchOp("replace", "/fields/System.Tags", "alpha; witsync:other; witsync:web") in ops
    # not exact: Beta is nobody's known to be witsync's, so it is a person's and stays
    assert plan_for(desired(item("a", title="x", tags=("alpha",))), board).actions == ()
    assert not any(op.op == "add" and op.path == "/fields/System.Tags" for op in ops)


def test_a_removed_scope_tag_is_put_back():
    board = Board()
    id = board.add("Task", {"System.Title": "x"}, key="a", tags="keep")
    board.edit(id, "System.Tags", "keep")  # someone removed the scope tag; the marker link remains
    plan = plan_for(desired(item("a", title="x")), board)
    assert PatchOp("replace", "/fields/System.Tags", "keep; witsync:web") in ops_of(plan, "a")
    assert [a.kind for a in plan.actions] == ["update"]


# -- ownership ------------------------------------------------------------------------------------


def test_create_only_fields_are_sent_on_create_and_never_diffed_after():
    board = Board()
    d = desired(
        item(
            "a",
            "User Story",
            title="x",
            remaining=4,
            ownership={"Microsoft.VSTS.Scheduling.RemainingWork": "create-only"},
        )
    )
    plan = plan_for(d, board)
    change = next(c for c in action(plan, "a").field_changes if c.field.endswith("RemainingWork"))
    assert change.mode == "create-only"
    assert PatchOp("add", "/fields/Microsoft.VSTS.Scheduling.RemainingWork", 4) in ops_of(plan, "a")
    board.apply(plan)
    board.edit(next(iter(board.items)), "Microsoft.VSTS.Scheduling.RemainingWork", 1)
    assert plan_for(d, board).actions == ()


def test_ignored_fields_are_never_sent():
    d = desired(item("a", title="x", risk="High", ownership={"Custom.Risk": "ignored"}))
    plan = plan_for(d, Board())
    assert not any("Custom.Risk" in op.path for op in ops_of(plan, "a"))
    assert not any(c.field == "Custom.Risk" for c in action(plan, "a").field_changes)


def test_ignored_state_does_not_trigger_a_move():
    d = desired(item("a", title="x", state="Active", ownership={"System.State": "ignored"}))
    # Not sent at all: neither in the create nor in a move after it.
    assert action(plan_for(d, Board()), "a").steps == (
        Step(
            "create",
            (
                PatchOp("add", "/fields/System.Title", "x"),
                PatchOp("add", "/fields/System.Tags", "witsync:web"),
                PatchOp("add", "/relations/-", {"rel": "Hyperlink", "url": marker_url("web", "a")}),
            ),
        ),
    )


# -- adopt --------------------------------------------------------------------------------------


def test_adopt_adds_the_marker_and_keeps_existing_tags():
    board = Board()
    id = board.add("Epic", {"System.Title": "Legacy"}, tags="finance")
    d = desired(item("billing", "Epic", adopt_id=id, title="Billing"))
    plan = plan_for(d, board)
    adopt = action(plan, "billing")
    assert adopt.kind == "adopt"
    assert adopt.id == id
    ops = adopt.steps[0].ops
    assert ops[0] == PatchOp("test", "/rev", 1)
    assert PatchOp("replace", "/fields/System.Tags", "finance; witsync:web") in ops
    assert (
        PatchOp("add", "/relations/-", {"rel": "Hyperlink", "url": marker_url("web", "billing")})
        in ops
    )
    assert PatchOp("replace", "/fields/System.Title", "Billing") in ops
    assert plan.count("adopt") == 1
    after = applied(d, board)
    assert after.actions == ()
    assert after.unchanged == 1


def test_adopting_an_item_another_scope_manages_is_warned():
    # Both manifest sets would then write its fields, each undoing the other on every apply.
    board = Board()
    id = board.add("Epic", {"System.Title": "Shared"}, tags="witsync:finance; q3")
    plan = plan_for(desired(item("billing", "Epic", adopt_id=id, title="Shared")), board)
    (warning,) = plan.warnings
    assert warning.code == "managed-by-another-scope"
    assert warning.id == id
    assert warning.key == "billing"
    assert "witsync:finance" in warning.message


def test_adopting_an_item_owned_by_another_key_is_an_error():
    board = Board()
    id = board.add("Epic", {"System.Title": "x"}, key="other")
    with pytest.raises(ManifestError) as raised:
        plan_for(desired(item("mine", "Epic", adopt_id=id), item("other", "Epic")), board)
    assert "already managed as 'other'" in str(raised.value.diagnostics[0])


# -- links -------------------------------------------------------------------------------------


def test_links_compare_canonically_and_are_sent_once():
    d = desired(
        item("a", links=((REL_RELATED, "b"), (REL_SUCCESSOR, "c"))),
        item("b", links=((REL_RELATED, "a"),)),
        item("c", links=((REL_PREDECESSOR, "a"),)),
    )
    board = Board()
    plan = plan_for(d, board)
    links = {
        a.key: [op for op in a.steps[0].ops if _rel(op) not in (None, "Hyperlink")]
        for a in plan.actions
    }
    # a-b related once and a->c dependency once, each from the later create (its other end
    # exists by then), as the canonical end of the pair: c is a's successor, a is c's predecessor
    assert links == {
        "a": [],
        "b": [PatchOp("add", "/relations/-", {"rel": REL_RELATED, "url": None}, target="a")],
        "c": [PatchOp("add", "/relations/-", {"rel": REL_PREDECESSOR, "url": None}, target="a")],
    }
    assert applied(d, board).actions == ()


def test_link_between_new_items_goes_in_the_later_create():
    plan = plan_for(desired(item("a", links=((REL_RELATED, "b"),)), item("b")), Board())
    assert [x.key for x in plan.actions] == ["a", "b"]
    link = next(op for op in ops_of(plan, "b") if _rel(op) == REL_RELATED)
    assert link.target == "a"
    assert action(plan, "b").depends_on == ("a",)


def test_link_from_existing_item_to_a_new_one_waits_for_the_create():
    board = Board()
    board.add("Task", {"System.Title": "Title of a"}, key="a")
    d = desired(item("a", links=((REL_RELATED, "b"),)), item("b"))
    plan = plan_for(d, board)
    # the link rides in the new item's create request: no extra write for "a"
    assert [x.key for x in plan.actions] == ["b"]
    assert any(
        op.target_id is not None and op.value["rel"] == REL_RELATED for op in ops_of(plan, "b")
    )
    assert applied(d, board).actions == ()


def test_existing_child_moved_under_a_new_parent():
    board = Board()
    old = board.add("Epic", {"System.Title": "Old"})
    child = board.add("Task", {"System.Title": "Title of c"}, key="c")
    board.link(child, REL_PARENT, old)
    d = desired(item("p", "Epic"), item("c", parent="p"))
    plan = plan_for(d, board)
    assert [x.key for x in plan.actions] == ["p", "c"]
    ops = ops_of(plan, "c")
    assert ops[0].op == "test"
    assert ops[1].op == "remove"
    assert ops[1].relation == (REL_PARENT, board.url(old))
    assert ops[-1].target == "p"
    assert action(plan, "c").depends_on == ("p",)
    assert applied(d, board).actions == ()


def test_links_people_added_are_left_alone():
    board = Board()
    parent = board.add("User Story", {"System.Title": "Title of s"}, key="s")
    other = board.add("Task", {"System.Title": "Title of t"}, key="t")
    person_task = board.add("Task", {"System.Title": "a task someone added"})
    outside_parent = board.add("Epic", {"System.Title": "portfolio"})
    outside = board.add("Bug", {"System.Title": "elsewhere"})
    board.link(person_task, REL_PARENT, parent)  # a child outside the set
    board.link(parent, REL_PARENT, outside_parent)  # a parent outside the set, manifest names none
    board.link(other, REL_RELATED, outside)  # a link to an outside item
    board.items[parent].relations.append(("ArtifactLink", "vstfs:///Git/Commit/x", None))
    d = desired(item("s", "User Story"), item("t"))
    assert plan_for(d, board).actions == ()


def test_links_between_items_of_the_set_follow_the_manifests():
    board = Board()
    a = board.add("Task", {"System.Title": "Title of a"}, key="a")
    b = board.add("Task", {"System.Title": "Title of b"}, key="b")
    board.link(a, REL_RELATED, b)
    board.link(b, REL_PARENT, a)
    plan = plan_for(desired(item("a"), item("b")), board)
    # Each link once, not from both ends; on b, as one guarded patch, highest index first.
    assert [(x.key, x.steps) for x in plan.actions] == [
        (
            "b",
            (
                Step(
                    "update",
                    (
                        PatchOp("test", "/rev", 1),
                        PatchOp("remove", "/relations/1", relation=(REL_RELATED, board.url(a))),
                        PatchOp("remove", "/relations/0", relation=(REL_PARENT, board.url(a))),
                    ),
                ),
            ),
        )
    ]
    board.apply(plan)
    assert all(not s.relations[:-1] for s in board.items.values())
    assert plan_for(desired(item("a"), item("b")), board).actions == ()


def test_stated_parent_replaces_an_outside_parent_in_one_guarded_patch():
    board = Board()
    outside = board.add("Epic", {"System.Title": "x"})
    new_parent = board.add("Epic", {"System.Title": "y"})
    c = board.add("Task", {"System.Title": "Title of c"}, key="c")
    board.link(c, REL_PARENT, outside)
    board.items[c].relations.append(("Hyperlink", "https://example.com/extra", None))
    ops = ops_of(plan_for(desired(item("c", parent=new_parent)), board), "c")
    assert [op.op for op in ops] == ["test", "remove", "add"]
    assert ops[1].path == "/relations/0"
    assert ops[2].target_id == new_parent


def test_relation_removals_go_highest_index_first():
    board = Board()
    a = board.add("Task", {"System.Title": "Title of a"}, key="a")
    for key in "bcd":
        other = board.add("Task", {"System.Title": f"Title of {key}"}, key=key)
        board.link(a, REL_RELATED, other)
    d = desired(item("a", risk="x"), item("b"), item("c"), item("d"))
    # Live list of a: related d, c, b (newest first), then its marker. Removing /relations/0
    # first would shift the others, so the highest index goes first; each names its relation.
    assert ops_of(plan_for(d, board), "a") == [
        PatchOp("test", "/rev", 1),
        PatchOp("remove", "/relations/2", relation=(REL_RELATED, board.url(a + 1))),
        PatchOp("remove", "/relations/1", relation=(REL_RELATED, board.url(a + 2))),
        PatchOp("remove", "/relations/0", relation=(REL_RELATED, board.url(a + 3))),
        PatchOp("add", "/fields/Custom.Risk", "x"),
    ]


def test_child_end_reciprocal_counts_as_the_parent_link():
    board = Board()
    p = board.add("Epic", {"System.Title": "Title of p"}, key="p")
    c = board.add("Task", {"System.Title": "Title of c"}, key="c")
    board.link(p, REL_CHILD, c)
    assert plan_for(desired(item("p", "Epic"), item("c", parent="p")), board).actions == ()


# -- warnings and errors -----------------------------------------------------------------------


def test_warnings_for_keyless_duplicate_and_missing_items():
    board = Board()
    keyless = board.add("Task", {"System.Title": "x"}, tags="witsync:web")
    first = board.add("Task", {"System.Title": "Title of a"}, key="a")
    second = board.add("Task", {"System.Title": "Title of a"}, key="a")
    gone = board.add("Task", {"System.Title": "gone"}, key="gone")
    plan = plan_for(desired(item("a")), board)
    codes = {(w.code, w.id) for w in plan.warnings}
    assert ("marker-without-key", keyless) in codes
    assert ("duplicate-key", first) in codes
    assert ("missing-from-manifests", gone) in codes
    assert plan.actions == ()
    dup = next(w for w in plan.warnings if w.code == "duplicate-key")
    assert f"#{second}" in dup.message


@pytest.mark.parametrize(
    ("d", "message"),
    [
        (desired(item("a", parent=999)), "parent #999 of 'a' does not exist"),
        (desired(item("a", links=((REL_RELATED, 998),))), "link target #998 of 'a' does not exist"),
        (desired(item("a", adopt_id=997)), "work item #997 (id: of 'a') does not exist"),
    ],
)
def test_ids_that_do_not_exist_are_errors(d, message):
    with pytest.raises(ManifestError) as raised:
        plan_for(d, Board())
    assert message in raised.value.diagnostics[0].message
    assert raised.value.diagnostics[0].location is not None


def test_a_different_type_on_the_board_is_an_update_of_the_type():
    board = Board()
    board.add("Bug", {"System.Title": "x"}, key="a")
    plan = plan_for(desired(item("a", "Task")), board)
    assert [a.kind for a in plan.actions] == ["update"]
    assert [(op.op, op.path, op.value) for op in ops_of(plan, "a")][1] == (
        "replace",
        "/fields/System.WorkItemType",
        "Task",
    )


# -- removals -----------------------------------------------------------------------------------


def _pruning_board() -> tuple[Board, int, int]:
    board = Board()
    parent = board.add("Epic", {"System.Title": "old parent"}, key="old-parent")
    child = board.add("Task", {"System.Title": "old child"}, key="old-child")
    board.link(child, REL_PARENT, parent)
    board.add("Task", {"System.Title": "Title of keep"}, key="keep")
    return board, parent, child


def test_prune_closes_children_first():
    board, parent, child = _pruning_board()
    plan = plan_for(desired(item("keep")), board, prune=True)
    assert [(a.kind, a.id) for a in plan.actions] == [("remove", child), ("remove", parent)]
    assert action(plan, "old-child").steps[0].ops[1] == PatchOp(
        "replace", "/fields/System.State", "Closed"
    )
    assert action(plan, "old-parent").steps[0].ops[1] == PatchOp(
        "replace", "/fields/System.State", "Removed"
    )
    after = applied(desired(item("keep")), board, prune=True)
    assert after.actions == ()
    assert after.warnings == ()


def test_prune_delete_and_unmanage():
    board, _, _ = _pruning_board()
    plan = plan_for(desired(item("keep")), board, prune=True, removal="delete")
    assert [s.kind for a in plan.actions for s in a.steps] == ["delete", "delete"]
    board, _parent, _child = _pruning_board()
    plan = plan_for(desired(item("keep")), board, prune=True, removal="unmanage")
    ops = action(plan, "old-child").steps[0].ops
    assert ops[1] == PatchOp(
        "remove", "/relations/1", relation=("Hyperlink", marker_url("web", "old-child"))
    )
    assert PatchOp("remove", "/fields/System.Tags") in ops
    board.apply(plan)
    assert board.live().managed_ids == {
        next(i for i, s in board.items.items() if s.fields["System.Title"] == "Title of keep")
    }
    assert plan_for(desired(item("keep")), board, prune=True, removal="unmanage").actions == ()


def test_without_prune_nothing_is_removed():
    board, _, _ = _pruning_board()
    plan = plan_for(desired(item("keep")), board, removal="delete")
    assert plan.actions == ()
    assert {w.code for w in plan.warnings} == {"missing-from-manifests"}
    assert "deleted" in plan.warnings[0].message


# -- drift, determinism ----------------------------------------------------------------------------


def test_last_edit_is_attached_to_a_drifted_field():
    board = Board()
    id = board.add("Task", {"System.Title": "theirs"}, key="a")
    live = board.live()
    edit = FieldEdit("Ann <ann@fabrikam.com>", "2026-11-20T10:00:00Z", 2)
    live = Live(live.items, live.managed_ids, {id: {"System.Title": edit}})
    plan = make_plan(desired(item("a", title="ours")), live, PROCESS, TARGET)
    assert plan.actions[0].field_changes[0].last_edit == edit


def test_same_inputs_same_plan_whatever_the_live_order():
    board = Board()
    for key in "edcba":
        board.add("Task", {"System.Title": "old"}, key=key)
    d = desired(*(item(k, links=((REL_RELATED, "a"),) if k != "a" else ()) for k in "abcde"))
    live = board.live()
    reversed_live = Live(dict(reversed(list(live.items.items()))), live.managed_ids)
    assert make_plan(d, live, PROCESS, TARGET) == make_plan(d, reversed_live, PROCESS, TARGET)


# -- property: a plan right after an apply is empty ----------------------------------------------

KEYS = ["k0", "k1", "k2", "k3", "k4", "k5"]

_field_values = {
    "title": st.text(alphabet="abc XYZ", min_size=1, max_size=8).filter(str.strip),
    "tags": st.lists(st.sampled_from(["a", "A", "b", "ux", "Q3", "q3"]), max_size=4).map(tuple),
    "assigned": st.sampled_from(
        ["ann@fabrikam.com", "Ann <ANN@fabrikam.com>", "bob@fabrikam.com", None]
    ),
    "description": st.sampled_from(
        ["<p>x</p>", "plain *md*", "<div><p>a</p>  <p>b<br></p></div>", None]
    ),
    "priority": st.sampled_from([1, 2, 2.0, 3, None]),
    "remaining": st.sampled_from([0, 1.5, 4, None]),
    "area": st.sampled_from(["Fabrikam\\Web", "fabrikam\\mobile", "Fabrikam"]),
    "due": st.sampled_from(["2026-01-01T00:00:00Z", "2026-01-01T01:00:00+01:00", None]),
    "flag": st.booleans(),
    "state": st.sampled_from(["New", "Active", "Closed"]),
}


@st.composite
def manifests(draw, keys=KEYS):
    count = draw(st.integers(1, len(keys)))
    chosen = keys[:count]
    items = []
    for index, key in enumerate(chosen):
        parent = draw(st.sampled_from([None, *chosen[:index]]))
        fields = draw(st.fixed_dictionaries({}, optional=_field_values))
        targets = [k for k in chosen if k != key]
        links = []
        if targets:
            rels = st.sampled_from([REL_RELATED, REL_SUCCESSOR, REL_PREDECESSOR])
            links = draw(st.lists(st.tuples(rels, st.sampled_from(targets)), max_size=2))
        owners = draw(
            st.dictionaries(
                st.sampled_from(["System.Title", "System.State", "Custom.Risk"]),
                st.sampled_from(["create-only", "ignored"]),
                max_size=1,
            )
        )
        type = "Task" if index % 2 else "User Story"  # a key keeps its type across generated sets
        items.append(item(key, type, parent=parent, links=tuple(links), ownership=owners, **fields))
    return desired(*items)


def _consistent(d):
    """Drop declared links that contradict each other (a->b successor and b->a successor)."""
    seen = set()
    items = []
    for it in d.items:
        kept = []
        for link in it.links:
            pair = frozenset((it.key, link.target))
            if pair in seen:
                continue
            seen.add(pair)
            kept.append(link)
        items.append(dataclasses.replace(it, links=tuple(kept)))
    return desired(*items)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifests())
def test_property_plan_after_apply_is_empty(d):
    d = _consistent(d)
    board = Board()
    first = plan_for(d, board)
    assert first.count("create") == len(d.items)
    after = applied(d, board)
    assert after.actions == (), after.actions
    assert after.unchanged == len(d.items)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifests(), manifests(), st.booleans())
def test_property_changing_manifests_converge(first, second, prune):
    first, second = _consistent(first), _consistent(second)
    board = Board()
    board.apply(plan_for(first, board))
    # A person edits the board in between: a title and the tag order.
    some = next(iter(board.items))
    board.edit(some, "System.Title", "edited on the board")
    change = plan_for(second, board, prune=prune)
    board.apply(change)
    after = plan_for(second, board, prune=prune)
    assert after.actions == (), after.actions
    if prune:
        assert not [w for w in after.warnings if w.code == "missing-from-manifests"]


def test_items_already_closed_are_not_closed_again():
    board = Board()
    done = board.add("User Story", {"System.Title": "done", "System.State": "Closed"}, key="done")
    plan = plan_for(desired(item("other")), board, prune=True)
    assert [a.kind for a in plan.actions] == ["create"]
    assert plan.unchanged == 0  # closed: shown and counted as closed, not as unchanged
    assert [closed.id for closed in plan.closed] == [done]
    assert not [w for w in plan.warnings if w.id == done]


def test_other_declared_link_types_are_not_sent_twice():
    duplicate = "System.LinkTypes.Duplicate-Forward"
    board = Board()
    a = board.add("Bug", {"System.Title": "Title of a"}, key="a")
    b = board.add("Bug", {"System.Title": "Title of b"}, key="b")
    d = desired(item("a", "Bug", links=((duplicate, "b"),)), item("b", "Bug"))
    plan = plan_for(d, board)
    assert [op.value["rel"] for op in ops_of(plan, "a") if op.path == "/relations/-"] == [duplicate]
    board.items[a].relations.insert(0, (duplicate, board.url(b), b))
    board.items[b].relations.insert(0, ("System.LinkTypes.Duplicate-Reverse", board.url(a), a))
    assert plan_for(d, board).actions == ()


def test_an_item_with_two_keys_is_treated_as_the_first():
    board = Board()
    id = board.add("Task", {"System.Title": "Title of a"}, key="a")
    board.items[id].relations.append(("Hyperlink", marker_url("web", "z"), None))
    plan = plan_for(desired(item("a"), item("z")), board)
    (warning,) = [w for w in plan.warnings if w.code == "multiple-keys"]
    assert warning.id == id
    assert warning.key == "a"
    assert [(a.kind, a.key) for a in plan.actions] == [("create", "z")]


def test_a_type_without_a_closing_state_is_reported_not_closed():
    board = Board()
    board.add("Custom Type", {"System.Title": "x"}, key="odd")
    plan = plan_for(desired(item("other")), board, prune=True)
    assert [a.kind for a in plan.actions] == ["create"]
    assert [w.code for w in plan.warnings] == ["cannot-close"]


def test_adopting_an_id_whose_key_lives_elsewhere_is_an_error():
    board = Board()
    owner = board.add("Epic", {"System.Title": "x"}, key="mine")
    other = board.add("Epic", {"System.Title": "y"})
    with pytest.raises(ManifestError) as raised:
        plan_for(desired(item("mine", "Epic", adopt_id=other)), board)
    assert (
        f"key 'mine' already belongs to work item #{owner}" in raised.value.diagnostics[0].message
    )
    assert raised.value.diagnostics[0].hint == f"use `id: {owner}` or remove `id:`"


def test_adopting_one_id_twice_is_an_error():
    board = Board()
    id = board.add("Epic", {"System.Title": "x"})
    with pytest.raises(ManifestError) as raised:
        plan_for(desired(item("a", "Epic", adopt_id=id), item("b", "Epic", adopt_id=id)), board)
    assert "is adopted by both 'a' and 'b'" in raised.value.diagnostics[0].message


def test_every_error_is_reported_at_once():
    board = Board()
    taken = board.add("Bug", {"System.Title": "x"}, key="a")
    d = desired(
        item("a", "Bug"),
        item("b", parent=991),
        item("c", links=((REL_RELATED, 992),)),
        item("d", adopt_id=taken),
    )
    with pytest.raises(ManifestError) as raised:
        plan_for(d, board)
    assert len(raised.value.diagnostics) == 3
