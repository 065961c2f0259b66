"""Fields and the processes served (built-in and custom): lookups, type fields, defaults, rules.

Which processes and fields there are is a `Catalog`: the built-in one, or one that adds custom
processes (emulator/custom_process.py reads them from YAML). An app serves its catalog for the
length of each request (`serving`), so lookups here see the processes of the app that answers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from witsync.emulator.processdefs import FieldDef, ProcessDef, StateDef, TypeDef
from witsync.emulator.stock import AGILE, BASIC, CMMI, PROCESSES, SCRUM

__all__ = [
    "AGILE",
    "BASIC",
    "BUILT_IN",
    "CMMI",
    "PROCESSES",
    "SCRUM",
    "Catalog",
    "FieldDef",
    "ProcessDef",
    "StateDef",
    "TypeDef",
]


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
    """A field by reference or friendly name, case-insensitively (as patch paths and WIQL allow),
    among the fields of the catalog being served."""
    return _SERVED.get().field(name)


def all_fields() -> tuple[FieldDef, ...]:
    """Every field of the catalog being served (the organization's fields)."""
    return _SERVED.get().fields


class Catalog:
    """The processes and fields one emulator serves: the built-in ones, plus `custom` processes
    (each with the fields it adds; a field is the organization's, so two processes that add the
    same reference name must define it alike)."""

    def __init__(self, custom: Sequence[ProcessDef] = ()) -> None:
        self.processes: dict[str, ProcessDef] = dict(PROCESSES)
        by_ref: dict[str, FieldDef] = dict(FIELDS_BY_REF)
        by_name: dict[str, FieldDef] = dict(FIELDS_BY_NAME)
        for process in custom:
            key = process.name.lower()
            if key in self.processes:
                raise ValueError(f"there are two processes named {process.name!r}")
            self.processes[key] = process
            for fdef in process.fields:
                known = by_ref.get(fdef.ref.lower())
                if known is not None and known != fdef:
                    raise ValueError(f"field {fdef.ref} is defined twice, differently")
                if known is None and fdef.name.lower() in by_name:
                    raise ValueError(f"two fields are named {fdef.name!r}")
                by_ref[fdef.ref.lower()] = fdef
                by_name[fdef.name.lower()] = fdef
        self._by_ref = by_ref
        self._by_name = by_name
        self.fields: tuple[FieldDef, ...] = tuple(by_ref.values())

    @property
    def custom(self) -> tuple[ProcessDef, ...]:
        return tuple(p for p in self.processes.values() if p.base is not None)

    def process(self, name: str) -> ProcessDef | None:
        return self.processes.get(name.lower())

    def field(self, name: str) -> FieldDef | None:
        key = name.lower()
        return self._by_ref.get(key) or self._by_name.get(key)


BUILT_IN = Catalog()
_SERVED: ContextVar[Catalog] = ContextVar("witsync_emulator_catalog", default=BUILT_IN)


@contextmanager
def serving(catalog: Catalog) -> Iterator[None]:
    """Lookups here see `catalog` until the block ends (an app's, for one request)."""
    token = _SERVED.set(catalog)
    try:
        yield
    finally:
        _SERVED.reset(token)


def process_named(name: str) -> ProcessDef | None:
    return _SERVED.get().process(name)


def type_fields(wit: TypeDef) -> tuple[FieldDef, ...]:
    """Every field a work item of this type has, in a stable order."""
    refs = dict.fromkeys((*COMMON_FIELDS, *wit.fields))
    catalog = _SERVED.get()
    return tuple(f for f in (catalog.field(r) for r in refs) if f is not None)


def type_has_field(wit: TypeDef, ref: str) -> bool:
    return ref in COMMON_FIELDS or ref in wit.fields


def type_defaults(wit: TypeDef) -> Mapping[str, Any]:
    """What a new item of this type gets unasked: Priority 2, and a custom process's defaults."""
    return {**FIELD_DEFAULTS, **dict(wit.defaults)}


def field_default(wit: TypeDef, ref: str) -> Any:
    """The type's default value of a field (its `defaultValue`), or None."""
    return type_defaults(wit).get(ref)


def field_required(wit: TypeDef, ref: str) -> bool:
    """Whether the type requires the field (`alwaysRequired`): Title always, and what a custom
    process makes required."""
    return ref == "System.Title" or ref in wit.required


def transition_reason(state: StateDef) -> str:
    """The default reason for entering `state` when a patch changes State without a Reason."""
    return {
        "Proposed": "Moved to state " + state.name,
        "InProgress": "Work started",
        "Resolved": "Resolved",
        "Completed": "Completed",
        "Removed": "Removed from the backlog",
    }[state.category]
