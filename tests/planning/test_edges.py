"""Canonical link edges: a link and its reciprocal are one edge, and each end knows its side."""

from __future__ import annotations

import pytest

from witsync.model import OPPOSITE_REL
from witsync.planning.edges import canonical_edge, rel_from


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
