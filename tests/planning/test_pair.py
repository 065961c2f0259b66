"""Pairing: manifest entries with live items by marker key or `id:`, and what it finds wrong."""

from __future__ import annotations

from plan_support import Board, desired, item

from witsync.marker import marker_url
from witsync.model import REL_HYPERLINK, REL_RELATED, Location
from witsync.planning.pair import Pair, pair_items


def test_a_marker_pairs_an_entry_with_its_item_and_a_missing_one_is_to_be_created():
    board = Board()
    a = board.add("Task", {"System.Title": "a"}, key="a")
    pairing = pair_items(desired(item("a"), item("b")), board.live())
    assert pairing.pairs["a"].live is not None
    assert pairing.pairs["a"].live.id == a
    assert not pairing.pairs["a"].adopt
    assert pairing.pairs["b"].live is None
    assert [(p.item.key, p.index) for p in pairing.pairs.values()] == [("a", 0), ("b", 1)]
    assert pairing.claims == {"a": a}
    assert pairing.key_of_id == {a: "a"}
    assert (pairing.errors, pairing.warnings) == ((), ())


def test_duplicate_claims_keep_the_lowest_id_and_list_the_others():
    board = Board()
    first = board.add("Task", {"System.Title": "a"}, key="a")
    second = board.add("Task", {"System.Title": "a"}, key="a")
    third = board.add("Task", {"System.Title": "a"}, key="a")
    pairing = pair_items(desired(item("a")), board.live())
    assert pairing.claims == {"a": first}
    assert pairing.extras == {"a": (second, third)}
    live = pairing.pairs["a"].live
    assert live is not None
    assert live.id == first
    assert pairing.errors == ()  # the planner reports them (duplicate-key) or deletes them


def test_a_key_no_manifest_states_is_still_claimed_for_the_removals():
    board = Board()
    gone = board.add("Task", {"System.Title": "gone"}, key="gone")
    pairing = pair_items(desired(item("a")), board.live())
    assert pairing.claims == {"gone": gone}
    assert "gone" not in pairing.pairs
    assert gone not in pairing.key_of_id


def test_a_tagged_item_without_a_key_is_reported_and_an_untagged_one_ignored():
    board = Board()
    keyless = board.add("Task", {"System.Title": "x"}, tags="witsync:web")
    untagged = board.add("Task", {"System.Title": "y"})
    pairing = pair_items(desired(item("a")), board.live())
    [warning] = pairing.warnings
    assert (warning.code, warning.id, warning.key) == ("marker-without-key", keyless, None)
    assert pairing.keys_of_id[keyless] == ()
    assert pairing.keys_of_id[untagged] == ()
    assert pairing.claims == {}


def test_an_item_with_two_keys_is_the_first_key_only():
    board = Board()
    both = board.add("Task", {"System.Title": "x"}, key="b")
    board.items[both].relations.append((REL_HYPERLINK, marker_url("web", "a"), None))
    pairing = pair_items(desired(item("a"), item("b")), board.live())
    assert pairing.keys_of_id[both] == ("a", "b")
    assert pairing.claims == {"a": both}
    assert pairing.pairs["b"].live is None
    [warning] = pairing.warnings
    assert (warning.code, warning.key, warning.id) == ("multiple-keys", "a", both)


def test_adopting_an_unmarked_item_pairs_it_for_adoption():
    board = Board()
    free = board.add("Epic", {"System.Title": "x"})
    pairing = pair_items(desired(item("e", "Epic", adopt_id=free)), board.live())
    assert pairing.pairs["e"] == Pair(
        pairing.pairs["e"].item, 0, board.live().items[free], adopt=True
    )
    assert pairing.key_of_id == {free: "e"}
    assert pairing.errors == ()


def test_adopting_the_item_the_key_already_marks_is_no_adoption():
    board = Board()
    mine = board.add("Epic", {"System.Title": "x"}, key="e")
    pairing = pair_items(desired(item("e", "Epic", adopt_id=mine)), board.live())
    assert not pairing.pairs["e"].adopt
    assert pairing.errors == ()


def test_adoption_conflicts_are_errors_at_the_entry_and_leave_it_unpaired():
    board = Board()
    owned = board.add("Epic", {"System.Title": "x"}, key="other")
    mine = board.add("Epic", {"System.Title": "y"}, key="mine")
    free = board.add("Epic", {"System.Title": "z"})
    d = desired(
        item("taken", "Epic", adopt_id=owned, line=1),  # another key owns it
        item("mine", "Epic", adopt_id=free, line=2),  # the key is on another item
        item("first", "Epic", adopt_id=free, line=3),
        item("second", "Epic", adopt_id=free, line=4),  # the same id twice
        item("ghost", "Epic", adopt_id=997, line=5),  # no such item
    )
    pairing = pair_items(d, board.live())
    assert [(e.message, e.location, e.hint) for e in pairing.errors] == [
        (
            f"work item #{owned} is already managed as 'other'",
            Location("backlog.yaml", 1, 3),
            "adopt it under that key, or remove the other marker",
        ),
        (
            f"key 'mine' already belongs to work item #{mine}, not #{free}",
            Location("backlog.yaml", 2, 3),
            f"use `id: {mine}` or remove `id:`",
        ),
        (
            f"work item #{free} is adopted by both 'first' and 'second'",
            Location("backlog.yaml", 4, 3),
            "adopt it once",
        ),
        (
            "work item #997 (id: of 'ghost') does not exist",
            Location("backlog.yaml", 5, 3),
            "check the id, or remove `id:` to create a new work item",
        ),
    ]
    assert list(pairing.pairs) == ["first"]


def test_a_type_the_board_does_not_have_for_the_item_is_no_error():
    """The planner changes the type (issue 11): the entry still pairs with its work item."""
    board = Board()
    bug = board.add("Bug", {"System.Title": "x"}, key="a")
    board.add("Task", {"System.Title": "y"}, key="b")
    pairing = pair_items(desired(item("a", "Task"), item("b", "task")), board.live())
    assert pairing.errors == ()
    live = pairing.pairs["a"].live
    assert live is not None
    assert live.id == bug


def test_ids_named_as_parent_or_link_target_must_exist():
    board = Board()
    there = board.add("Epic", {"System.Title": "x"})
    d = desired(
        item("a", parent=991, links=((REL_RELATED, 992), (REL_RELATED, there))),
        item("b", parent=there),
    )
    pairing = pair_items(d, board.live())
    assert [e.message for e in pairing.errors] == [
        "parent #991 of 'a' does not exist on the board",
        "link target #992 of 'a' does not exist on the board",
    ]


def test_every_error_is_collected_in_one_pairing():
    board = Board()
    taken = board.add("Bug", {"System.Title": "x"}, key="a")
    d = desired(
        item("a", "Bug"), item("b", parent=991), item("c", adopt_id=993), item("d", adopt_id=taken)
    )
    assert len(pair_items(d, board.live()).errors) == 3


def test_another_scopes_tag_on_a_paired_item_is_warned_at_its_entry():
    board = Board()
    shared = board.add("Task", {"System.Title": "x"}, key="a", tags="witsync:mobile; ux")
    board.add("Task", {"System.Title": "y"}, key="b", tags="ux")
    pairing = pair_items(desired(item("a", line=7), item("b")), board.live())
    [warning] = pairing.warnings
    assert (warning.code, warning.key, warning.id) == ("managed-by-another-scope", "a", shared)
    assert "witsync:mobile" in warning.message
    assert warning.location == Location("backlog.yaml", 7, 3)
