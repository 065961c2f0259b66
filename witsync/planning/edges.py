"""Links compared canonically: one edge per pair of ends, whichever end lists it.

A Related B is B Related A; A Successor B (Dependency-Forward) is B Predecessor A; a child's
Parent (Hierarchy-Reverse) is its parent's Child (Hierarchy-Forward). The planner compares
these edges, so a reciprocal pair on the board is one link and nothing is sent twice.
"""

from __future__ import annotations

from witsync.model import REL_CHILD, REL_PARENT, REL_PREDECESSOR, REL_RELATED, REL_SUCCESSOR

End = str | int
"""One end of a link: the key of an item of the set, or the id of a work item outside it."""
Edge = tuple[str, End, End]
"""A link, canonically: ("parent", child, parent), ("related", a, b) with a <= b,
("dep", predecessor, successor), or (rel, from, to) for other declared link types."""


def end_order(end: End) -> tuple[int, str, int]:
    return (0, end, 0) if isinstance(end, str) else (1, "", end)


def edge_order(edge: Edge) -> tuple[str, tuple[int, str, int], tuple[int, str, int]]:
    return (edge[0], end_order(edge[1]), end_order(edge[2]))


def canonical_edge(holder: End, rel: str, other: End) -> Edge:
    """The canonical form of a link seen from `holder` (its reciprocal gives the same edge)."""
    if rel == REL_PARENT:
        return ("parent", holder, other)
    if rel == REL_CHILD:
        return ("parent", other, holder)
    if rel == REL_RELATED:
        first, second = sorted((holder, other), key=end_order)
        return ("related", first, second)
    if rel == REL_SUCCESSOR:
        return ("dep", holder, other)
    if rel == REL_PREDECESSOR:
        return ("dep", other, holder)
    return (rel, holder, other)


def rel_from(edge: Edge, holder: End) -> str:
    """The relation type `holder` carries for `edge`."""
    kind, first, _second = edge
    if kind == "parent":
        return REL_PARENT if holder == first else REL_CHILD
    if kind == "related":
        return REL_RELATED
    if kind == "dep":
        return REL_SUCCESSOR if holder == first else REL_PREDECESSOR
    return kind
