"""What a pull is asked to do and what it tells: its options, each piece of news, the result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from witsync.model import FieldEdit

ChangeKind = Literal[
    "value", "default", "added", "removed", "closed", "deleted", "missing", "skipped"
]


@dataclass(frozen=True)
class PullOptions:
    fields: frozenset[str] = frozenset()
    """Reference names named with --fields: pulled wherever an entry states them."""
    drift: bool = False
    new_children: bool = False
    remove_closed: bool = False


@dataclass(frozen=True)
class Change:
    """One piece of news: a value written, an entry added or removed, or a report."""

    kind: ChangeKind
    file: str
    key: str
    id: int | None
    message: str
    field: str | None = None
    """As written in YAML: a friendly name, or a reference name under `fields:`."""
    before: Any = None
    after: Any = None
    line: int | None = None
    edit: FieldEdit | None = None
    """Who last changed the field on the board, when known."""

    @property
    def changes_files(self) -> bool:
        return self.kind in ("value", "default", "added", "removed")


@dataclass(frozen=True)
class PullResult:
    texts: Mapping[str, str]
    """The new text of each manifest that changes, by file name."""
    changes: tuple[Change, ...]

    @property
    def has_changes(self) -> bool:
        return bool(self.texts)
