"""Tables of comments, attachments, tag definitions and team templates (the store makes them)."""

from __future__ import annotations

# A leaf module: the store runs this DDL with its own, and the modules that query these tables
# (comments, attachmentstore, tags, teamtemplates) import nothing the store would need.
SCHEMA = """
CREATE TABLE IF NOT EXISTS comments (
  org TEXT NOT NULL, id INTEGER NOT NULL, work_item INTEGER NOT NULL, rev INTEGER NOT NULL,
  created_by TEXT NOT NULL, created_date TEXT NOT NULL, format TEXT NOT NULL DEFAULT 'html',
  PRIMARY KEY (org, id));
CREATE UNIQUE INDEX IF NOT EXISTS comments_by_item ON comments (org, work_item, rev);
CREATE TABLE IF NOT EXISTS comment_versions (
  org TEXT NOT NULL, comment INTEGER NOT NULL, version INTEGER NOT NULL, text TEXT NOT NULL,
  modified_by TEXT NOT NULL, modified_date TEXT NOT NULL, deleted INTEGER NOT NULL,
  PRIMARY KEY (org, comment, version));
CREATE TABLE IF NOT EXISTS comment_reactions (
  org TEXT NOT NULL, comment INTEGER NOT NULL, type TEXT NOT NULL, person TEXT NOT NULL,
  at TEXT NOT NULL, PRIMARY KEY (org, comment, type, person));
CREATE TABLE IF NOT EXISTS attachments (
  org TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL,
  complete INTEGER NOT NULL, content BLOB NOT NULL, PRIMARY KEY (org, id));
CREATE TABLE IF NOT EXISTS tag_definitions (
  org TEXT NOT NULL, project TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL,
  name TEXT NOT NULL, last_updated TEXT NOT NULL, PRIMARY KEY (org, project, key));
CREATE TABLE IF NOT EXISTS team_templates (
  org TEXT NOT NULL, project TEXT NOT NULL, team TEXT NOT NULL, id TEXT NOT NULL,
  body TEXT NOT NULL, PRIMARY KEY (org, id));
"""
