"""What a process is made of: field, state, work item type and process definitions (frozen)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CATEGORIES = ("Proposed", "InProgress", "Resolved", "Completed", "Removed")
"""State categories, in the order a type lists its states."""


@dataclass(frozen=True)
class FieldDef:
    """A field as the server defines it; `type` is the wire type of `WorkItemField2.type`."""

    ref: str
    name: str
    type: str
    read_only: bool = False
    allowed: tuple[str | int | float, ...] = ()

    @property
    def is_identity(self) -> bool:
        return self.type == "identity"


@dataclass(frozen=True)
class StateDef:
    name: str
    category: str
    color: str


@dataclass(frozen=True)
class TypeDef:
    name: str
    ref: str
    states: tuple[StateDef, ...]
    initial_reason: str
    fields: tuple[str, ...]
    """Reference names beyond the fields every type has."""
    required: tuple[str, ...] = ()
    """Fields a custom process makes required on this type (besides Title, always required)."""
    defaults: tuple[tuple[str, Any], ...] = ()
    """(reference name, value): what a new item of this type gets unasked (a custom process's)."""

    @property
    def initial_state(self) -> str:
        return self.states[0].name

    def state(self, name: str) -> StateDef | None:
        return next((s for s in self.states if s.name.lower() == name.lower()), None)


@dataclass(frozen=True)
class ProcessDef:
    name: str
    types: tuple[TypeDef, ...]
    base: str | None = None
    """The process a custom one inherits from (None: a built-in process)."""
    fields: tuple[FieldDef, ...] = ()
    """The fields a custom process adds to the organization."""

    def type(self, name: str) -> TypeDef | None:
        return next((t for t in self.types if t.name.lower() == name.lower()), None)


COLORS = {
    "Proposed": "b2b2b2",
    "InProgress": "007acc",
    "Resolved": "ff9d00",
    "Completed": "339933",
    "Removed": "ffffff",
}
"""The colour of a state of each category (a custom state may choose its own)."""


def states(*spec: tuple[str, str]) -> tuple[StateDef, ...]:
    """States from (name, category) pairs, coloured by category."""
    return tuple(StateDef(name, category, COLORS[category]) for name, category in spec)
