"""The friendly field names manifests use (`storyPoints`) and the reference names they stand for.

One table for every stage: loading resolves the names a manifest writes, the renderings show a
field by the name its author wrote. Pure data, below the stages (import-linter's layers), so
that loading and rendering share it without importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

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

RICH_TEXT_FIELDS = frozenset(
    {
        "System.Description",
        "Microsoft.VSTS.Common.AcceptanceCriteria",
        "Microsoft.VSTS.TCM.ReproSteps",
        "Microsoft.VSTS.TCM.SystemInfo",
    }
)
"""The fields of the table that hold HTML in every process (the others are plain values)."""


def display_name(ref: str) -> str:
    """The name to show a user for a reference name: the friendly one when there is one."""
    return REFERENCE_TO_FRIENDLY.get(ref, ref)
