"""Field names as loading resolves them: friendly or reference, ownership defaults, hints.

The table of friendly names itself is witsync.fields (the renderings show it too); its names
are re-exported here for the loader's modules.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from witsync.fields import FRIENDLY_FIELDS as FRIENDLY_FIELDS
from witsync.fields import REFERENCE_TO_FRIENDLY as REFERENCE_TO_FRIENDLY
from witsync.fields import display_name as display_name
from witsync.model import Ownership

DEFAULT_CREATE_ONLY: tuple[str, ...] = (
    "System.State",
    "System.AssignedTo",
    "Microsoft.VSTS.Scheduling.RemainingWork",
    "Microsoft.VSTS.Scheduling.CompletedWork",
)
"""Written on create only: people move these on the board every day, and a manifest that
reset them on every apply would fight the team."""

DEFAULT_OWNERSHIP: Mapping[str, Ownership] = MappingProxyType(
    dict.fromkeys(DEFAULT_CREATE_ONLY, "create-only")
)


_KNOWN_BY_LOWER = {ref.lower(): ref for ref in FRIENDLY_FIELDS.values()}


def canonical_reference_name(ref: str) -> str:
    """A known reference name in its usual spelling (`system.title` -> `System.Title`): the
    server ignores case, but ownership and plans compare names exactly."""
    return _KNOWN_BY_LOWER.get(ref.lower(), ref)


def is_reference_name(name: str) -> bool:
    """A reference name has a namespace (`System.Title`); a friendly name has none."""
    return "." in name


def resolve_field_name(name: str) -> str | None:
    """The reference name for a friendly or reference name; None for an unknown friendly name."""
    if is_reference_name(name):
        return canonical_reference_name(name)
    return FRIENDLY_FIELDS.get(name)


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, or None when nothing is close (case-insensitive)."""
    options = list(candidates)
    by_lower = {option.lower(): option for option in options}
    matches = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return f"did you mean '{by_lower[matches[0]]}'?" if matches else None
