"""The one table of friendly field names and the reference names they stand for."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from witsync.model import Ownership

FRIENDLY_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        # System fields, common to every process
        "title": "System.Title",
        "description": "System.Description",
        "state": "System.State",
        "reason": "System.Reason",
        "assignedTo": "System.AssignedTo",
        "tags": "System.Tags",
        "area": "System.AreaPath",
        "iteration": "System.IterationPath",
        # Common (Agile, Scrum, CMMI)
        "priority": "Microsoft.VSTS.Common.Priority",
        "severity": "Microsoft.VSTS.Common.Severity",
        "valueArea": "Microsoft.VSTS.Common.ValueArea",
        "risk": "Microsoft.VSTS.Common.Risk",
        "activity": "Microsoft.VSTS.Common.Activity",
        "acceptanceCriteria": "Microsoft.VSTS.Common.AcceptanceCriteria",
        "businessValue": "Microsoft.VSTS.Common.BusinessValue",
        "timeCriticality": "Microsoft.VSTS.Common.TimeCriticality",
        "stackRank": "Microsoft.VSTS.Common.StackRank",
        "backlogPriority": "Microsoft.VSTS.Common.BacklogPriority",
        "reproSteps": "Microsoft.VSTS.TCM.ReproSteps",
        "systemInfo": "Microsoft.VSTS.TCM.SystemInfo",
        # Scheduling
        "storyPoints": "Microsoft.VSTS.Scheduling.StoryPoints",
        "effort": "Microsoft.VSTS.Scheduling.Effort",
        "size": "Microsoft.VSTS.Scheduling.Size",
        "originalEstimate": "Microsoft.VSTS.Scheduling.OriginalEstimate",
        "remainingWork": "Microsoft.VSTS.Scheduling.RemainingWork",
        "completedWork": "Microsoft.VSTS.Scheduling.CompletedWork",
        "startDate": "Microsoft.VSTS.Scheduling.StartDate",
        "targetDate": "Microsoft.VSTS.Scheduling.TargetDate",
        "finishDate": "Microsoft.VSTS.Scheduling.FinishDate",
        "dueDate": "Microsoft.VSTS.Scheduling.DueDate",
    }
)
"""Friendly name (as written in YAML) -> reference name. The schema's item properties mirror it."""

REFERENCE_TO_FRIENDLY: Mapping[str, str] = MappingProxyType(
    {ref: name for name, ref in FRIENDLY_FIELDS.items()}
)

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


def display_name(ref: str) -> str:
    """The name to show a user for a reference name: the friendly one when there is one."""
    return REFERENCE_TO_FRIENDLY.get(ref, ref)


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, or None when nothing is close (case-insensitive)."""
    options = list(candidates)
    by_lower = {option.lower(): option for option in options}
    matches = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return f"did you mean '{by_lower[matches[0]]}'?" if matches else None
