"""Checks across a manifest set: unique keys and ids, known parents and link targets, no cycles.

It also makes each link appear once. A link can be declared from either end (`a: related [b]`
and `b: related [a]`; `a: predecessors [b]` and `b: successors [a]`): that is one link on the
board, so only its first declaration in set order (files in path order, items in file order,
then related, predecessors, successors) is kept, and the planner never sends it twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from witsync.errors import Diagnostic
from witsync.loading.fieldnames import did_you_mean
from witsync.model import (
    REL_PREDECESSOR,
    REL_RELATED,
    REL_SUCCESSOR,
    DesiredItem,
    DesiredLink,
    Location,
)

LinkIdentity = tuple[str, str | int, str | int]
"""(kind, end, end): `related` ends sorted; `dependency` ends are (predecessor, successor)."""


def check_graph(
    items: Sequence[DesiredItem], *, unverified: frozenset[str] | None = frozenset()
) -> tuple[tuple[DesiredItem, ...], list[Diagnostic]]:
    """The items with duplicates dropped, id targets of adopted items turned into keys and links
    made unique; and every problem found. Keys in `unverified` belong to items that failed
    earlier checks, so a reference to one is not reported unknown; None means a whole file
    failed and any key may be there."""

    def known(key: str) -> bool:
        return key in by_key or unverified is None or key in unverified

    problems: list[Diagnostic] = []
    unique = _unique_keys(items, problems)
    by_key = {item.key: item for item in unique}
    key_of_id = _adopted_ids(unique, problems)
    _check_previous_keys(unique, problems)
    resolved = [_resolve(item, key_of_id) for item in unique] if key_of_id else unique
    for item in resolved:
        _check_parent(item, by_key, known, problems)
    _check_cycles(resolved, problems)
    linked = _unique_links(resolved, by_key, known, problems)
    _check_dependency_cycles(linked, problems)
    return tuple(linked), problems


def _unique_keys(items: Sequence[DesiredItem], problems: list[Diagnostic]) -> list[DesiredItem]:
    first: dict[str, DesiredItem] = {}
    kept = []
    for item in items:
        if item.key in first:
            problems.append(
                Diagnostic(
                    "error",
                    f"duplicate key '{item.key}': also at {first[item.key].location}",
                    item.location,
                    "keys are unique across every file of the set: rename one",
                )
            )
            continue
        first[item.key] = item
        kept.append(item)
    return kept


def _adopted_ids(items: Sequence[DesiredItem], problems: list[Diagnostic]) -> dict[int, str]:
    key_of_id: dict[int, str] = {}
    location_of_id: dict[int, Location] = {}
    for item in items:
        if item.adopt_id is None:
            continue
        if item.adopt_id in key_of_id:
            problems.append(
                Diagnostic(
                    "error",
                    f"work item {item.adopt_id} is adopted twice: by '{item.key}' and by "
                    f"'{key_of_id[item.adopt_id]}' at {location_of_id[item.adopt_id]}",
                    item.location,
                    "one work item has one key: remove one of the `id:` lines",
                )
            )
            continue
        key_of_id[item.adopt_id] = item.key
        location_of_id[item.adopt_id] = item.location
    return key_of_id


def _check_previous_keys(items: Sequence[DesiredItem], problems: list[Diagnostic]) -> None:
    """A previous key (`previousKeys:`) names a key no entry has now, and one entry only: two
    entries cannot both take over one work item, and a key in use is not a previous one."""
    by_key = {item.key: item for item in items}
    claimed: dict[str, DesiredItem] = {}
    for item in items:
        for old in item.previous_keys:
            if old == item.key:
                message, hint = (
                    f"previous key '{old}' of '{item.key}' is its own key",
                    "remove it from `previousKeys:`",
                )
            elif old in by_key:
                message, hint = (
                    f"previous key '{old}' of '{item.key}' is the key of an item of the set "
                    f"({by_key[old].location})",
                    "a previous key is one no entry has any more: remove it from "
                    "`previousKeys:`, or rename that item",
                )
            elif old in claimed:
                message, hint = (
                    f"previous key '{old}' of '{item.key}' is also a previous key of "
                    f"'{claimed[old].key}' ({claimed[old].location})",
                    "one work item moves to one key: keep the previous key on one entry",
                )
            else:
                claimed[old] = item
                continue
            problems.append(Diagnostic("error", message, item.location, hint))


def _resolve(item: DesiredItem, key_of_id: dict[int, str]) -> DesiredItem:
    """An id that an item of the set adopts is that item: name it by key, so checks see it."""

    def by_key(target: str | int) -> str | int:
        return key_of_id.get(target, target) if isinstance(target, int) else target

    parent = by_key(item.parent) if item.parent is not None else None
    links = tuple(replace(link, target=by_key(link.target)) for link in item.links)
    if parent == item.parent and links == item.links:
        return item
    return replace(item, parent=parent, links=links)


def _check_parent(
    item: DesiredItem,
    by_key: dict[str, DesiredItem],
    known: Callable[[str], bool],
    problems: list[Diagnostic],
) -> None:
    where = item.parent_location or item.location
    if item.parent == item.key:
        problems.append(
            Diagnostic(
                "error",
                f"'{item.key}' is its own parent",
                where,
                "name another item's key or id as the parent, or remove `parent:`",
            )
        )
    elif isinstance(item.parent, str) and not known(item.parent):
        problems.append(
            Diagnostic(
                "error",
                f"unknown parent '{item.parent}' of '{item.key}'",
                where,
                did_you_mean(item.parent, by_key)
                or "a parent is a key in one of the files of the set, or the id of a work item",
            )
        )


def _check_cycles(items: Sequence[DesiredItem], problems: list[Diagnostic]) -> None:
    """Each item has at most one parent, so a cycle is found by walking up from every item."""
    parent_of = {
        item.key: item.parent
        for item in items
        if isinstance(item.parent, str) and item.parent != item.key
    }
    location = {item.key: item.location for item in items}
    done: set[str] = set()
    for start in parent_of:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in done and node not in on_path:
            path.append(node)
            on_path.add(node)
            parent = parent_of.get(node)
            node = parent if isinstance(parent, str) and parent in location else None
        if node is not None and node in on_path:
            cycle = path[path.index(node) :]
            first = min(cycle, key=lambda key: location[key])
            turn = cycle.index(first)
            ordered = cycle[turn:] + cycle[:turn]
            problems.append(
                Diagnostic(
                    "error",
                    "hierarchy cycle: " + " -> ".join([*ordered, first]) + " (each is the parent "
                    "of the one before)",
                    location[first],
                    "a work item cannot be its own ancestor: remove one of these `parent:` links",
                )
            )
        done.update(path)


def _check_dependency_cycles(items: Sequence[DesiredItem], problems: list[Diagnostic]) -> None:
    """Azure DevOps refuses a circular dependency (the link type is acyclic): find one per knot."""
    # Only the items with dependencies have a list: most of 100,000 items have none.
    successors: dict[str, list[tuple[str, DesiredLink]]] = {}
    for item in items:
        for link in item.links:
            if link.rel == REL_RELATED or not isinstance(link.target, str):
                continue
            _, before, after = _identity(item, link)
            assert isinstance(before, str)
            assert isinstance(after, str)
            successors.setdefault(before, []).append((after, link))
    if not successors:
        return
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for root in (item.key for item in items):  # in set order: the cycle reported is the same
        if root in state or root not in successors:
            continue  # an item no dependency leaves from starts no cycle
        path: list[str] = [root]
        pending = [iter(successors[root])]
        state[root] = 1
        while pending:
            step = next(pending[-1], None)
            if step is None:
                state[path.pop()] = 2
                pending.pop()
                continue
            node, link = step
            if state.get(node) == 1:
                cycle = [*path[path.index(node) :], node]
                problems.append(
                    Diagnostic(
                        "error",
                        "dependency cycle: " + " -> ".join(cycle) + " (each comes before the next)",
                        link.location,
                        "Azure DevOps refuses circular predecessor/successor links: remove one",
                    )
                )
            elif node not in state:
                state[node] = 1
                path.append(node)
                pending.append(iter(successors.get(node, ())))


def _identity(item: DesiredItem, link: DesiredLink) -> LinkIdentity:
    if link.rel == REL_RELATED:
        ends = sorted([item.key, link.target], key=lambda end: (isinstance(end, int), str(end)))
        return ("related", ends[0], ends[1])
    if link.rel == REL_PREDECESSOR:  # the target comes before this item
        return ("dependency", link.target, item.key)
    assert link.rel == REL_SUCCESSOR
    return ("dependency", item.key, link.target)


def _unique_links(
    items: Sequence[DesiredItem],
    by_key: dict[str, DesiredItem],
    known: Callable[[str], bool],
    problems: list[Diagnostic],
) -> list[DesiredItem]:
    seen: set[LinkIdentity] = set()
    result = []
    for item in items:
        kept: list[DesiredLink] = []
        for link in item.links:
            if link.target == item.key:
                problems.append(
                    Diagnostic(
                        "error",
                        f"'{item.key}' links to itself",
                        link.location,
                        f"a link joins two work items: remove {link.target!r} from this list",
                    )
                )
                continue
            if isinstance(link.target, str) and link.target not in by_key:
                if known(link.target):
                    continue  # an item that failed earlier checks: nothing more to say
                problems.append(
                    Diagnostic(
                        "error",
                        f"unknown link target '{link.target}' of '{item.key}'",
                        link.location,
                        did_you_mean(link.target, by_key)
                        or "a link target is a key in the set or the id of a work item",
                    )
                )
                continue
            identity = _identity(item, link)
            if identity not in seen:
                seen.add(identity)
                kept.append(link)
        result.append(item if len(kept) == len(item.links) else replace(item, links=tuple(kept)))
    return result
