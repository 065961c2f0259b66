"""Links: a link and its reciprocal are one edge, each end knows its side, and one end sends
each change."""

from __future__ import annotations

import pytest
from plan_support import Board, desired, item

from witsync.model import (
    OPPOSITE_REL,
    REL_PARENT,
    REL_PREDECESSOR,
    REL_RELATED,
    LinkChange,
)
from witsync.planning.edges import (
    LinkWork,
    canonical_edge,
    desired_edges,
    holder_of,
    is_managed_live_edge,
    link_work,
    live_edges,
    rel_from,
)
from witsync.planning.pair import pair_items
from witsync.planning.patch import add_link, remove_relation

OTHER = "System.LinkTypes.Duplicate-Forward"


@pytest.mark.parametrize("rel", sorted(OPPOSITE_REL))
@pytest.mark.parametrize(("a", "b"), [("x", "y"), ("y", "x"), ("k", 42), (42, "k")])
def test_a_link_and_its_reciprocal_are_one_edge(rel, a, b):
    edge = canonical_edge(a, rel, b)
    assert canonical_edge(b, OPPOSITE_REL[rel], a) == edge
    assert rel_from(edge, a) == rel
    assert rel_from(edge, b) == OPPOSITE_REL[rel]


def test_edge_shapes():
    assert canonical_edge("child", "System.LinkTypes.Hierarchy-Reverse", "parent") == (
        "parent",
        "child",
        "parent",
    )
    assert canonical_edge("b", "System.LinkTypes.Related", "a") == ("related", "a", "b")
    assert canonical_edge("b", "System.LinkTypes.Related", 7) == ("related", "b", 7)
    assert canonical_edge("a", "System.LinkTypes.Dependency-Forward", "b") == ("dep", "a", "b")
    other = "System.LinkTypes.Duplicate-Forward"
    assert canonical_edge("a", other, "b") == (other, "a", "b")
    assert rel_from((other, "a", "b"), "a") == other


# -- the planner's link work ----------------------------------------------------------------------


def pairing_of(d, board: Board):
    return pair_items(d, board.live())


def test_desired_edges_are_canonical_and_name_items_of_the_set_by_key():
    board = Board()
    a = board.add("Task", {"System.Title": "a"}, key="a")
    outside = board.add("Epic", {"System.Title": "o"})
    d = desired(
        item("a", parent=outside),
        item("b", parent=a, links=((REL_PREDECESSOR, "a"), (REL_RELATED, outside))),
    )
    assert desired_edges(pairing_of(d, board)) == {
        ("parent", "a", outside),
        ("parent", "b", "a"),
        ("dep", "a", "b"),
        ("related", "b", outside),
    }


def test_a_reciprocal_pair_on_the_board_is_one_live_edge_with_both_holders():
    board = Board()
    a = board.add("Task", {"System.Title": "a"}, key="a")
    b = board.add("Task", {"System.Title": "b"}, key="b")
    outside = board.add("Bug", {"System.Title": "o"})
    board.link(a, REL_RELATED, b)
    board.link(b, REL_RELATED, outside)
    board.items[a].relations.append(("ArtifactLink", "vstfs:///Git/Commit/x", None))
    found = live_edges(pairing_of(desired(item("a"), item("b")), board))
    assert found == {
        ("related", "a", "b"): {
            "a": (0, REL_RELATED, board.url(b)),
            "b": (1, REL_RELATED, board.url(a)),
        },
        ("related", "b", outside): {"b": (0, REL_RELATED, board.url(outside))},
    }


def test_which_live_edges_witsync_removes_when_no_manifest_states_them():
    board = Board()
    a = board.add("Task", {"System.Title": "a"}, key="a")
    outside = board.add("Epic", {"System.Title": "o"})
    pairing = pairing_of(desired(item("a"), item("b"), item("c", parent=outside)), board)
    assert is_managed_live_edge(("parent", "a", "b"), pairing)  # a parent of the set
    assert not is_managed_live_edge(("parent", "a", outside), pairing)  # a names no parent
    assert is_managed_live_edge(("parent", "c", outside), pairing)  # c names another one
    assert not is_managed_live_edge(("parent", a, "b"), pairing)  # a child outside the set
    assert is_managed_live_edge(("related", "a", "b"), pairing)
    assert not is_managed_live_edge(("dep", "a", outside), pairing)  # a person's link out
    assert not is_managed_live_edge((OTHER, "a", "b"), pairing)


def test_the_holder_is_the_child_then_the_later_create_then_a_busy_end_then_file_order():
    board = Board()
    for key in "xyz":
        board.add("Task", {"System.Title": key}, key=key)
    pairing = pairing_of(desired(*(item(k) for k in "zyxnm")), board)  # file order z y x n m
    rank = {"n": 0, "m": 1}
    assert holder_of(("parent", "x", "z"), pairing, rank, set()) == "x"
    assert holder_of(("related", "m", "n"), pairing, rank, set()) == "m"
    assert holder_of(("related", "n", "x"), pairing, rank, {"x"}) == "n"
    assert holder_of(("related", "x", "y"), pairing, rank, set()) == "y"
    assert holder_of(("related", "x", "y"), pairing, rank, {"x"}) == "x"
    assert holder_of(("related", "x", 42), pairing, rank, set()) == "x"
    # a removal is sent by an end that carries the link
    assert holder_of(("related", "x", "y"), pairing, rank, set(), {"x": 0}) == "x"


def test_a_link_to_a_new_item_rides_in_its_create_and_one_to_an_item_waits_for_it():
    board = Board()
    a = board.add("Task", {"System.Title": "a"}, key="a")
    d = desired(item("a", links=((REL_RELATED, "b"),)), item("b"), item("c", parent="b"))
    work = link_work(pairing_of(d, board), {"b": 0, "c": 1}, set())
    assert list(work) == ["b", "c"]
    assert work["b"] == LinkWork(
        adds=(add_link(REL_RELATED, target_id=a),),
        changes=(LinkChange("add", REL_RELATED, "a", a),),
    )
    assert work["c"] == LinkWork(
        adds=(add_link(REL_PARENT, target_key="b"),),
        changes=(LinkChange("add", REL_PARENT, "b", None),),
        depends_on=frozenset({"b"}),
    )


def test_an_unstated_link_is_removed_once_by_the_end_that_holds_it():
    board = Board()
    a = board.add("Task", {"System.Title": "a"}, key="a")
    b = board.add("Task", {"System.Title": "b"}, key="b")
    board.link(a, REL_RELATED, b)
    work = link_work(pairing_of(desired(item("b"), item("a")), board), {}, set())
    assert work == {
        "b": LinkWork(
            removes=(remove_relation(0, REL_RELATED, board.url(a)),),
            changes=(LinkChange("remove", REL_RELATED, "a", a),),
        )
    }


def test_a_first_link_change_makes_its_holder_busy_for_the_next_edges():
    board = Board()
    for key in "zbc":
        board.add("Task", {"System.Title": key}, key=key)
    # file order z, b, c; edges in order (b, c) then (b, z): b holds the first (before c in
    # the files), and then the second too, rather than making z send one more request
    d = desired(item("z"), item("b", links=((REL_RELATED, "c"), (REL_RELATED, "z"))), item("c"))
    work = link_work(pairing_of(d, board), {}, set())
    assert list(work) == ["b"]
    assert [(c.op, c.target_key) for c in work["b"].changes] == [("add", "c"), ("add", "z")]
    # z busy with fields anyway: it sends (b, z), the first in the files of two busy ends
    assert list(link_work(pairing_of(d, board), {}, {"z"})) == ["z", "b"]
