"""Patch operations: the server's rules for add, replace, remove, tags, identities, relations."""

from __future__ import annotations

from witsync.model import PatchOp
from witsync.planning.patch import (
    add_hyperlink,
    add_link,
    create_field,
    guard_rev,
    order_ops,
    remove_relation,
    set_field,
    set_tags,
)


def test_guard():
    assert guard_rev(7) == PatchOp("test", "/rev", 7)


def test_add_when_empty_replace_when_set_remove_to_clear():
    assert set_field("X.F", "text", None, "v") == PatchOp("add", "/fields/X.F", "v")
    assert set_field("X.F", "text", "", "v") == PatchOp("add", "/fields/X.F", "v")
    assert set_field("X.F", "text", "old", "v") == PatchOp("replace", "/fields/X.F", "v")
    assert set_field("X.F", "text", "old", None) == PatchOp("remove", "/fields/X.F")


def test_identity_is_cleared_with_empty_string():
    live = {"displayName": "Ann", "uniqueName": "ann@fabrikam.com"}
    assert set_field("System.AssignedTo", "identity", live, None) == PatchOp(
        "replace", "/fields/System.AssignedTo", ""
    )


def test_tags_are_replaced_never_appended():
    assert set_field("System.Tags", "tags", "a; b", ("c", "a")) == PatchOp(
        "replace", "/fields/System.Tags", "a; c"
    )
    assert set_tags("a", []) == PatchOp("remove", "/fields/System.Tags")
    # With no tags on the item, `add` has nothing to append to: it sets the list.
    assert set_tags(None, ["x"]) == PatchOp("add", "/fields/System.Tags", "x")


def test_markdown_is_sent_as_html():
    assert create_field("System.Description", "html", "**b**") == PatchOp(
        "add", "/fields/System.Description", "<p><strong>b</strong></p>\n"
    )


def test_links_name_their_target_for_the_applier():
    new = add_link("System.LinkTypes.Related", target_key="k")
    assert (new.op, new.path, new.value, new.target, new.target_id) == (
        "add",
        "/relations/-",
        {"rel": "System.LinkTypes.Related", "url": None},
        "k",
        None,
    )
    existing = add_link("System.LinkTypes.Hierarchy-Reverse", target_id=42)
    assert (existing.target, existing.target_id) == (None, 42)
    assert add_hyperlink("https://witsync.invalid/s/k").value == {
        "rel": "Hyperlink",
        "url": "https://witsync.invalid/s/k",
    }


def test_removals_first_highest_index_first_then_fields_then_additions():
    field = PatchOp("replace", "/fields/System.Title", "t")
    adds = [add_link("System.LinkTypes.Related", target_id=1)]
    removes = [remove_relation(i, "System.LinkTypes.Related", f"u{i}") for i in (2, 10, 0)]
    ops = order_ops([field], removes, adds)
    assert [op.path for op in ops] == [
        "/relations/10",
        "/relations/2",
        "/relations/0",
        "/fields/System.Title",
        "/relations/-",
    ]
    assert ops[0].relation == ("System.LinkTypes.Related", "u10")
