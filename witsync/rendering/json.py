"""The JSON plan document (`--format json`, the plan file), as schemas/plan.schema.json says."""

from __future__ import annotations

import json
from typing import Any

from witsync.model import (
    Action,
    FieldChange,
    FieldEdit,
    LinkChange,
    Location,
    PatchOp,
    Plan,
    PlanItem,
    PlanWarning,
    RequestBudget,
    Step,
)
from witsync.rendering.origin import origin_of

FORMAT_VERSION = "1"
"""Fields added since (a change's and a link's `origin`, a link's `last_edit`) are optional in
the schema, so a plan file written before them still reads."""


def summary(plan: Plan) -> dict[str, int]:
    """Counts per action; adopting, reopening and rekeying an item are updates of it. `closed`
    counts the managed items that left the manifests and are closed already."""
    return {
        "create": plan.count("create"),
        "restore": plan.count("restore"),
        "update": sum(plan.count(kind) for kind in ("update", "adopt", "reopen", "rekey")),
        "remove": plan.count("remove"),
        "unchanged": plan.unchanged,
        "closed": len(plan.closed),
    }


def plan_document(plan: Plan) -> dict[str, Any]:
    """Everything in the plan as plain JSON values, in a fixed key order."""
    return {
        "format_version": FORMAT_VERSION,
        "target": {
            "org_url": plan.target.org_url,
            "project": plan.target.project,
            "scope": plan.target.scope,
        },
        "manifest_digest": plan.manifest_digest,
        "prune": plan.prune,
        "removal_policy": plan.removal_policy,
        "summary": summary(plan),
        "actions": [_action(action) for action in plan.actions],
        "warnings": [_warning(warning) for warning in plan.warnings],
        "known_max_id": plan.known_max_id,
        "items": [_item(item) for item in plan.items],
        "closed": [
            {
                "key": closed.key,
                "id": closed.id,
                "type": closed.type,
                "title": closed.title,
                "state": closed.state,
            }
            for closed in plan.closed
        ],
        **({"markdown": True} if plan.markdown else {}),
        **({} if plan.budget is None else {"budget": budget_json(plan.budget)}),
    }


def budget_json(budget: RequestBudget) -> dict[str, Any]:
    use = budget.rate_limit
    return {
        "requests": budget.requests,
        "rate_limit": None
        if use is None
        else {
            "limit": use.limit,
            "remaining_first": use.remaining_first,
            "remaining_last": use.remaining_last,
            "used": use.used,
            "answers": use.answers,
            "delayed_s": use.delayed_s,
        },
    }


def render_json(plan: Plan) -> str:
    """The document as text: two-space indented, UTF-8 as is, ending in a newline."""
    return json.dumps(plan_document(plan), indent=2, ensure_ascii=False, default=str) + "\n"


def location_json(location: Location | None) -> dict[str, Any] | None:
    if location is None:
        return None
    return {"file": location.file, "line": location.line, "column": location.column}


def op_json(op: PatchOp) -> dict[str, Any]:
    """A patch operation as sent, plus the planner's annotations when it has them."""
    out: dict[str, Any] = op.as_sent()
    if op.target is not None:
        out["target"] = op.target
    if op.target_id is not None:
        out["target_id"] = op.target_id
    if op.relation is not None:
        out["relation"] = {"rel": op.relation[0], "url": op.relation[1]}
    return out


def _step(step: Step) -> dict[str, Any]:
    return {"kind": step.kind, "note": step.note, "patch": [op_json(op) for op in step.ops]}


def _change(change: FieldChange) -> dict[str, Any]:
    return {
        "field": change.field,
        "before": change.before,
        "after": change.after,
        "mode": change.mode,
        "origin": origin_of(change),
        "last_edit": edit_json(change.last_edit),
    }


def edit_json(edit: FieldEdit | None) -> dict[str, Any] | None:
    if edit is None:
        return None
    return {
        "by": edit.by,
        "at": edit.at,
        "rev": edit.rev,
        "by_witsync": edit.by_witsync,
        "drift": edit.drift,
    }


def _link(link: LinkChange) -> dict[str, Any]:
    document: dict[str, Any] = {
        "op": link.op,
        "rel": link.rel,
        "target_key": link.target_key,
        "target_id": link.target_id,
        "origin": origin_of(link),
    }
    if link.last_edit is not None:
        document["last_edit"] = edit_json(link.last_edit)
    return document


def _action(action: Action) -> dict[str, Any]:
    document = _action_fields(action)
    if action.previous_key is not None:  # a rekey: the key the work item carries now
        document["previous_key"] = action.previous_key
    return document


def _action_fields(action: Action) -> dict[str, Any]:
    return {
        "action": action.kind,
        "key": action.key,
        "id": action.id,
        "rev": action.rev,
        "type": action.type,
        "title": action.title,
        "location": location_json(action.location),
        "depends_on": list(action.depends_on),
        "notes": list(action.notes),
        "changes": [_change(change) for change in action.field_changes],
        "links": [_link(link) for link in action.link_changes],
        "steps": [_step(step) for step in action.steps],
    }


def _warning(warning: PlanWarning) -> dict[str, Any]:
    return {
        "code": warning.code,
        "message": warning.message,
        "key": warning.key,
        "id": warning.id,
        "location": location_json(warning.location),
        "severity": warning.severity,
    }


def _item(item: PlanItem) -> dict[str, Any]:
    return {
        "key": item.key,
        "type": item.type,
        "title": item.title,
        "id": item.id,
        "parent": item.parent,
        "state": item.state,
        "location": location_json(item.location),
    }
