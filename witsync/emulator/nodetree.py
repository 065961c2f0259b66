"""Classification node storage beyond add and read: look up by id, move or rename, delete.

Kept out of `store.py` (which holds the tables): these rewrite a subtree's keys and dates and
the tree paths of the work items under it, as the service does when a node is renamed, moved
or deleted with reclassification.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from witsync.emulator.store import Store

PATH_FIELDS = {"area": "System.AreaPath", "iteration": "System.IterationPath"}


def node_by_id(store: Store, org: str, node_id: int) -> tuple[str, str] | None:
    """(structure, canonical path) of the node with this id."""
    row = store.conn.execute(
        "SELECT structure, path FROM nodes WHERE org = ? AND id = ?", (org, node_id)
    ).fetchone()
    return (str(row[0]), str(row[1])) if row else None


def is_within(path: str, root: str) -> bool:
    """Whether `path` is `root` or below it (case-insensitively, as node names compare)."""
    low, top = path.lower(), root.lower()
    return low == top or low.startswith(top + "\\")


def _moved(path: str, old: str, new: str) -> str:
    return new + path[len(old) :]


def move_subtree(store: Store, org: str, structure: str, old: str, new: str) -> None:
    """Renames or moves the node at `old` (and everything under it) to `new`: node keys, dates,
    and the tree paths of work items (deleted ones too, so a restore lands in the right place)."""
    for path, _ in store.nodes_under(org, structure, old):
        moved = _moved(path, old, new)
        store.conn.execute(
            "UPDATE nodes SET key = ?, path = ? WHERE org = ? AND structure = ? AND key = ?",
            (moved.lower(), moved, org, structure, path.lower()),
        )
        store.conn.execute(
            "UPDATE node_dates SET key = ? WHERE org = ? AND structure = ? AND key = ?",
            (moved.lower(), org, structure, path.lower()),
        )
    _repath_items(store, org, structure, old, lambda path: _moved(path, old, new))


def delete_subtree(
    store: Store, org: str, structure: str, path: str, reclassify_to: str | None
) -> None:
    """Deletes the node at `path` and its descendants; work items under it move to
    `reclassify_to`."""
    for node_path, _ in store.nodes_under(org, structure, path):
        key = (org, structure, node_path.lower())
        store.conn.execute("DELETE FROM nodes WHERE org = ? AND structure = ? AND key = ?", key)
        store.conn.execute(
            "DELETE FROM node_dates WHERE org = ? AND structure = ? AND key = ?", key
        )
    if reclassify_to is not None:
        target = reclassify_to
        _repath_items(store, org, structure, path, lambda _: target)


def items_under(store: Store, org: str, structure: str, path: str) -> int:
    """How many work items (deleted ones included) have a tree path at or below `path`."""
    return len(_items_under(store, org, structure, path))


def _items_under(store: Store, org: str, structure: str, path: str) -> list[tuple[int, str]]:
    selector = '$."' + PATH_FIELDS[structure] + '"'
    low = path.lower()
    rows = store.conn.execute(
        "SELECT id, fields FROM work_items WHERE org = ? AND "
        "(lower(json_extract(fields, ?)) = ? OR "
        "substr(lower(json_extract(fields, ?)), 1, ?) = ?)",
        (org, selector, low, selector, len(low) + 1, low + "\\"),
    ).fetchall()
    return [(int(r[0]), str(r[1])) for r in rows]


def _repath_items(
    store: Store, org: str, structure: str, root: str, repath: Callable[[str], str]
) -> None:
    ref = PATH_FIELDS[structure]
    for item_id, raw in _items_under(store, org, structure, root):
        fields = json.loads(raw)
        fields[ref] = repath(str(fields[ref]))
        store.conn.execute(
            "UPDATE work_items SET fields = ? WHERE org = ? AND id = ?",
            (json.dumps(fields), org, item_id),
        )
