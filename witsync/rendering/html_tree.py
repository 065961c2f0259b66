"""The tree the HTML plan draws: every item under its parent, marked by what the plan does to it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from witsync.model import REL_PARENT, Action, Location, Plan, PlanItem, PlanWarning

MARKS = ("create", "update", "reopen", "remove", "unchanged")
"""What can happen to an item, in the order the page lists them."""


@dataclass
class Node:
    """One item on the page."""

    key: str
    type: str
    title: str
    id: int | None
    mark: str
    action: Action | None = None
    location: Location | None = None
    state: str | None = None
    outside_parent: int | None = None
    """The id of a parent outside the set (the tree shows the item at the top)."""
    children: list[Node] = field(default_factory=list)
    warnings: list[PlanWarning] = field(default_factory=list)
    anchor: str = ""
    tree_parent: str | None = None
    """The key of the item it is drawn under."""
    changed_below: bool = False
    """This item or one below it changes: its branch starts open."""
    size: int = 1
    """Items in its branch, itself included."""


def mark_of(action: Action | None) -> str:
    """The mark of an item: create; update (an adopt and a change of key too); reopen (an item
    prune had closed, or one restored from the recycle bin, comes back); remove; unchanged."""
    if action is None:
        return "unchanged"
    if action.kind in ("reopen", "restore"):
        return "reopen"
    return action.kind if action.kind in MARKS else "update"


def build_tree(plan: Plan) -> tuple[list[Node], list[Node]]:
    """(roots, every node in page order). From `plan.items` when the plan has them (every item
    of the set); else from the actions alone, parents taken from the Parent links they add."""
    items: Sequence[PlanItem] = plan.items or _items_from_actions(plan.actions)
    by_key = {a.key: a for a in plan.actions if a.kind != "remove"}
    by_id = {a.id: a for a in plan.actions if a.kind == "remove" and a.id is not None}
    nodes: list[Node] = []
    named: dict[str, Node] = {}
    numbered: dict[int, Node] = {}
    parents: list[str | int | None] = []
    for item in items:
        removal = by_id.get(item.id) if item.id is not None else None
        action = removal or (by_key.get(item.key) if item.key not in named else None)
        node = Node(
            key=item.key,
            type=item.type,
            title=action.title if action is not None and action.title else item.title,
            id=item.id,
            mark=mark_of(action),
            action=action,
            location=item.location or (action.location if action else None),
            state=item.state,
        )
        node.anchor = f"item-{item.key}" if item.key not in named else f"item-{item.key}-{item.id}"
        named.setdefault(item.key, node)
        if item.id is not None:
            numbered.setdefault(item.id, node)
        nodes.append(node)
        parents.append(item.parent)
    shown_actions = {id(node.action) for node in nodes if node.action is not None}
    for action in plan.actions:  # an action the overview lacks still gets a line
        if id(action) not in shown_actions:
            node = Node(
                action.key, action.type, action.title, action.id, mark_of(action), action,
                action.location, anchor=f"item-{action.key}-{action.id or 'new'}",
            )  # fmt: skip
            nodes.append(node)
            parents.append(None)
    parent_of: dict[int, Node | None] = {}
    for node, parent_ref in zip(nodes, parents, strict=True):
        parent = None
        if isinstance(parent_ref, str):
            parent = named.get(parent_ref)
        elif isinstance(parent_ref, int):
            parent = numbered.get(parent_ref)
            if parent is None:
                node.outside_parent = parent_ref
        parent_of[id(node)] = parent if parent is not node else None
    _cut_cycles(nodes, parent_of)
    roots: list[Node] = []
    for node in nodes:
        parent = parent_of[id(node)]
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
            node.tree_parent = parent.key
    for warning in plan.warnings:
        target = (numbered.get(warning.id) if warning.id is not None else None) or (
            named.get(warning.key) if warning.key is not None else None
        )
        if target is not None:
            target.warnings.append(warning)
    ordered = list(_walk(roots))
    for node in reversed(ordered):
        node.changed_below = node.mark != "unchanged" or any(c.changed_below for c in node.children)
        node.size = 1 + sum(c.size for c in node.children)
    return roots, ordered


def _cut_cycles(nodes: list[Node], parent_of: dict[int, Node | None]) -> None:
    """Make one item of every parent cycle a top item. A valid set has no cycle; a damaged plan
    file still renders instead of losing items or looping. Linear: each item is walked once."""
    done: set[int] = set()
    for node in nodes:
        path: set[int] = set()
        current: Node | None = node
        while current is not None and id(current) not in done and id(current) not in path:
            path.add(id(current))
            current = parent_of[id(current)]
        if current is not None and id(current) in path:
            parent_of[id(current)] = None
        done |= path


def _walk(roots: list[Node]) -> Iterator[Node]:
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def _items_from_actions(actions: Sequence[Action]) -> list[PlanItem]:
    """The overview a plan without `items` (an older plan file) allows: the changed items,
    placed under the parent their Parent link names when they add one."""
    items = []
    for action in actions:
        parent: str | int | None = None
        for link in action.link_changes:
            if link.op == "add" and link.rel == REL_PARENT:
                parent = link.target_key if link.target_key is not None else link.target_id
        items.append(PlanItem.of_action(action, parent, location=action.location))
    return items
