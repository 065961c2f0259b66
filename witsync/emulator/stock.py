"""The stock processes, Agile, Scrum, Basic and CMMI: their work item types and states."""

from __future__ import annotations

from witsync.emulator.processdefs import ProcessDef, StateDef, TypeDef, states

_AGILE_BACKLOG = states(
    ("New", "Proposed"),
    ("Active", "InProgress"),
    ("Resolved", "Resolved"),
    ("Closed", "Completed"),
    ("Removed", "Removed"),
)
_SCRUM_BACKLOG = states(
    ("New", "Proposed"),
    ("Approved", "Proposed"),
    ("Committed", "InProgress"),
    ("Done", "Completed"),
    ("Removed", "Removed"),
)
_SCRUM_PORTFOLIO = states(
    ("New", "Proposed"),
    ("In Progress", "InProgress"),
    ("Done", "Completed"),
    ("Removed", "Removed"),
)
_BASIC = states(("To Do", "Proposed"), ("Doing", "InProgress"), ("Done", "Completed"))
_CMMI = states(
    ("Proposed", "Proposed"),
    ("Active", "InProgress"),
    ("Resolved", "Resolved"),
    ("Closed", "Completed"),
    ("Removed", "Removed"),
)

_COMMON = "Microsoft.VSTS.Common."
_SCHED = "Microsoft.VSTS.Scheduling."
_PORTFOLIO = (
    _COMMON + "ValueArea",
    _COMMON + "Risk",
    _COMMON + "BusinessValue",
    _COMMON + "TimeCriticality",
    _COMMON + "StackRank",
    _SCHED + "Effort",
    _SCHED + "StartDate",
    _SCHED + "TargetDate",
    _COMMON + "AcceptanceCriteria",
)
# What a bug report adds: how to reproduce it and on what system.
_REPRO = ("Microsoft.VSTS.TCM.ReproSteps", "Microsoft.VSTS.TCM.SystemInfo")
_TASK_WORK = (
    _SCHED + "RemainingWork",
    _SCHED + "OriginalEstimate",
    _SCHED + "CompletedWork",
    _COMMON + "Activity",
)


def _t(name: str, states: tuple[StateDef, ...], reason: str, *fields: str) -> TypeDef:
    ref = "Microsoft.VSTS.WorkItemTypes." + name.replace(" ", "")
    return TypeDef(name, ref, states, reason, fields)


AGILE = ProcessDef(
    "Agile",
    (
        _t("Epic", _AGILE_BACKLOG, "New epic", *_PORTFOLIO),
        _t("Feature", _AGILE_BACKLOG, "New feature", *_PORTFOLIO),
        _t(
            "User Story",
            _AGILE_BACKLOG,
            "New",
            _SCHED + "StoryPoints",
            _COMMON + "ValueArea",
            _COMMON + "Risk",
            _COMMON + "StackRank",
            _COMMON + "AcceptanceCriteria",
            _COMMON + "ActivatedDate",
            _COMMON + "ResolvedDate",
            _COMMON + "ClosedDate",
        ),
        _t(
            "Task",
            states(
                ("New", "Proposed"),
                ("Active", "InProgress"),
                ("Closed", "Completed"),
                ("Removed", "Removed"),
            ),
            "New",
            *_TASK_WORK,
            _COMMON + "StackRank",
            _COMMON + "ActivatedDate",
            _COMMON + "ClosedDate",
        ),
        _t(
            "Bug",
            states(
                ("New", "Proposed"),
                ("Active", "InProgress"),
                ("Resolved", "Resolved"),
                ("Closed", "Completed"),
            ),
            "New",
            _COMMON + "Severity",
            _SCHED + "StoryPoints",
            _COMMON + "StackRank",
            _COMMON + "ValueArea",
            *_REPRO,
            *_TASK_WORK,
        ),
        _t(
            "Issue",
            states(("Active", "InProgress"), ("Closed", "Completed")),
            "New",
            _COMMON + "StackRank",
            _SCHED + "TargetDate",
        ),
    ),
)

SCRUM = ProcessDef(
    "Scrum",
    (
        _t("Epic", _SCRUM_PORTFOLIO, "New epic", *_PORTFOLIO, _COMMON + "BacklogPriority"),
        _t("Feature", _SCRUM_PORTFOLIO, "New feature", *_PORTFOLIO, _COMMON + "BacklogPriority"),
        _t(
            "Product Backlog Item",
            _SCRUM_BACKLOG,
            "New backlog item",
            _SCHED + "Effort",
            _COMMON + "BusinessValue",
            _COMMON + "ValueArea",
            _COMMON + "BacklogPriority",
            _COMMON + "AcceptanceCriteria",
        ),
        _t(
            "Task",
            states(
                ("To Do", "Proposed"),
                ("In Progress", "InProgress"),
                ("Done", "Completed"),
                ("Removed", "Removed"),
            ),
            "New task",
            _SCHED + "RemainingWork",
            _COMMON + "Activity",
            _COMMON + "BacklogPriority",
        ),
        _t(
            "Bug",
            _SCRUM_BACKLOG,
            "New defect reported",
            _SCHED + "Effort",
            _COMMON + "Severity",
            _COMMON + "BacklogPriority",
            _COMMON + "AcceptanceCriteria",
            *_REPRO,
        ),
        _t(
            "Impediment",
            states(("Open", "InProgress"), ("Closed", "Completed")),
            "New impediment",
            _COMMON + "BacklogPriority",
        ),
    ),
)

BASIC = ProcessDef(
    "Basic",
    (
        _t(
            "Epic",
            _BASIC,
            "Added to backlog",
            _SCHED + "StartDate",
            _SCHED + "TargetDate",
            _COMMON + "StackRank",
        ),
        _t("Issue", _BASIC, "Added to backlog", _SCHED + "Effort", _COMMON + "StackRank"),
        _t(
            "Task",
            _BASIC,
            "Added to backlog",
            _SCHED + "RemainingWork",
            _COMMON + "Activity",
            _COMMON + "StackRank",
        ),
    ),
)

CMMI = ProcessDef(
    "CMMI",
    (
        _t("Epic", _CMMI, "New", *_PORTFOLIO),
        _t("Feature", _CMMI, "New", *_PORTFOLIO),
        _t(
            "Requirement",
            _CMMI,
            "New",
            _SCHED + "Size",
            _COMMON + "ValueArea",
            _COMMON + "Risk",
            _COMMON + "StackRank",
            "Microsoft.VSTS.CMMI.Blocked",
        ),
        _t("Task", _CMMI, "New", *_TASK_WORK, "Microsoft.VSTS.CMMI.Blocked"),
        _t(
            "Bug",
            _CMMI,
            "New",
            _COMMON + "Severity",
            *_REPRO,
            *_TASK_WORK,
        ),
        _t("Issue", _CMMI, "New", _SCHED + "TargetDate", _COMMON + "StackRank"),
        _t("Risk", _CMMI, "New", _COMMON + "Severity", _COMMON + "StackRank"),
        _t(
            "Change Request",
            _CMMI,
            "New",
            "Microsoft.VSTS.CMMI.Justification",
            _COMMON + "StackRank",
        ),
    ),
)

PROCESSES = {p.name.lower(): p for p in (AGILE, SCRUM, BASIC, CMMI)}
