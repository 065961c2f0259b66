"""The emulator store's small tables: counters, projects, nodes, identities, tag spellings."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass


@dataclass(frozen=True)
class Project:
    org: str
    name: str
    id: str
    process: str


def project_guid(org: str, name: str) -> str:
    """Stable across restarts and machines, so stored work item URLs stay valid."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"witsync-emulator/{org.lower()}/{name.lower()}"))


class Catalog:
    """The store's small tables (a base of `Store`, which owns the connection and transactions)."""

    conn: sqlite3.Connection
    _projects: dict[tuple[str, str], Project]
    _people: dict[tuple[str, str], tuple[str, str]]
    """Identity rows this connection wrote, as written (cleared when a write rolls back)."""

    def write(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def next_value(self, org: str, name: str, start: int = 1) -> int:
        # One statement, not a read then a write: every create takes a number.
        rows = self.conn.execute(
            "INSERT INTO counters (org, name, value) VALUES (?, ?, ?) "
            "ON CONFLICT (org, name) DO UPDATE SET value = value + 1 RETURNING value - 1",
            (org, name, start + 1),
        ).fetchall()
        return int(rows[0][0])

    def reserve_ids(self, org: str, count: int) -> int:
        """The first of `count` consecutive new work item ids (for bulk seeding)."""
        first = self.next_value(org, "workitem")
        self.conn.execute(
            "UPDATE counters SET value = ? WHERE org = ? AND name = 'workitem'",
            (first + count, org),
        )
        return first

    def ensure_project(self, org: str, name: str, process: str) -> Project:
        existing = self.project(org, name)
        if existing:
            return existing
        project = Project(org, name, project_guid(org, name), process)
        with self.write():
            self.conn.execute(
                "INSERT OR IGNORE INTO projects (org, key, name, id, process) "
                "VALUES (?, ?, ?, ?, ?)",
                (org, name.lower(), name, project.id, process),
            )
            self.add_node(org, "area", name)
            self.add_node(org, "iteration", name)
            for sprint in range(1, 7):
                self.add_node(org, "iteration", f"{name}\\Sprint {sprint}")
        return self.project(org, name) or project

    def project(self, org: str, name_or_id: str) -> Project | None:
        # A project row never changes once written (nothing renames or removes one), so one found
        # is remembered: every create looked its project up three times.
        wanted = (org, name_or_id.lower())
        found = self._projects.get(wanted)
        if found is not None:
            return found
        row = self.conn.execute(
            "SELECT name, id, process FROM projects WHERE org = ? AND (key = ? OR id = ?)",
            wanted + wanted[1:],
        ).fetchone()
        if row is None:
            return None
        found = Project(org, row[0], row[1], row[2])
        self._projects[wanted] = found
        return found

    def projects(self, org: str) -> list[Project]:
        rows = self.conn.execute(
            "SELECT name, id, process FROM projects WHERE org = ? ORDER BY key", (org,)
        ).fetchall()
        return [Project(org, r[0], r[1], r[2]) for r in rows]

    def add_node(self, org: str, structure: str, path: str) -> int:
        row = self.conn.execute(
            "SELECT id FROM nodes WHERE org = ? AND structure = ? AND key = ?",
            (org, structure, path.lower()),
        ).fetchone()
        if row:
            return int(row[0])
        node_id = self.next_value(org, "node", start=1000)
        self.conn.execute(
            "INSERT INTO nodes (org, key, structure, path, id) VALUES (?, ?, ?, ?, ?)",
            (org, path.lower(), structure, path, node_id),
        )
        return node_id

    def set_node_dates(
        self, org: str, structure: str, path: str, dates: tuple[str, str] | None
    ) -> None:
        """An iteration's (startDate, finishDate), ISO 8601; None clears them. A table apart from
        `nodes`, so that board files made before dates existed keep working."""
        key = (org, structure, path.lower())
        self.conn.execute("DELETE FROM node_dates WHERE org = ? AND structure = ? AND key = ?", key)
        if dates is not None:
            self.conn.execute(
                "INSERT INTO node_dates (org, structure, key, start, finish) "
                "VALUES (?, ?, ?, ?, ?)",
                (*key, *dates),
            )

    def node_dates(self, org: str, structure: str) -> dict[str, tuple[str, str]]:
        """(startDate, finishDate) by lower-cased path, for the nodes that have dates."""
        rows = self.conn.execute(
            "SELECT key, start, finish FROM node_dates WHERE org = ? AND structure = ?",
            (org, structure),
        ).fetchall()
        return {r[0]: (r[1], r[2]) for r in rows}

    def node(self, org: str, structure: str, path: str) -> tuple[str, int] | None:
        """(canonical path, id) of a classification node, matched case-insensitively."""
        row = self.conn.execute(
            "SELECT path, id FROM nodes WHERE org = ? AND structure = ? AND key = ?",
            (org, structure, path.lower()),
        ).fetchone()
        return (row[0], int(row[1])) if row else None

    def nodes_under(self, org: str, structure: str, root: str) -> list[tuple[str, int]]:
        rows = self.conn.execute(
            "SELECT path, id FROM nodes WHERE org = ? AND structure = ? AND "
            "(key = ? OR substr(key, 1, ?) = ?) ORDER BY key",
            (org, structure, root.lower(), len(root) + 1, root.lower() + "\\"),
        ).fetchall()
        return [(r[0], int(r[1])) for r in rows]

    def remember_identity(self, org: str, display: str, email: str) -> None:
        # Every save names the caller two or three times: a row just written as it is stays.
        key = (org, email.lower())
        if self._people.get(key) == (display, email):
            return
        self._people[key] = (display, email)
        self.conn.execute(
            "INSERT OR REPLACE INTO identities (org, key, display, email) VALUES (?, ?, ?, ?)",
            (org, email.lower(), display, email),
        )

    def tag_spelling(self, org: str, tag: str) -> str:
        """The spelling a tag was first saved with in this organization, else `tag` itself."""
        row = self.conn.execute(
            "SELECT name FROM tags WHERE org = ? AND key = ?", (org, tag.lower())
        ).fetchone()
        return str(row[0]) if row else tag

    def remember_tags(self, org: str, tags: Sequence[str]) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO tags (org, key, name) VALUES (?, ?, ?)",
            [(org, tag.lower(), tag) for tag in tags],
        )

    def identities_named(self, org: str, display: str) -> list[tuple[str, str]]:
        rows = self.conn.execute(
            "SELECT display, email FROM identities WHERE org = ? AND lower(display) = ?",
            (org, display.lower()),
        ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def identity_by_email(self, org: str, email: str) -> tuple[str, str] | None:
        row = self.conn.execute(
            "SELECT display, email FROM identities WHERE org = ? AND key = ?", (org, email.lower())
        ).fetchone()
        return (row[0], row[1]) if row else None
