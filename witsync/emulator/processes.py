"""Process templates (Agile, Scrum, Basic, CMMI): fields, work item types, states, defaults."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldDef:
    """A field as the server defines it; `type` is the wire type of `WorkItemField2.type`."""

    ref: str
    name: str
    type: str
    read_only: bool = False
    allowed: tuple[str | int, ...] = ()

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

    @property
    def initial_state(self) -> str:
        return self.states[0].name

    def state(self, name: str) -> StateDef | None:
        return next((s for s in self.states if s.name.lower() == name.lower()), None)


@dataclass(frozen=True)
class ProcessDef:
    name: str
    types: tuple[TypeDef, ...]

    def type(self, name: str) -> TypeDef | None:
        return next((t for t in self.types if t.name.lower() == name.lower()), None)


_F = FieldDef
# The System fields, which every work item type has, in the order a type lists them.
_SYSTEM_FIELDS = (
    _F("System.Id", "ID", "integer", read_only=True),
    _F("System.Rev", "Rev", "integer", read_only=True),
    _F("System.Title", "Title", "string"),
    _F("System.Description", "Description", "html"),
    _F("System.State", "State", "string"),
    _F("System.Reason", "Reason", "string"),
    _F("System.AssignedTo", "Assigned To", "identity"),
    _F("System.CreatedDate", "Created Date", "dateTime", read_only=True),
    _F("System.CreatedBy", "Created By", "identity", read_only=True),
    _F("System.ChangedDate", "Changed Date", "dateTime", read_only=True),
    _F("System.ChangedBy", "Changed By", "identity", read_only=True),
    _F("System.AuthorizedDate", "Authorized Date", "dateTime", read_only=True),
    _F("System.RevisedDate", "Revised Date", "dateTime", read_only=True),
    _F("System.TeamProject", "Team Project", "string", read_only=True),
    _F("System.WorkItemType", "Work Item Type", "string", read_only=True),
    _F("System.AreaPath", "Area Path", "treePath"),
    _F("System.IterationPath", "Iteration Path", "treePath"),
    _F("System.Tags", "Tags", "plainText"),
    _F("System.History", "History", "history"),
    _F("System.CommentCount", "Comment Count", "integer", read_only=True),
    _F("System.BoardColumn", "Board Column", "string", read_only=True),
    _F("System.BoardColumnDone", "Board Column Done", "boolean", read_only=True),
    _F("System.BoardLane", "Board Lane", "string", read_only=True),
    _F("System.Parent", "Parent", "integer", read_only=True),
    _F("System.IsDeleted", "Is Deleted", "boolean", read_only=True),
)
FIELDS: tuple[FieldDef, ...] = (
    *_SYSTEM_FIELDS,
    _F("Microsoft.VSTS.Common.Priority", "Priority", "integer", allowed=(1, 2, 3, 4)),
    _F(
        "Microsoft.VSTS.Common.Severity",
        "Severity",
        "string",
        allowed=("1 - Critical", "2 - High", "3 - Medium", "4 - Low"),
    ),
    _F(
        "Microsoft.VSTS.Common.ValueArea",
        "Value Area",
        "string",
        allowed=("Architectural", "Business"),
    ),
    _F(
        "Microsoft.VSTS.Common.Risk",
        "Risk",
        "string",
        allowed=("1 - High", "2 - Medium", "3 - Low"),
    ),
    _F("Microsoft.VSTS.Common.StackRank", "Stack Rank", "double"),
    _F("Microsoft.VSTS.Common.BacklogPriority", "Backlog Priority", "double"),
    _F("Microsoft.VSTS.Common.BusinessValue", "Business Value", "integer"),
    _F("Microsoft.VSTS.Common.TimeCriticality", "Time Criticality", "double"),
    _F("Microsoft.VSTS.Common.AcceptanceCriteria", "Acceptance Criteria", "html"),
    _F("Microsoft.VSTS.Common.Activity", "Activity", "string"),
    _F("Microsoft.VSTS.Common.ActivatedDate", "Activated Date", "dateTime", read_only=True),
    _F("Microsoft.VSTS.Common.ResolvedDate", "Resolved Date", "dateTime", read_only=True),
    _F("Microsoft.VSTS.Common.ClosedDate", "Closed Date", "dateTime", read_only=True),
    _F("Microsoft.VSTS.Common.StateChangeDate", "State Change Date", "dateTime", read_only=True),
    _F("Microsoft.VSTS.Scheduling.StoryPoints", "Story Points", "double"),
    _F("Microsoft.VSTS.Scheduling.Effort", "Effort", "double"),
    _F("Microsoft.VSTS.Scheduling.Size", "Size", "double"),
    _F("Microsoft.VSTS.Scheduling.RemainingWork", "Remaining Work", "double"),
    _F("Microsoft.VSTS.Scheduling.OriginalEstimate", "Original Estimate", "double"),
    _F("Microsoft.VSTS.Scheduling.CompletedWork", "Completed Work", "double"),
    _F("Microsoft.VSTS.Scheduling.StartDate", "Start Date", "dateTime"),
    _F("Microsoft.VSTS.Scheduling.FinishDate", "Finish Date", "dateTime"),
    _F("Microsoft.VSTS.Scheduling.TargetDate", "Target Date", "dateTime"),
    _F("Microsoft.VSTS.TCM.ReproSteps", "Repro Steps", "html"),
    _F("Microsoft.VSTS.TCM.SystemInfo", "System Info", "html"),
    _F("Microsoft.VSTS.CMMI.Blocked", "Blocked", "string", allowed=("Yes", "No")),
    _F("Microsoft.VSTS.CMMI.Justification", "Justification", "html"),
)

FIELD_DEFAULTS: dict[str, int] = {"Microsoft.VSTS.Common.Priority": 2}
"""What a new work item gets without being sent it (every type of every process has Priority,
whose default is 2); the type definitions declare it as the field's `defaultValue`."""

FIELDS_BY_REF = {f.ref.lower(): f for f in FIELDS}
FIELDS_BY_NAME = {f.name.lower(): f for f in FIELDS}

# Every type has the System fields and these two.
COMMON_FIELDS = (
    *(f.ref for f in _SYSTEM_FIELDS),
    "Microsoft.VSTS.Common.StateChangeDate",
    "Microsoft.VSTS.Common.Priority",
)


def lookup_field(name: str) -> FieldDef | None:
    """A field by reference or friendly name, case-insensitively (as patch paths and WIQL allow)."""
    key = name.lower()
    return FIELDS_BY_REF.get(key) or FIELDS_BY_NAME.get(key)


def _states(*spec: tuple[str, str]) -> tuple[StateDef, ...]:
    colors = {
        "Proposed": "b2b2b2",
        "InProgress": "007acc",
        "Resolved": "ff9d00",
        "Completed": "339933",
        "Removed": "ffffff",
    }
    return tuple(StateDef(name, category, colors[category]) for name, category in spec)


_AGILE_BACKLOG = _states(
    ("New", "Proposed"),
    ("Active", "InProgress"),
    ("Resolved", "Resolved"),
    ("Closed", "Completed"),
    ("Removed", "Removed"),
)
_SCRUM_BACKLOG = _states(
    ("New", "Proposed"),
    ("Approved", "Proposed"),
    ("Committed", "InProgress"),
    ("Done", "Completed"),
    ("Removed", "Removed"),
)
_SCRUM_PORTFOLIO = _states(
    ("New", "Proposed"),
    ("In Progress", "InProgress"),
    ("Done", "Completed"),
    ("Removed", "Removed"),
)
_BASIC = _states(("To Do", "Proposed"), ("Doing", "InProgress"), ("Done", "Completed"))
_CMMI = _states(
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
            _states(
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
            _states(
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
            _states(("Active", "InProgress"), ("Closed", "Completed")),
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
            _states(
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
            _states(("Open", "InProgress"), ("Closed", "Completed")),
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


def process_named(name: str) -> ProcessDef | None:
    return PROCESSES.get(name.lower())


def type_fields(wit: TypeDef) -> tuple[FieldDef, ...]:
    """Every field a work item of this type has, in a stable order."""
    refs = dict.fromkeys((*COMMON_FIELDS, *wit.fields))
    return tuple(FIELDS_BY_REF[r.lower()] for r in refs)


def type_has_field(wit: TypeDef, ref: str) -> bool:
    return ref in COMMON_FIELDS or ref in wit.fields


def transition_reason(state: StateDef) -> str:
    """The default reason for entering `state` when a patch changes State without a Reason."""
    return {
        "Proposed": "Moved to state " + state.name,
        "InProgress": "Work started",
        "Resolved": "Resolved",
        "Completed": "Completed",
        "Removed": "Removed from the backlog",
    }[state.category]
