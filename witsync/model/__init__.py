"""Plain typed data shared by the stages: desired and live items, process metadata, plans, results.

This package imports nothing else from witsync. Every type is a frozen dataclass over plain values
(str, int, float, bool, None, tuples, and mappings that nobody mutates after construction), so the
pure stages (load, plan, render) take values and return values.
"""

from __future__ import annotations

from witsync.model.desired import (
    Desired,
    DesiredItem,
    DesiredLink,
)
from witsync.model.live import (
    FieldEdit,
    FieldInfo,
    Live,
    LiveItem,
    LiveRelation,
    Process,
    StateInfo,
    TypeInfo,
)
from witsync.model.plans import (
    UPDATE_KINDS,
    Action,
    ActionKind,
    ClosedItem,
    FieldChange,
    ItemResult,
    LinkChange,
    Outcome,
    PatchOp,
    Plan,
    PlanItem,
    PlanWarning,
    RemovalPolicy,
    Result,
    Step,
    Target,
)
from witsync.model.vocabulary import (
    JSON,
    MANAGED_LINK_TYPES,
    OPPOSITE_REL,
    REL_CHILD,
    REL_HYPERLINK,
    REL_PARENT,
    REL_PREDECESSOR,
    REL_RELATED,
    REL_SUCCESSOR,
    FieldValue,
    Location,
    Ownership,
    opposite_rel,
    tag_list,
)

__all__ = [
    "JSON",
    "MANAGED_LINK_TYPES",
    "OPPOSITE_REL",
    "REL_CHILD",
    "REL_HYPERLINK",
    "REL_PARENT",
    "REL_PREDECESSOR",
    "REL_RELATED",
    "REL_SUCCESSOR",
    "UPDATE_KINDS",
    "Action",
    "ActionKind",
    "ClosedItem",
    "Desired",
    "DesiredItem",
    "DesiredLink",
    "FieldChange",
    "FieldEdit",
    "FieldInfo",
    "FieldValue",
    "ItemResult",
    "LinkChange",
    "Live",
    "LiveItem",
    "LiveRelation",
    "Location",
    "Outcome",
    "Ownership",
    "PatchOp",
    "Plan",
    "PlanItem",
    "PlanWarning",
    "Process",
    "RemovalPolicy",
    "Result",
    "StateInfo",
    "Step",
    "Target",
    "TypeInfo",
    "opposite_rel",
    "tag_list",
]
