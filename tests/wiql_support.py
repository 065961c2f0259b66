"""A bare SQLite store with the two tables of the emulator's schema that WIQL reads."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE work_items (
  org TEXT NOT NULL, id INTEGER NOT NULL, project TEXT NOT NULL, rev INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0, fields TEXT NOT NULL, relations TEXT NOT NULL,
  PRIMARY KEY (org, id));
CREATE TABLE links (
  org TEXT NOT NULL, source INTEGER NOT NULL, target INTEGER NOT NULL, rel TEXT NOT NULL,
  PRIMARY KEY (org, source, rel, target));
"""


def wiql_store(path: str | Path = ":memory:") -> sqlite3.Connection:
    """A connection to `path` (in memory by default) with empty `work_items` and `links`."""
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    return conn
