"""The words every stage shares: JSON values, field values, ownership, link types, tags, places."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

JSON = Any
"""A JSON value as `json.loads` returns it."""

FieldValue = str | int | float | bool | tuple[str, ...] | None
"""A desired field value: tags are a tuple of tag names, `None` clears the field."""

Ownership = Literal["managed", "create-only", "ignored"]
"""Who owns a field written in a manifest: witsync always, witsync only on create, or nobody."""

REL_PARENT = "System.LinkTypes.Hierarchy-Reverse"
REL_CHILD = "System.LinkTypes.Hierarchy-Forward"
REL_RELATED = "System.LinkTypes.Related"
REL_PREDECESSOR = "System.LinkTypes.Dependency-Reverse"
REL_SUCCESSOR = "System.LinkTypes.Dependency-Forward"
REL_HYPERLINK = "Hyperlink"

MANAGED_LINK_TYPES = frozenset({REL_PARENT, REL_CHILD, REL_RELATED, REL_PREDECESSOR, REL_SUCCESSOR})
"""Work-item link types witsync manages; every other relation on an item is left alone."""

OPPOSITE_REL = {
    REL_PARENT: REL_CHILD,
    REL_CHILD: REL_PARENT,
    REL_RELATED: REL_RELATED,
    REL_PREDECESSOR: REL_SUCCESSOR,
    REL_SUCCESSOR: REL_PREDECESSOR,
}
"""The other end of each managed link type; `opposite_rel` answers for any link type."""
_OPPOSITE_BY_LOWER = {rel.lower(): other for rel, other in OPPOSITE_REL.items()}


def opposite_rel(rel: str) -> str:
    """The link type the other end of `rel` shows (Child for Parent, Related for Related...),
    whatever its case; a custom `-Forward` type's is its `-Reverse` and the other way round."""
    known = _OPPOSITE_BY_LOWER.get(rel.lower())
    if known is not None:
        return known
    if rel.endswith("-Forward"):
        return rel[: -len("Forward")] + "Reverse"
    if rel.endswith("-Reverse"):
        return rel[: -len("Reverse")] + "Forward"
    return rel


def tag_list(value: Any) -> tuple[str, ...]:
    """Tag names from `"a; b"`, `"a, b"` or a sequence: trimmed, no empties, first spelling kept.

    The board splits tag text on ';' and ',' alike and keeps one tag per case-insensitive name."""
    if value is None:
        return ()
    raw: Iterable[str]
    raw = re.split(r"[;,]", value) if isinstance(value, str) else (str(v) for v in value)
    seen: dict[str, str] = {}
    for tag in raw:
        name = tag.strip()
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    return tuple(seen.values())


@dataclass(frozen=True, order=True)
class Location:
    """A place in a manifest: 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


