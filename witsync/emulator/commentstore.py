"""Work item comments in SQLite: one per revision that wrote System.History, versions, reactions."""

from __future__ import annotations

from dataclasses import dataclass

from witsync.emulator.store import Store

REACTIONS = ("like", "dislike", "heart", "hooray", "smile", "confused")

_LATEST = (
    "SELECT c.id, c.work_item, c.rev, c.created_by, c.created_date, v.version, v.text, "
    "v.modified_by, v.modified_date, v.deleted, c.format FROM comments c JOIN comment_versions v "
    "ON v.org = c.org AND v.comment = c.id AND v.version = (SELECT MAX(version) FROM "
    "comment_versions WHERE org = c.org AND comment = c.id) "
)


@dataclass(frozen=True)
class Comment:
    """A comment as it reads now (its latest version); people as stored (`Name <email>`)."""

    id: int
    work_item: int
    rev: int
    created_by: str
    created_date: str
    version: int
    text: str
    modified_by: str
    modified_date: str
    deleted: bool
    format: str
    """html, or markdown (the `format` the comment was last written with)."""


@dataclass(frozen=True)
class Version:
    version: int
    text: str
    modified_by: str
    modified_date: str
    deleted: bool


def sync(store: Store, org: str, work_item: int) -> None:
    """Give every revision that wrote System.History its comment, numbered org-wide in the order
    they are first seen. A PATCH, a `$batch`, a create and the comments endpoint all write the
    comment as System.History (as the service does: a comment is a revision of the item), so the
    revisions are the one record of what was said, and this table adds ids, edits and deletes."""
    known = {
        int(r[0])
        for r in store.conn.execute(
            "SELECT rev FROM comments WHERE org = ? AND work_item = ?", (org, work_item)
        )
    }
    new = [
        (rev, fields)
        for rev, fields, _relations in store.revisions(org, work_item)
        if fields.get("System.History") and rev not in known
    ]
    if not new:
        return
    with store.write():
        for rev, fields in new:
            comment = store.next_value(org, "comment")
            by = str(fields.get("System.ChangedBy", ""))
            at = str(fields.get("System.ChangedDate", ""))
            store.conn.execute(
                "INSERT OR IGNORE INTO comments (org, id, work_item, rev, created_by, "
                "created_date) VALUES (?, ?, ?, ?, ?, ?)",
                (org, comment, work_item, rev, by, at),
            )
            _add_version(store, org, comment, 1, str(fields["System.History"]), by, at, False)


def comments_of(store: Store, org: str, work_item: int) -> list[Comment]:
    """The item's comments, deleted ones included, oldest (lowest id) first."""
    rows = store.conn.execute(
        _LATEST + "WHERE c.org = ? AND c.work_item = ? ORDER BY c.id", (org, work_item)
    ).fetchall()
    return [_comment(r) for r in rows]


def comment_of(store: Store, org: str, work_item: int, comment: int) -> Comment | None:
    row = store.conn.execute(
        _LATEST + "WHERE c.org = ? AND c.work_item = ? AND c.id = ?", (org, work_item, comment)
    ).fetchone()
    return _comment(row) if row else None


def new_version(
    store: Store, org: str, comment: Comment, text: str, by: str, at: str, deleted: bool
) -> None:
    _add_version(store, org, comment.id, comment.version + 1, text, by, at, deleted)


def set_format(store: Store, org: str, comment: int, format: str, text: str | None = None) -> None:
    """Record the format a comment is written in; `text` replaces its latest version's text (a
    Markdown comment keeps the text as sent, where the revision holds it sanitised)."""
    with store.write():
        store.conn.execute(
            "UPDATE comments SET format = ? WHERE org = ? AND id = ?", (format, org, comment)
        )
        if text is not None:
            store.conn.execute(
                "UPDATE comment_versions SET text = ? WHERE org = ? AND comment = ? AND version = "
                "(SELECT MAX(version) FROM comment_versions WHERE org = ? AND comment = ?)",
                (text, org, comment, org, comment),
            )


def versions_of(store: Store, org: str, comment: int) -> list[Version]:
    rows = store.conn.execute(
        "SELECT version, text, modified_by, modified_date, deleted FROM comment_versions "
        "WHERE org = ? AND comment = ? ORDER BY version",
        (org, comment),
    ).fetchall()
    return [Version(int(r[0]), r[1], r[2], r[3], bool(r[4])) for r in rows]


def reactions_of(store: Store, org: str, comment: int) -> dict[str, list[str]]:
    """Who reacted how (people as stored, in the order they reacted), by reaction type."""
    rows = store.conn.execute(
        "SELECT type, person FROM comment_reactions WHERE org = ? AND comment = ? "
        "ORDER BY at, rowid",  # two reactions in one millisecond keep the order they came in
        (org, comment),
    ).fetchall()
    found: dict[str, list[str]] = {}
    for kind, person in rows:
        found.setdefault(kind, []).append(person)
    return {kind: found[kind] for kind in REACTIONS if kind in found}


def react(store: Store, org: str, comment: int, kind: str, person: str, at: str) -> None:
    with store.write():
        store.conn.execute(
            "INSERT OR IGNORE INTO comment_reactions (org, comment, type, person, at) "
            "VALUES (?, ?, ?, ?, ?)",
            (org, comment, kind, person, at),
        )


def unreact(store: Store, org: str, comment: int, kind: str, person: str) -> None:
    with store.write():
        store.conn.execute(
            "DELETE FROM comment_reactions WHERE org = ? AND comment = ? AND type = ? AND "
            "person = ?",
            (org, comment, kind, person),
        )


def _add_version(
    store: Store,
    org: str,
    comment: int,
    version: int,
    text: str,
    by: str,
    at: str,
    deleted: bool,
) -> None:
    store.conn.execute(
        "INSERT INTO comment_versions (org, comment, version, text, modified_by, modified_date, "
        "deleted) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (org, comment, version, text, by, at, int(deleted)),
    )


def _comment(row: tuple[object, ...]) -> Comment:
    return Comment(
        int(str(row[0])),
        int(str(row[1])),
        int(str(row[2])),
        str(row[3]),
        str(row[4]),
        int(str(row[5])),
        str(row[6]),
        str(row[7]),
        str(row[8]),
        bool(row[9]),
        str(row[10]),
    )
