"""SQLite storage of the emulator: schema, transactions, work items, revisions, updates, links.

One connection per app. Request handlers run on the event loop without awaiting inside a write, so
writes of one process never interleave; `BEGIN IMMEDIATE` plus re-reading the rev inside the
transaction keeps writers in other processes (two `witsync serve` on one file) safe as well.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson

from witsync.emulator.catalog import Catalog, Project, project_guid
from witsync.emulator.tables import SCHEMA as FEATURE_SCHEMA

__all__ = ["Item", "Project", "Store", "dump_json", "load_json", "project_guid"]


def dump_json(value: Any) -> str:
    """JSON text of `value`, compact (orjson: a large apply stores ~8 texts per create)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # what orjson refuses (a non-str key, a >64-bit int): as the stdlib did
        return json.dumps(value)


def load_json(text: str | bytes) -> Any:
    """The value of JSON `text`; the stdlib reads what orjson refuses (NaN stored earlier)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)

SCHEMA = """
CREATE TABLE IF NOT EXISTS work_items (
  org TEXT NOT NULL, id INTEGER NOT NULL,
  project TEXT NOT NULL,
  rev INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  fields TEXT NOT NULL,
  relations TEXT NOT NULL,
  PRIMARY KEY (org, id));
CREATE INDEX IF NOT EXISTS work_items_org_deleted ON work_items (org, deleted);
CREATE TABLE IF NOT EXISTS links (
  org TEXT NOT NULL, source INTEGER NOT NULL, target INTEGER NOT NULL, rel TEXT NOT NULL,
  PRIMARY KEY (org, source, rel, target));
CREATE INDEX IF NOT EXISTS links_target ON links (org, target);
CREATE TABLE IF NOT EXISTS projects (
  org TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL, id TEXT NOT NULL,
  process TEXT NOT NULL, PRIMARY KEY (org, key));
CREATE TABLE IF NOT EXISTS nodes (
  org TEXT NOT NULL, key TEXT NOT NULL, structure TEXT NOT NULL, path TEXT NOT NULL,
  id INTEGER NOT NULL, PRIMARY KEY (org, structure, key));
CREATE TABLE IF NOT EXISTS node_dates (
  org TEXT NOT NULL, structure TEXT NOT NULL, key TEXT NOT NULL,
  start TEXT NOT NULL, finish TEXT NOT NULL, PRIMARY KEY (org, structure, key));
CREATE TABLE IF NOT EXISTS revisions (
  org TEXT NOT NULL, id INTEGER NOT NULL, rev INTEGER NOT NULL,
  fields TEXT NOT NULL, relations TEXT NOT NULL, PRIMARY KEY (org, id, rev));
CREATE TABLE IF NOT EXISTS updates (
  org TEXT NOT NULL, id INTEGER NOT NULL, seq INTEGER NOT NULL, rev INTEGER NOT NULL,
  revised_by TEXT NOT NULL, revised_date TEXT NOT NULL,
  fields TEXT NOT NULL, relations TEXT NOT NULL, PRIMARY KEY (org, id, seq));
CREATE TABLE IF NOT EXISTS counters (
  org TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (org, name));
CREATE TABLE IF NOT EXISTS tags (
  org TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (org, key));
CREATE TABLE IF NOT EXISTS identities (
  org TEXT NOT NULL, key TEXT NOT NULL, display TEXT NOT NULL, email TEXT NOT NULL,
  PRIMARY KEY (org, key));
"""


@dataclass
class Item:
    """A work item row; in `relations`, work-item link urls are paths without scheme and host."""

    org: str
    id: int
    project: str
    rev: int
    deleted: bool
    fields: dict[str, Any]
    relations: list[dict[str, Any]] = field(default_factory=list)


class Store(Catalog):
    """One connection to a board file (or memory), its transactions, and the work item tables."""

    def __init__(self, db: str | os.PathLike[str]) -> None:
        path = os.fspath(db)
        in_memory = path == ":memory:" or path.startswith("file::memory:")
        if not in_memory:
            parent = os.path.dirname(os.path.abspath(path))
            os.makedirs(parent, exist_ok=True)
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA busy_timeout = 10000")
        if not in_memory:
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            # Flat queries scan every row of an organization: keep the table in memory. The
            # mapping counts in a process's RSS: capped at 256 MB (at 1 GB a 100,000-item apply
            # in process peaked at 1,088 MB; bench_scale.py).
            self.conn.execute("PRAGMA mmap_size = 268435456")
            # Reads come through the mapping; the page cache holds what a transaction changes,
            # and at 128 MB it was filled by the writes of a large apply (RSS, nothing faster).
            self.conn.execute("PRAGMA cache_size = -32768")
        else:
            self.conn.execute("PRAGMA cache_size = -131072")
        self.conn.executescript(SCHEMA + FEATURE_SCHEMA)
        self._depth = 0
        self._projects: dict[tuple[str, str], Project] = {}
        self._people: dict[tuple[str, str], tuple[str, str]] = {}
        """Identity rows this connection wrote, as written (cleared when a write rolls back)."""

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (nested calls join the outer one, via a savepoint)."""
        if self._depth:
            name = f"sp{self._depth}"
            self.conn.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield self.conn
            except BaseException:
                self._forget()
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                raise
            else:
                self.conn.execute(f"RELEASE {name}")
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self._forget()
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._depth = 0

    def _forget(self) -> None:
        """A write rolled back: rows remembered as written may be undone."""
        self._projects.clear()
        self._people.clear()

    # -- work items ----------------------------------------------------------------------------

    def get(self, org: str, id: int, *, include_deleted: bool = False) -> Item | None:
        row = self.conn.execute(
            "SELECT project, rev, deleted, fields, relations FROM work_items "
            "WHERE org = ? AND id = ?",
            (org, id),
        ).fetchone()
        if row is None or (row[2] and not include_deleted):
            return None
        return Item(org, id, row[0], row[1], bool(row[2]), load_json(row[3]), load_json(row[4]))

    def project_of(self, org: str, id: int) -> str | None:
        """The project of a live item, without decoding its row (a link's target is checked)."""
        row = self.conn.execute(
            "SELECT project FROM work_items WHERE org = ? AND id = ? AND deleted = 0", (org, id)
        ).fetchone()
        return None if row is None else str(row[0])

    def relations_of(self, org: str, id: int) -> tuple[int, list[dict[str, Any]]] | None:
        """(rev, relations) of a live item, its fields left undecoded (a reciprocal link end)."""
        row = self.conn.execute(
            "SELECT rev, relations FROM work_items WHERE org = ? AND id = ? AND deleted = 0",
            (org, id),
        ).fetchone()
        return None if row is None else (int(row[0]), load_json(row[1]))

    def put_relations(self, org: str, id: int, relations: list[dict[str, Any]]) -> None:
        """Rewrite an item's relations alone: its fields stay the very text they are."""
        self.conn.execute(
            "UPDATE work_items SET relations = ? WHERE org = ? AND id = ?",
            (dump_json(relations), org, id),
        )

    def get_many(self, org: str, ids: Sequence[int]) -> dict[int, Item]:
        found: dict[int, Item] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            # `+deleted`: look rows up by primary key, never through the (org, deleted) index.
            rows = self.conn.execute(
                f"SELECT id, project, rev, fields, relations FROM work_items "  # noqa: S608
                f"WHERE org = ? AND id IN ({marks}) AND +deleted = 0",
                (org, *chunk),
            ).fetchall()
            for r in rows:
                found[r[0]] = Item(org, r[0], r[1], r[2], False, load_json(r[3]), load_json(r[4]))
        return found

    def put(self, item: Item) -> tuple[str, str]:
        """Save the row; returns its fields and relations as stored (JSON), for `add_revision`."""
        fields = dump_json(item.fields)
        relations = dump_json(item.relations)
        self.conn.execute(
            "INSERT OR REPLACE INTO work_items (org, id, project, rev, deleted, fields, relations) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                item.org,
                item.id,
                item.project,
                item.rev,
                int(item.deleted),
                fields,
                relations,
            ),
        )
        return fields, relations

    def add_revision(
        self,
        item: Item,
        fields: dict[str, Any] | str,
        *,
        relations: str | None = None,
    ) -> None:
        """`fields` may come encoded already; `relations`: the item's relations encoded (what
        `put` returned), if at hand."""
        self.conn.execute(
            "INSERT OR REPLACE INTO revisions (org, id, rev, fields, relations) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                item.org,
                item.id,
                item.rev,
                fields if isinstance(fields, str) else dump_json(fields),
                dump_json(item.relations) if relations is None else relations,
            ),
        )

    def revisions(self, org: str, id: int) -> list[tuple[int, dict[str, Any], list[Any]]]:
        rows = self.conn.execute(
            "SELECT rev, fields, relations FROM revisions WHERE org = ? AND id = ? ORDER BY rev",
            (org, id),
        ).fetchall()
        return [(r[0], load_json(r[1]), load_json(r[2])) for r in rows]

    def add_update(
        self,
        org: str,
        id: int,
        rev: int,
        by: str,
        at: str,
        fields: dict[str, Any],
        relations: dict[str, Any],
        *,
        seq: int | None = None,
    ) -> None:
        """`seq`: the update's number when the caller knows it (1 for an item just created)."""
        if seq is None:
            row = self.conn.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM updates WHERE org = ? AND id = ?", (org, id)
            ).fetchone()
            seq = row[0] + 1
        self.conn.execute(
            "INSERT INTO updates (org, id, seq, rev, revised_by, revised_date, fields, relations) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (org, id, seq, rev, by, at, dump_json(fields), dump_json(relations)),
        )

    def updates(self, org: str, id: int) -> list[tuple[int, int, str, str, dict[str, Any], Any]]:
        rows = self.conn.execute(
            "SELECT seq, rev, revised_by, revised_date, fields, relations FROM updates "
            "WHERE org = ? AND id = ? ORDER BY seq",
            (org, id),
        ).fetchall()
        return [(r[0], r[1], r[2], r[3], load_json(r[4]), load_json(r[5])) for r in rows]

    def deleted_items(self, org: str, project: str | None) -> list[Item]:
        rows = self.conn.execute(
            "SELECT id, project, rev, fields, relations FROM work_items "
            "WHERE org = ? AND deleted = 1 ORDER BY id",
            (org,),
        ).fetchall()
        items = [
            Item(org, r[0], r[1], r[2], True, load_json(r[3]), load_json(r[4])) for r in rows
        ]
        return [i for i in items if project is None or i.project.lower() == project.lower()]

    def destroy(self, org: str, id: int) -> None:
        for table in ("work_items", "revisions", "updates"):
            self.conn.execute(f"DELETE FROM {table} WHERE org = ? AND id = ?", (org, id))  # noqa: S608
        self.conn.execute(
            "DELETE FROM links WHERE org = ? AND (source = ? OR target = ?)", (org, id, id)
        )

    def links_from(self, org: str, source: int) -> list[tuple[str, int]]:
        rows = self.conn.execute(
            "SELECT rel, target FROM links WHERE org = ? AND source = ?", (org, source)
        ).fetchall()
        return [(r[0], int(r[1])) for r in rows]

    def add_link(self, org: str, source: int, rel: str, target: int) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO links (org, source, target, rel) VALUES (?, ?, ?, ?)",
            (org, source, target, rel),
        )

    def remove_link(self, org: str, source: int, rel: str, target: int) -> None:
        self.conn.execute(
            "DELETE FROM links WHERE org = ? AND source = ? AND rel = ? AND target = ?",
            (org, source, rel, target),
        )

    def reaches(self, org: str, start: int, goal: int, rel: str) -> bool:
        """Whether `goal` can be reached from `start` following `rel` links (cycle checks)."""
        row = self.conn.execute(
            "WITH RECURSIVE walk(id) AS (SELECT ? UNION "
            "SELECT l.target FROM links l JOIN walk w ON l.source = w.id "
            "WHERE l.org = ? AND l.rel = ?) SELECT 1 FROM walk WHERE id = ? LIMIT 1",
            (start, org, rel, goal),
        ).fetchone()
        return row is not None
