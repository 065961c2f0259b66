"""Saved queries in SQLite: each project's folders and queries (and temporary queries) by id.

The table is made on first use by this module rather than by `store.py`, which holds the work
item tables; a board file made before saved queries existed gains it the same way.
"""

from __future__ import annotations

import uuid
import weakref
from dataclasses import dataclass, replace

from witsync.emulator.store import Store

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS saved_queries ("
    " org TEXT NOT NULL, id TEXT NOT NULL, project TEXT NOT NULL, parent TEXT,"
    " name TEXT NOT NULL, folder INTEGER NOT NULL, wiql TEXT, temp INTEGER NOT NULL,"
    " created_by TEXT NOT NULL, created_date TEXT NOT NULL,"
    " modified_by TEXT NOT NULL, modified_date TEXT NOT NULL,"
    " executed_by TEXT, executed_date TEXT, deleted INTEGER NOT NULL,"
    " PRIMARY KEY (org, id))",
    "CREATE INDEX IF NOT EXISTS saved_queries_parent ON saved_queries (org, parent)",
)
COLUMNS = (
    "id, project, parent, name, folder, wiql, temp, created_by, created_date, modified_by, "
    "modified_date, executed_by, executed_date, deleted"
)
# The two folders every project has: (name, public).
ROOTS = (("My Queries", False), ("Shared Queries", True))

_ready: weakref.WeakSet[Store] = weakref.WeakSet()


@dataclass(frozen=True)
class SavedQuery:
    """A folder or query; `parent` is None for the two root folders and for temporary queries."""

    id: str
    project: str
    parent: str | None
    name: str
    folder: bool
    wiql: str | None
    temp: bool
    created_by: str
    created_date: str
    modified_by: str
    modified_date: str
    executed_by: str | None = None
    executed_date: str | None = None
    deleted: bool = False


def _ensure(store: Store) -> None:
    if store not in _ready:
        for statement in SCHEMA:
            store.conn.execute(statement)
        _ready.add(store)


def _row(row: tuple[object, ...]) -> SavedQuery:
    return SavedQuery(
        id=str(row[0]),
        project=str(row[1]),
        parent=None if row[2] is None else str(row[2]),
        name=str(row[3]),
        folder=bool(row[4]),
        wiql=None if row[5] is None else str(row[5]),
        temp=bool(row[6]),
        created_by=str(row[7]),
        created_date=str(row[8]),
        modified_by=str(row[9]),
        modified_date=str(row[10]),
        executed_by=None if row[11] is None else str(row[11]),
        executed_date=None if row[12] is None else str(row[12]),
        deleted=bool(row[13]),
    )


def root_id(org: str, project: str, name: str) -> str:
    """Stable ids for the root folders, so they are the same after a restart."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"witsync-queries/{org}/{project}/{name}"))


def roots(store: Store, org: str, project: str, me: str, stamp: str) -> list[SavedQuery]:
    """The project's two root folders, made on first use."""
    _ensure(store)
    found = []
    for name, _ in ROOTS:
        folder = get(store, org, root_id(org, project, name))
        if folder is None:
            folder = SavedQuery(
                root_id(org, project, name), project, None, name, True, None, False,
                me, stamp, me, stamp,
            )  # fmt: skip
            with store.write():
                put(store, org, folder)
        found.append(folder)
    return found


def get(store: Store, org: str, query_id: str) -> SavedQuery | None:
    _ensure(store)
    row = store.conn.execute(
        f"SELECT {COLUMNS} FROM saved_queries WHERE org = ? AND id = ?",  # noqa: S608
        (org, query_id.lower()),
    ).fetchone()
    return _row(row) if row else None


def children(store: Store, org: str, parent: str) -> list[SavedQuery]:
    """A folder's items, folders first, each group by name (as the service lists them)."""
    _ensure(store)
    rows = store.conn.execute(
        f"SELECT {COLUMNS} FROM saved_queries WHERE org = ? AND parent = ? "  # noqa: S608
        "ORDER BY folder DESC, lower(name), id",
        (org, parent),
    ).fetchall()
    return [_row(r) for r in rows]


def child_named(store: Store, org: str, parent: str, name: str) -> SavedQuery | None:
    """The item of this name in a folder (not deleted), matched case-insensitively."""
    key = name.lower()
    return next(
        (c for c in children(store, org, parent) if not c.deleted and c.name.lower() == key), None
    )


def put(store: Store, org: str, item: SavedQuery) -> None:
    _ensure(store)
    store.conn.execute(
        f"INSERT OR REPLACE INTO saved_queries (org, {COLUMNS}) "  # noqa: S608
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            org,
            item.id,
            item.project,
            item.parent,
            item.name,
            int(item.folder),
            item.wiql,
            int(item.temp),
            item.created_by,
            item.created_date,
            item.modified_by,
            item.modified_date,
            item.executed_by,
            item.executed_date,
            int(item.deleted),
        ),
    )


def descendants(store: Store, org: str, folder: str) -> list[SavedQuery]:
    """Everything below a folder, deleted items included."""
    found: list[SavedQuery] = []
    pending = [folder]
    while pending:
        for child in children(store, org, pending.pop()):
            found.append(child)
            if child.folder:
                pending.append(child.id)
    return found


def set_deleted(store: Store, org: str, item: SavedQuery, deleted: bool, *, below: bool) -> None:
    """Marks an item deleted or not; `below` does the same to everything under it."""
    put(store, org, replace(item, deleted=deleted))
    if below:
        for child in descendants(store, org, item.id):
            put(store, org, replace(child, deleted=deleted))


def ancestry(store: Store, org: str, item: SavedQuery) -> list[SavedQuery]:
    """The item's folders from its root down to its parent."""
    chain: list[SavedQuery] = []
    parent = item.parent
    while parent is not None:
        folder = get(store, org, parent)
        if folder is None:
            break
        chain.insert(0, folder)
        parent = folder.parent
    return chain
