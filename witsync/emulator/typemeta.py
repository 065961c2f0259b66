"""Shapes of work item type metadata: type fields (allowed values, defaults), categories, icons,
artifact link types and next states on check-in, as the recorded 7.1 examples write them."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from witsync.emulator import errors
from witsync.emulator.processes import (
    FieldDef,
    ProcessDef,
    TypeDef,
    field_default,
    field_required,
    lookup_field,
    type_fields,
)
from witsync.emulator.store import Project
from witsync.emulator.wire import Urls

# `$expand` of workitemtypes/{type}/fields, by name or by the number the generated clients send.
FIELD_EXPANDS = ("none", "allowedvalues", "dependentfields", "all")

# Categories the processes define, each with the types that may stand for it (the first one a
# process has is the category's default and only type; Basic's Issue is its requirement).
CATEGORIES = (
    ("Bug Category", "Microsoft.BugCategory", ("Bug",)),
    ("Epic Category", "Microsoft.EpicCategory", ("Epic",)),
    ("Feature Category", "Microsoft.FeatureCategory", ("Feature",)),
    (
        "Requirement Category",
        "Microsoft.RequirementCategory",
        ("User Story", "Product Backlog Item", "Requirement", "Issue"),
    ),
    ("Task Category", "Microsoft.TaskCategory", ("Task",)),
)

_ICON_NAMES = (
    "icon_clipboard icon_crown icon_trophy icon_list icon_book icon_sticky_note icon_insect "
    "icon_traffic_cone icon_chat_bubble icon_flame icon_megaphone icon_code_review "
    "icon_code_response icon_review icon_response icon_test_plan icon_test_suite icon_test_case "
    "icon_test_step icon_test_parameter icon_star icon_ribbon icon_chart icon_headphone icon_key "
    "icon_airplane icon_car icon_diamond icon_asterisk icon_database_storage icon_government "
    "icon_gavel icon_parachute icon_paint_brush icon_palette icon_gear icon_check_box icon_gift "
    "icon_test_beaker icon_broken_lightbulb icon_clipboard_issue"
)
ICONS = tuple(_ICON_NAMES.split())

# (toolType, artifactType, linkType): the outbound artifact links an organization offers.
ARTIFACT_LINK_TYPES = (
    ("Git", "Branch", "Branch"),
    ("Build", "Build", "Build"),
    ("VersionControl", "Changeset", "Fixed in Changeset"),
    ("Git", "Commit", "Fixed in Commit"),
    ("Build", "Build", "Found in build"),
    ("Build", "Build", "Integrated in build"),
    ("ArchitectureTools", "ModelLink", "Model Link"),
    ("Git", "PullRequestId", "Pull Request"),
    ("WorkItemTracking", "Workitem", "Related Workitem"),
    ("TestManagement", "TcmResultAttachment", "Result Attachment"),
    ("VersionControl", "LatestItemVersion", "Source Code File"),
    ("Requirements", "Storyboard", "Storyboard"),
    ("Git", "Tag", "Tag"),
    ("TestManagement", "TcmTest", "Test"),
    ("TestManagement", "TcmResult", "Test Result"),
    ("WorkItemTracking", "Hyperlink", "Workitem Hyperlink"),
)


def field_expand(raw: str | None) -> str:
    value = (raw or "none").lower()
    if value.isdigit() and int(value) < len(FIELD_EXPANDS):
        value = FIELD_EXPANDS[int(value)]
    if value not in FIELD_EXPANDS:
        raise errors.bad_request(f"The expand value '{raw}' is not valid.")
    return value


def _text(value: str | int | float) -> str:
    """Allowed and default values travel as text, number picklists too (Priority "1".."4")."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def default_value(wit: TypeDef, ref: str) -> str | None:
    if ref == "System.State":
        return wit.initial_state
    default = field_default(wit, ref)  # Priority 2, and a custom process's defaults
    return None if default is None else _text(default)


def type_field(fdef: FieldDef, wit: TypeDef, urls: Urls, expand: str) -> dict[str, Any]:
    """One WorkItemTypeFieldWithReferences; `allowedValues` and `dependentFields` by `expand`."""
    body: dict[str, Any] = {
        "alwaysRequired": fdef.ref == "System.State" or field_required(wit, fdef.ref),
        "defaultValue": default_value(wit, fdef.ref),
    }
    if expand in {"allowedvalues", "all"}:
        body["allowedValues"] = [_text(v) for v in fdef.allowed]
    if expand in {"dependentfields", "all"}:
        body["dependentFields"] = []
    body.update({"referenceName": fdef.ref, "name": fdef.name, "url": urls.field(fdef.ref)})
    return body


def type_field_named(wit: TypeDef, name: str) -> FieldDef:
    """A field of the type by reference or friendly name; 404 when the type has no such field."""
    fdef = lookup_field(name)
    if fdef is None or fdef not in type_fields(wit):
        raise errors.ServiceError(
            404,
            "WorkItemTrackingFieldDefinitionNotFoundException",
            f"TF51535: Cannot find field {name}.",
        )
    return fdef


def categories(process: ProcessDef, urls: Urls, project: Project) -> list[dict[str, Any]]:
    found = []
    for name, ref, candidates in CATEGORIES:
        wit = next((t for t in (process.type(c) for c in candidates) if t is not None), None)
        if wit is None:
            continue
        reference = {
            "name": wit.name,
            "url": urls.api(f"wit/workItemTypes/{quote(wit.name)}", project),
        }
        found.append(
            {
                "name": name,
                "referenceName": ref,
                "defaultWorkItemType": reference,
                "workItemTypes": [dict(reference)],
                "url": urls.api(f"wit/workItemTypeCategories/{ref}", project),
            }
        )
    return found


def icon(name: str, urls: Urls, color: str | None = None) -> dict[str, Any]:
    query = f"?color={color}&v=2" if color else "?v=2"
    return {"id": name, "url": urls.api(f"wit/workItemIcons/{name}") + query}


def artifact_link_types() -> list[dict[str, str]]:
    return [
        {"toolType": tool, "artifactType": artifact, "linkType": link}
        for tool, artifact, link in ARTIFACT_LINK_TYPES
    ]


def state_on_checkin(wit: TypeDef, current: str) -> str | None:
    """Where a check-in moves an item: the first later state that resolves or completes it."""
    names = [s.name.lower() for s in wit.states]
    start = names.index(current.lower()) + 1 if current.lower() in names else 0
    for state in wit.states[start:]:
        if state.category in {"Resolved", "Completed"}:
            return state.name
    return None
