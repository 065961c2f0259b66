"""Links: one canonical edge per pair of ends, and which end adds or removes each one.

A Related B is B Related A; A Successor B (Dependency-Forward) is B Predecessor A; a child's
Parent (Hierarchy-Reverse) is its parent's Child (Hierarchy-Forward). The planner compares
these edges, so a reciprocal pair on the board is one link and nothing is sent twice.
witsync manages:
  - the parent of an item of the set: when its manifest names a parent, that is the parent
    (another parent is removed, one parent only); when it names none, a live parent that is
    itself an item of the set is removed, and a parent outside the set is left alone;
  - related and dependency links between two items of the set: exactly those declared;
  - links declared to work items outside the set (by id): added if missing. They are never
    removed: without a state file a link to an outside item that left the manifests cannot be
    told apart from one a person added.
Every other relation (children outside the set, commits, pull requests, attachments, links
people added to outside items) is never touched. A link is sent by one end only: the child for
a parent link; else the end created later in this run (so both ends exist), else the end that
is being updated anyway, else the first in file order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Set
from dataclasses import dataclass

from witsync.model import (
    MANAGED_LINK_TYPES,
    REL_CHILD,
    REL_PARENT,
    REL_PREDECESSOR,
    REL_RELATED,
    REL_SUCCESSOR,
    LinkChange,
    PatchOp,
)
from witsync.planning.pair import Pairing
from witsync.planning.patch import add_link, remove_relation

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


# -- the planner's link work --------------------------------------------------------------------

Holders = dict[str, tuple[int, str, str]]
"""The ends of the set that carry a live edge: key -> (index in its relations, rel, url)."""


@dataclass(frozen=True)
class LinkWork:
    """One item's link changes: relations to add and to remove, and the keys whose creates
    must be done first (their new items are the targets of its additions)."""

    adds: tuple[PatchOp, ...] = ()
    removes: tuple[PatchOp, ...] = ()
    changes: tuple[LinkChange, ...] = ()
    depends_on: frozenset[str] = frozenset()


def link_work(
    pairing: Pairing, create_rank: Mapping[str, int], busy: Set[str]
) -> dict[str, LinkWork]:
    """Every link change the plan needs, by the key of the end that sends it (keys with none
    are left out). `create_rank` gives each key created in this run its place in the create
    order; `busy` holds the keys whose update changes fields anyway, so that a link change
    joins that request rather than making another."""
    adds: dict[str, list[PatchOp]] = defaultdict(list)
    removes: dict[str, list[PatchOp]] = defaultdict(list)
    changes: dict[str, list[LinkChange]] = defaultdict(list)
    depends_on: dict[str, set[str]] = defaultdict(set)
    updating = set(busy)  # and, from its first link change on, every holder
    wanted = desired_edges(pairing)
    found = live_edges(pairing)
    for edge in sorted(wanted - found.keys(), key=edge_order):
        key = holder_of(edge, pairing, create_rank, updating)
        other = edge[2] if key == edge[1] else edge[1]
        rel = rel_from(edge, key)
        if isinstance(other, str) and other in create_rank:
            adds[key].append(add_link(rel, target_key=other))
            depends_on[key].add(other)
            # None for an item created in this run; a restored one has its id already
            changes[key].append(LinkChange("add", rel, other, id_of(other, pairing)))
        else:
            other_id = id_of(other, pairing)
            adds[key].append(add_link(rel, target_id=other_id))
            target_key = other if isinstance(other, str) else None
            changes[key].append(LinkChange("add", rel, target_key, other_id))
        updating.add(key)
    for edge in sorted(found.keys() - wanted, key=edge_order):
        if not is_managed_live_edge(edge, pairing):
            continue
        holders = found[edge]
        key = holder_of(edge, pairing, create_rank, updating, holders)
        index, rel, url = holders[key]
        other = edge[2] if key == edge[1] else edge[1]
        removes[key].append(remove_relation(index, rel, url))
        target_key = other if isinstance(other, str) else None
        changes[key].append(LinkChange("remove", rel, target_key, id_of(other, pairing)))
        updating.add(key)
    return {
        key: LinkWork(
            tuple(adds[key]), tuple(removes[key]), tuple(changes[key]), frozenset(depends_on[key])
        )
        for key in pairing.pairs
        if key in changes
    }


def desired_edges(pairing: Pairing) -> set[Edge]:
    """The parent and links every entry states, with ids of the set turned into their keys."""
    edges: set[Edge] = set()
    for pair in pairing.pairs.values():
        item = pair.item
        if item.parent is not None:
            edges.add(("parent", item.key, _end(item.parent, pairing)))
        for link in item.links:
            edges.add(canonical_edge(item.key, link.rel, _end(link.target, pairing)))
    return edges


def live_edges(pairing: Pairing) -> dict[Edge, Holders]:
    """The links of managed types (and of types a manifest declares) on the items of the set,
    with the ends that carry each."""
    found: dict[Edge, Holders] = {}
    # Other link types a manifest declares are recognised too (so they are not re-added),
    # but only from the declaring side, and they are never removed.
    kinds = MANAGED_LINK_TYPES | {
        link.rel for pair in pairing.pairs.values() for link in pair.item.links
    }
    for key, pair in pairing.pairs.items():
        if pair.live is None:
            continue
        for index, relation in enumerate(pair.live.relations):
            if relation.rel not in kinds or relation.target_id is None:
                continue
            other = pairing.key_of_id.get(relation.target_id, relation.target_id)
            edge = canonical_edge(key, relation.rel, other)
            found.setdefault(edge, {})[key] = (index, relation.rel, relation.url)
    return found


def is_managed_live_edge(edge: Edge, pairing: Pairing) -> bool:
    """Whether witsync removes this live edge when no manifest states it."""
    kind, first, second = edge
    if kind == "parent":
        if not isinstance(first, str):
            return False  # the child is outside the set: its parent is not ours to manage
        return isinstance(second, str) or pairing.pairs[first].item.parent is not None
    if kind in ("related", "dep"):
        return isinstance(first, str) and isinstance(second, str)
    return False


def holder_of(
    edge: Edge,
    pairing: Pairing,
    create_rank: Mapping[str, int],
    busy: Set[str],
    present: Mapping[str, object] | None = None,
) -> str:
    """The end that sends a change of `edge` (see the module docstring); for a removal,
    `present` holds the ends that carry the link."""
    kind, first, second = edge
    ends = [end for end in (first, second) if isinstance(end, str) and end in pairing.pairs]
    if present is not None:
        ends = [end for end in ends if end in present]
    if kind == "parent" and first in ends:
        return str(first)
    if len(ends) == 1:
        return ends[0]
    new = [end for end in ends if end in create_rank]
    if new:
        return max(new, key=lambda end: create_rank[end])
    updated = [end for end in ends if end in busy]
    return min(updated or ends, key=lambda end: pairing.pairs[end].index)


def id_of(end: End, pairing: Pairing) -> int | None:
    """The work-item id of an end: itself, its live item's, or None for an item not created."""
    if isinstance(end, int):
        return end
    pair = pairing.pairs.get(end)
    return pair.live.id if pair is not None and pair.live is not None else None


def _end(ref: str | int, pairing: Pairing) -> End:
    """A manifest's parent or link target as an edge end (an id of the set becomes its key)."""
    if isinstance(ref, int):
        return pairing.key_of_id.get(ref, ref)
    return ref
