"""Plan files: `witsync plan --out FILE` writes one, `witsync apply --plan FILE` reads it back.

A plan file is the JSON plan document (witsync.rendering.json): the target, per-item revs, every
step's exact patch, the manifests' digest. It holds no token, because a Plan has none. On load
it is checked against schemas/plan.schema.json, and an unknown `format_version` is refused
rather than guessed at.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator

from witsync.errors import PlanFileError
from witsync.model import (
    Action,
    ClosedItem,
    FieldChange,
    FieldEdit,
    LinkChange,
    Location,
    PatchOp,
    Plan,
    PlanItem,
    PlanWarning,
    RateLimitUse,
    RequestBudget,
    Step,
    Target,
)
from witsync.rendering.json import FORMAT_VERSION, render_json

_HINT = "make it again with `witsync plan --out FILE`"


def dump_plan(plan: Plan) -> str:
    """The plan file's text (the same document `--format json` prints)."""
    return render_json(plan)


def load_plan(text: str) -> Plan:
    """A Plan from a plan file's text; PlanFileError when it is damaged, invalid or too new."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise PlanFileError(f"the plan file is not JSON: {error}", hint=_HINT) from None
    if not isinstance(document, dict):
        raise PlanFileError("the plan file is not a JSON object", hint=_HINT)
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise PlanFileError(
            f"the plan file has format_version {version!r}; this witsync reads {FORMAT_VERSION!r}",
            hint="use the witsync version that made the plan, or plan again",
        )
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(part) for part in first.absolute_path) or "(top level)"
        raise PlanFileError(f"the plan file is invalid at {where}: {first.message}", hint=_HINT)
    return _plan(document)


def ensure_target(plan: Plan, target: Target) -> None:
    """Refuse a plan that was made for another organization, project or scope."""
    if plan.target != target:
        raise PlanFileError(
            f"the plan was made for {_describe(plan.target)}, not {_describe(target)}",
            hint="apply it to the target it was made for, or plan again for this one",
        )


def _describe(target: Target) -> str:
    return f"{target.org_url} project {target.project!r} scope {target.scope!r}"


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    schema = json.loads(files("witsync.schemas").joinpath("plan.schema.json").read_text("utf-8"))
    return Draft202012Validator(schema)


def _location(data: Any) -> Location | None:
    if data is None:
        return None
    return Location(data["file"], data["line"], data["column"])


def _op(data: dict[str, Any]) -> PatchOp:
    relation = data.get("relation")
    return PatchOp(
        op=data["op"],
        path=data["path"],
        value=data.get("value"),
        target=data.get("target"),
        relation=(relation["rel"], relation["url"]) if relation else None,
        target_id=data.get("target_id"),
    )


def _change(data: dict[str, Any]) -> FieldChange:
    return FieldChange(
        field=data["field"],
        before=data["before"],
        after=data["after"],
        mode=data["mode"],
        last_edit=_edit(data["last_edit"]),
    )


def _edit(data: dict[str, Any] | None) -> FieldEdit | None:
    if not data:
        return None
    return FieldEdit(
        data["by"],
        data["at"],
        data["rev"],
        by_witsync=bool(data.get("by_witsync", False)),
        drift=bool(data.get("drift", False)),
    )


def _action(data: dict[str, Any]) -> Action:
    return Action(
        kind=data["action"],
        key=data["key"],
        type=data["type"],
        title=data["title"],
        id=data["id"],
        rev=data["rev"],
        steps=tuple(
            Step(step["kind"], tuple(_op(op) for op in step["patch"]), step["note"])
            for step in data["steps"]
        ),
        field_changes=tuple(_change(change) for change in data["changes"]),
        link_changes=tuple(
            LinkChange(
                link["op"],
                link["rel"],
                link["target_key"],
                link["target_id"],
                _edit(link.get("last_edit")),
            )
            for link in data["links"]
        ),
        depends_on=tuple(data["depends_on"]),
        notes=tuple(data["notes"]),
        location=_location(data["location"]),
        previous_key=data.get("previous_key"),
    )


def _plan(document: dict[str, Any]) -> Plan:
    target = document["target"]
    return Plan(
        target=Target(target["org_url"], target["project"], target["scope"]),
        actions=tuple(_action(action) for action in document["actions"]),
        unchanged=document["summary"]["unchanged"],
        warnings=tuple(
            PlanWarning(
                w["code"],
                w["message"],
                w["key"],
                w["id"],
                _location(w["location"]),
                w.get("severity", "warning"),
            )
            for w in document["warnings"]
        ),
        manifest_digest=document["manifest_digest"],
        prune=document["prune"],
        removal_policy=document["removal_policy"],
        # a plan file without it (older witsync) makes apply look at the whole managed set
        known_max_id=document.get("known_max_id", 0),
        # a plan file without it (older witsync): the HTML view draws the changed items only
        items=tuple(_item(item) for item in document.get("items", ())),
        closed=tuple(
            ClosedItem(c["key"], c["id"], c["type"], c["title"], c["state"])
            for c in document.get("closed", ())
        ),
        markdown=document.get("markdown", False),
        budget=_budget(document.get("budget")),
    )


def _budget(data: dict[str, Any] | None) -> RequestBudget | None:
    if data is None:
        return None
    use = data["rate_limit"]
    return RequestBudget(
        data["requests"],
        None
        if use is None
        else RateLimitUse(
            use["limit"], use["remaining_first"], use["remaining_last"], use["answers"],
            use["delayed_s"],
        ),
    )


def _item(data: dict[str, Any]) -> PlanItem:
    return PlanItem(
        key=data["key"],
        type=data["type"],
        title=data["title"],
        id=data["id"],
        parent=data["parent"],
        state=data["state"],
        location=_location(data["location"]),
    )
