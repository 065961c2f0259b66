"""Removals: policy, order (children first), warnings without prune, closed items left alone."""

from __future__ import annotations

from plan_support import Board, process

from witsync.model import REL_PARENT
from witsync.planning.prune import plan_removals


def _board() -> tuple[Board, list[tuple[int, str]]]:
    board = Board()
    top = board.add("Epic", {"System.Title": "top"}, key="top")
    mid = board.add("Feature", {"System.Title": "mid"}, key="mid")
    low = board.add("Task", {"System.Title": "low"}, key="low")
    board.link(mid, REL_PARENT, top)
    board.link(low, REL_PARENT, mid)
    return board, [(top, "top"), (mid, "mid"), (low, "low")]


def test_children_first_with_each_types_closing_state():
    board, leaving = _board()
    found = plan_removals(board.live(), process(), "web", leaving, prune=True, removal="close")
    assert [a.key for a in found.actions] == ["low", "mid", "top"]
    states = [a.steps[0].ops[1].value for a in found.actions]
    assert states == ["Closed", "Removed", "Removed"]  # a Task has no Removed state
    assert all(a.steps[0].ops[0].path == "/rev" for a in found.actions)


def test_without_prune_only_warnings():
    board, leaving = _board()
    found = plan_removals(board.live(), process(), "web", leaving, prune=False, removal="unmanage")
    assert found.actions == ()
    assert [w.code for w in found.warnings] == ["missing-from-manifests"] * 3
    assert "would be unmanaged" in found.warnings[0].message


def test_closed_items_count_as_already_removed():
    board, leaving = _board()
    board.edit(leaving[2][0], "System.State", "Closed")
    found = plan_removals(board.live(), process(), "web", leaving, prune=True, removal="close")
    assert [a.key for a in found.actions] == ["mid", "top"]
    assert found.already_closed == 1
