"""Fields an organization adds through the REST API (POST fields): SQLite storage, lock, delete
and restore. They are listed and read with the process fields; like a new field on the service,
one is on no work item type until a process adds it, so work items cannot set it."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import Any

from witsync.emulator import errors
from witsync.emulator.errors import ServiceError
from witsync.emulator.processdefs import FieldDef
from witsync.emulator.store import Store

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS org_fields ("
    " org TEXT NOT NULL, key TEXT NOT NULL, ref TEXT NOT NULL, name TEXT NOT NULL,"
    " type TEXT NOT NULL, description TEXT, deleted INTEGER NOT NULL, locked INTEGER NOT NULL,"
    " PRIMARY KEY (org, key))"
)
# The types a new field may have (tree paths, history and picklists are the service's own).
TYPES = {"string", "integer", "dateTime", "plainText", "html", "double", "guid", "boolean"}
TYPES |= {"identity"}
REFERENCE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$")

_ready: weakref.WeakSet[Store] = weakref.WeakSet()


@dataclass(frozen=True)
class OrgField:
    ref: str
    name: str
    type: str
    description: str | None
    deleted: bool
    locked: bool

    @property
    def definition(self) -> FieldDef:
        return FieldDef(self.ref, self.name, self.type)


def _ensure(store: Store) -> None:
    if store not in _ready:
        store.conn.execute(SCHEMA)
        _ready.add(store)


def stored(store: Store, org: str, *, deleted: bool = False) -> list[OrgField]:
    """The organization's added fields, in the order they were added; deleted ones on request."""
    _ensure(store)
    rows = store.conn.execute(
        "SELECT ref, name, type, description, deleted, locked FROM org_fields WHERE org = ? "
        "ORDER BY rowid",
        (org,),
    ).fetchall()
    found = [OrgField(r[0], r[1], r[2], r[3], bool(r[4]), bool(r[5])) for r in rows]
    return [f for f in found if deleted or not f.deleted]


def named(store: Store, org: str, name: str, *, deleted: bool = False) -> OrgField | None:
    """An added field by reference or friendly name, case-insensitively."""
    key = name.lower()
    return next(
        (f for f in stored(store, org, deleted=deleted) if key in {f.ref.lower(), f.name.lower()}),
        None,
    )


def _put(store: Store, org: str, item: OrgField) -> None:
    store.conn.execute(
        "INSERT OR REPLACE INTO org_fields "
        "(org, key, ref, name, type, description, deleted, locked) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            org,
            item.ref.lower(),
            item.ref,
            item.name,
            item.type,
            item.description,
            int(item.deleted),
            int(item.locked),
        ),
    )


def add(store: Store, org: str, body: Any, taken: Any) -> OrgField:
    """Adds the field `body` describes; `taken(name)` tells whether a field has that name or
    reference name already (the process fields)."""
    if not isinstance(body, dict):
        raise errors.bad_request("The field to create is missing.")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise errors.bad_request("The field must have a name.")
    name = name.strip()
    ref = body.get("referenceName") or "Custom." + re.sub(r"[^A-Za-z0-9_]", "", name)
    if not isinstance(ref, str) or not REFERENCE.match(ref):
        raise errors.bad_request(f"The reference name '{ref}' of the field is not valid.")
    kind = body.get("type") or "string"
    if kind not in TYPES:
        raise errors.bad_request(f"A field of type '{kind}' cannot be created.")
    for label in (ref, name):
        if taken(label) or named(store, org, label, deleted=True) is not None:
            raise ServiceError(
                409,
                "WorkItemTrackingFieldDefinitionAlreadyExistsException",
                f"TF26177: The field {label} cannot be created because it already exists.",
            )
    description = body.get("description")
    item = OrgField(
        ref, name, kind, description if isinstance(description, str) else None, False, False
    )
    with store.write():
        _put(store, org, item)
    return item


def change(store: Store, org: str, item: OrgField, body: Any) -> OrgField:
    """PATCH fields/{field}: `isDeleted: false` restores it, `isLocked` locks or unlocks it."""
    if not isinstance(body, dict):
        raise errors.bad_request("The field update is missing.")
    deleted, locked = item.deleted, item.locked
    if body.get("isDeleted") is False:
        deleted = False
    elif body.get("isDeleted") is True:
        deleted = True
    if isinstance(body.get("isLocked"), bool):
        locked = bool(body["isLocked"])
    changed = OrgField(item.ref, item.name, item.type, item.description, deleted, locked)
    with store.write():
        _put(store, org, changed)
    return changed


def remove(store: Store, org: str, item: OrgField) -> None:
    """Deletes a field: it stays, marked deleted, and can be restored."""
    changed = OrgField(item.ref, item.name, item.type, item.description, True, item.locked)
    with store.write():
        _put(store, org, changed)
