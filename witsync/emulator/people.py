"""What saved items teach an organization: its people (for display-name lookups), tag spellings."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from witsync.emulator.processdefs import FieldDef
from witsync.emulator.processes import all_fields
from witsync.emulator.store import Store
from witsync.emulator.values import identity_parts, parse_identity, split_tags


def remember(store: Store, org: str, fields: Mapping[str, Any]) -> None:
    """People seen in saved items (for display-name lookups) and tag spellings (reused by
    later items, as the service's project tag definitions are)."""
    if fields.get("System.Tags"):
        store.remember_tags(org, split_tags(str(fields["System.Tags"])))
    people = _identity_names(all_fields())
    for ref, value in fields.items():
        # Only people: a string bypassRules stored as given ("Invalid Value") is no one, and
        # remembered as one it would come back on later items as "Invalid Value <Invalid Value>"
        if ref.lower() in people and isinstance(value, str):
            person = _person(value)
            if person is not None:
                store.remember_identity(org, *person)


@lru_cache(maxsize=1024)
def _person(value: str) -> tuple[str, str] | None:
    """(display name, e-mail) of a stored person, None for a string that names no one; cached:
    every saved item names the caller two or three times."""
    return identity_parts(value) if parse_identity(value) else None


_identity_cache: list[tuple[tuple[FieldDef, ...], frozenset[str]]] = []


def _identity_names(fields: tuple[FieldDef, ...]) -> frozenset[str]:
    """The lower-cased names `lookup_field` resolves to an identity field, among a catalog's
    fields (worked out once per catalog served: every saved item's fields are checked)."""
    if _identity_cache and _identity_cache[0][0] is fields:
        return _identity_cache[0][1]
    by_ref = {f.ref.lower(): f for f in fields}
    by_name = {f.name.lower(): f for f in fields}
    resolved = {key: by_ref.get(key) or by_name[key] for key in by_ref.keys() | by_name.keys()}
    names = frozenset(key for key, fdef in resolved.items() if fdef.is_identity)
    _identity_cache[:] = [(fields, names)]
    return names
