"""Markdown text fields (api-version 7.2): the format of each multi-line field of an item.

A patch that sets `/multilineFieldsFormat/<field>` to `markdown` (7.2-preview and later; 7.1
ignores the operation) stores that field's text as sent, not through the HTML sanitiser, and
answers of 7.2 list each such field's format in `multilineFieldsFormat` (the recorded 7.2
example). A field keeps its format until a patch sets another, or a 7.1 client writes it (that
client only knows HTML). The formats live in a table of their own, one row per item and field.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping
from typing import Any

from witsync.emulator import errors
from witsync.emulator.processes import lookup_field
from witsync.emulator.store import Store

FORMATS = ("markdown", "html")
FORMAT_PATH = "multilinefieldsformat"
"""The first segment of the patch path (lower case, as the reader compares it)."""
ANSWER_KEY = "multilineFieldsFormat"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS multiline_formats (
  org TEXT NOT NULL, id INTEGER NOT NULL, field TEXT NOT NULL, format TEXT NOT NULL,
  PRIMARY KEY (org, id, field))
"""
_VERSION = re.compile(r"^\s*(\d+)\.(\d+)")
_READY: weakref.WeakSet[Store] = weakref.WeakSet()


def knows_formats(api_version: str | None) -> bool:
    """Whether a request's api-version has `multilineFieldsFormat`: 7.2-preview and later."""
    match = _VERSION.match(api_version or "")
    return match is not None and (int(match[1]), int(match[2])) >= (7, 2)


def _table(store: Store) -> Store:
    if store not in _READY:
        store.conn.execute(_SCHEMA)
        # made inside a write that may yet roll back: made again until made outside one
        if not store.conn.in_transaction:
            _READY.add(store)
    return store


def formats_of(store: Store, org: str, id: int) -> dict[str, str]:
    """The formats an item's multi-line fields were last written in, by reference name."""
    rows = _table(store).conn.execute(
        "SELECT field, format FROM multiline_formats WHERE org = ? AND id = ? ORDER BY field",
        (org, id),
    )
    return {str(field): str(format) for field, format in rows.fetchall()}


def save_formats(store: Store, org: str, id: int, formats: Mapping[str, str]) -> None:
    """Replace an item's formats (inside the caller's write transaction)."""
    conn = _table(store).conn
    conn.execute("DELETE FROM multiline_formats WHERE org = ? AND id = ?", (org, id))
    conn.executemany(
        "INSERT INTO multiline_formats (org, id, field, format) VALUES (?, ?, ?, ?)",
        [(org, id, field, format) for field, format in formats.items()],
    )


def with_formats(body: dict[str, Any], formats: Mapping[str, str]) -> dict[str, Any]:
    """A work item answer with `multilineFieldsFormat` right after `fields`, as the 7.2 example
    has it: the formats of the fields the answer shows (none: no property)."""
    shown = body.get("fields") or {}
    listed = {ref: format for ref, format in formats.items() if ref in shown}
    if not listed:
        return body
    out: dict[str, Any] = {}
    for key, value in body.items():
        out[key] = value
        if key == "fields":
            out[ANSWER_KEY] = listed
    return out


def read_format_op(formats: dict[str, str], op: str, parts: list[str], value: Any) -> None:
    """One `/multilineFieldsFormat/<field>` operation of a patch, into `formats`."""
    path = "/multilineFieldsFormat/" + "/".join(parts)
    if len(parts) != 1 or op not in {"add", "replace", "remove"}:
        raise errors.patch_failed(f"The path {path} is not valid.")
    fdef = lookup_field(parts[0])
    if fdef is None:
        raise errors.field_not_found(parts[0])
    if fdef.type != "html":
        raise errors.bad_request(f"The field {fdef.ref} is not a multi-line text field: {path}.")
    if op == "remove":
        formats.pop(fdef.ref, None)
        return
    chosen = str(value).strip().lower() if isinstance(value, str) else ""
    if chosen not in FORMATS:
        raise errors.bad_request(
            f"The value '{value}' of {path} is not valid: use markdown or html."
        )
    formats[fdef.ref] = chosen


def settle(fields: dict[str, Any], formats: dict[str, str], sent: Mapping[str, str]) -> None:
    """After a patch: a Markdown field keeps its text as `sent` (the sanitiser had it), and a
    field without a value has no format."""
    for ref, format in list(formats.items()):
        if fields.get(ref) in (None, ""):
            del formats[ref]
        elif format == "markdown" and ref in sent:
            fields[ref] = sent[ref]


def accept_version(accept: str) -> str | None:
    """The api-version an Accept header names (`application/json; api-version=7.2-preview`)."""
    match = re.search(r"api-version=([\w.\-]+)", accept)
    return match.group(1) if match else None
