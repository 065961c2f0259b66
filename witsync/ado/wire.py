"""Turns Azure DevOps wire JSON (api-version 7.1) into witsync's model values; no I/O here.

Shapes follow the documented examples: arrays wrapped as {"count", "value"}, relations absent
(not empty) on an item without any, the initial state as the `""` transition, classification
nodes as a tree whose root is named after the project.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Container, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from witsync.errors import WireFormatError
from witsync.model import (
    JSON,
    FieldEdit,
    FieldInfo,
    LiveItem,
    LiveRelation,
    Process,
    StateInfo,
    TypeInfo,
)
from witsync.model.markdown import MARKDOWN, MarkdownText
from witsync.notes import is_witsync_revision

RESOURCE_LINK_TYPES = frozenset({"Hyperlink", "ArtifactLink", "AttachedFile"})
"""Relations whose URL points outside the work item store; all others target a work item."""


def values(body: JSON, what: str) -> list[Any]:
    """The list inside a `{"count": N, "value": [...]}` wrapper (or a bare list)."""
    if isinstance(body, Mapping):
        body = body.get("value")
    if not isinstance(body, list):
        raise WireFormatError(f"unexpected answer for {what}: expected a list of values")
    return body


def live_item(
    body: JSON, keep: Container[str] | None = None, shared: dict[str, str] | None = None
) -> LiveItem:
    """One work item as returned by GET/PATCH/POST workitems or workitemsbatch; with `keep`,
    only the fields it names, and relations without their attributes (a plan of 100,000 items
    holds what it compares, not every identity object and date the server sends). `shared`:
    the short texts of items decoded before (type, state, paths, tags...), reused rather than
    held once per item."""
    if not isinstance(body, Mapping) or not isinstance(body.get("id"), int):
        raise WireFormatError("unexpected answer: a work item without an id")
    fields = body.get("fields") or {}
    rev = body.get("rev", fields.get("System.Rev", 0))
    whole = keep is None
    relations = tuple(live_relation(entry, whole) for entry in body.get("relations") or ())
    if keep is None:
        kept = dict(fields)
    else:
        kept = {name: value for name, value in fields.items() if name in keep}
    if shared is not None:
        for name, value in kept.items():
            if type(value) is str and len(value) <= SHARED_TEXT:
                kept[name] = shared.setdefault(value, value)
    _mark_markdown(kept, body.get("multilineFieldsFormat"))
    return LiveItem(id=body["id"], rev=int(rev), fields=kept, relations=relations)


def _mark_markdown(fields: dict[str, Any], formats: Any) -> None:
    """A multi-line field stored as Markdown (7.2: `multilineFieldsFormat`) is marked so: plans
    compare it as the HTML it renders to, as they do a manifest's Markdown (ado/markdown.py)."""
    if not isinstance(formats, Mapping):
        return
    for ref, format in formats.items():
        text = fields.get(ref)
        if str(format).lower() == MARKDOWN and isinstance(text, str):
            fields[ref] = MarkdownText(text)


SHARED_TEXT = 80
"""Longer texts (descriptions...) rarely repeat: not worth looking up."""


_NO_ATTRIBUTES: Mapping[str, Any] = MappingProxyType({})
"""Shared by the relations that have none (most: the marker, parent and child links)."""


def live_relation(entry: Mapping[str, Any], attributes_too: bool = True) -> LiveRelation:
    rel = str(entry.get("rel", ""))
    url = str(entry.get("url", ""))
    attributes = entry.get("attributes") if attributes_too else None
    target = None if rel in RESOURCE_LINK_TYPES else work_item_id_from_url(url)
    return LiveRelation(
        rel=rel,
        url=url,
        attributes=dict(attributes) if attributes else _NO_ATTRIBUTES,
        target_id=target,
    )


def work_item_id_from_url(url: str) -> int | None:
    """The id at the end of a work item URL (`.../_apis/wit/workItems/42`, any case, with or
    without a project, query or trailing slash); None for any other URL, such as a hyperlink
    that happens to end in a number."""
    head, _, last = urlsplit(url).path.rstrip("/").rpartition("/")
    if not head.lower().endswith("/_apis/wit/workitems"):
        return None
    try:
        return int(last)
    except ValueError:
        return None


def wiql_ids(body: JSON) -> list[int]:
    """Ids of a WIQL result, in the server's order: a flat query's work items, or every item a
    link query's relations name (a tree query lists each root, then each link's target)."""
    if isinstance(body, Mapping) and isinstance(body.get("workItemRelations"), list):
        ids: dict[int, None] = {}
        for relation in body["workItemRelations"]:
            for end in ("source", "target"):
                found = relation.get(end) if isinstance(relation, Mapping) else None
                if isinstance(found, Mapping) and isinstance(found.get("id"), int):
                    ids.setdefault(found["id"], None)
        return list(ids)
    if not isinstance(body, Mapping) or not isinstance(body.get("workItems"), list):
        raise WireFormatError("unexpected answer for a WIQL query: no workItems list")
    return [int(entry["id"]) for entry in body["workItems"]]


def process(types_body: JSON, fields_body: JSON, nodes_body: JSON) -> Process:
    """Process metadata from GET workitemtypes, GET fields and GET classificationnodes?$depth=N."""
    fields = {}
    for entry in values(fields_body, "fields"):
        info = field_info(entry)
        fields[info.reference_name] = info
    types = {}
    for entry in values(types_body, "work item types"):
        info_type = type_info(entry)
        defaults = {
            ref: typed_value(value, fields.get(ref)) for ref, value in info_type.defaults.items()
        }
        types[info_type.name] = dataclasses.replace(info_type, defaults=defaults)
    areas: set[str] = set()
    iterations: set[str] = set()
    for root in values(nodes_body, "classification nodes"):
        kind = str(root.get("structureType", "")).lower()
        target = areas if kind == "area" else iterations if kind == "iteration" else None
        if target is not None:
            target.update(tree_paths(root))
    return Process(
        types=types,
        fields=fields,
        area_paths=frozenset(areas),
        iteration_paths=frozenset(iterations),
    )


def typed_value(value: Any, field: FieldInfo | None) -> Any:
    """A default value as its field's type: the service writes type field defaults as text, a
    number field's too (Priority's `"2"`)."""
    if not isinstance(value, str) or field is None:
        return value
    try:
        if field.type in {"integer", "picklistInteger"}:
            return int(value)
        if field.type in {"double", "picklistDouble"}:
            return float(value)
    except ValueError:
        return value
    if field.type == "boolean" and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return value


def field_info(entry: Mapping[str, Any]) -> FieldInfo:
    return FieldInfo(
        reference_name=str(entry["referenceName"]),
        name=str(entry.get("name", entry["referenceName"])),
        type=str(entry.get("type", "string")),
        read_only=bool(entry.get("readOnly", False)),
        is_identity=bool(entry.get("isIdentity", False)),
        is_picklist=bool(entry.get("isPicklist", False)),
    )


def type_info(entry: Mapping[str, Any], states_body: JSON | None = None) -> TypeInfo:
    """A work item type; its states come from the type itself or from GET .../states."""
    raw_states = entry.get("states") if states_body is None else values(states_body, "states")
    states = tuple(
        StateInfo(name=str(state["name"]), category=str(state.get("category", "")))
        for state in raw_states or ()
    )
    field_refs = frozenset(
        str(field["referenceName"])
        for field in entry.get("fields") or ()
        if "referenceName" in field
    )
    defaults = {
        str(field["referenceName"]): field["defaultValue"]
        for field in entry.get("fields") or ()
        if "referenceName" in field and field.get("defaultValue") not in (None, "")
    }
    return TypeInfo(
        name=str(entry["name"]),
        initial_state=_initial_state(entry, states),
        states=states,
        fields=field_refs,
        defaults=defaults,
        allowed_values=allowed_values(entry.get("fields") or ()),
    )


def allowed_values(type_fields: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, ...]] | None:
    """The picklists of a type's fields (`allowedValues`, numbers as text: servers send either),
    or None when the answer left `allowedValues` out (the list of types does, on Azure DevOps:
    GET workitemtypes/{type}/fields?$expand=allowedValues has them)."""
    listed = [field for field in type_fields if "referenceName" in field]
    if not any("allowedValues" in field for field in listed):
        return None
    return {
        str(field["referenceName"]): tuple(_text(value) for value in field["allowedValues"])
        for field in listed
        if field.get("allowedValues")
    }


def _text(value: Any) -> str:
    """A listed value as text: 2 and 2.0 as "2", as the service lists number picklists."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _initial_state(entry: Mapping[str, Any], states: Sequence[StateInfo]) -> str:
    transitions = entry.get("transitions")
    if isinstance(transitions, Mapping):
        first = transitions.get("")
        if (
            isinstance(first, list)
            and first
            and isinstance(first[0], Mapping)
            and first[0].get("to")
        ):
            return str(first[0]["to"])
    proposed = [state.name for state in states if state.category == "Proposed"]
    return proposed[0] if proposed else states[0].name if states else ""


def tree_paths(root: Mapping[str, Any]) -> Iterable[str]:
    """Every path of a classification tree as work items store it: `Project\\Node\\Child`.

    The node's own `path` starts with the structure group (`\\Project\\Area\\Node`), which work
    item fields never show, so paths are rebuilt from the names instead.
    """
    stack: list[tuple[str, Mapping[str, Any]]] = [(str(root["name"]), root)]
    while stack:
        path, node = stack.pop()
        yield path
        for child in node.get("children") or ():
            stack.append((f"{path}\\{child['name']}", child))


def needs_states(types_body: JSON) -> list[str]:
    """Names of the types whose definition came without states (older servers): read them apart."""
    return [
        str(entry["name"])
        for entry in values(types_body, "work item types")
        if "states" not in entry
    ]


def last_edits(
    updates: Sequence[Mapping[str, Any]], wanted: Iterable[str], scope: str | None = None
) -> dict[str, FieldEdit]:
    """For each wanted field, the most recent update (from GET .../updates) that changed it.

    With `scope`, each edit says whether witsync wrote it (`witsync.notes`) and whether it is
    drift: the field's value was set by a revision witsync did not write, after a revision of
    witsync's had written that field (a field witsync never wrote, e.g. on an adopted item, is
    the manifests' to set: no drift)."""
    remaining = set(wanted)
    found: dict[str, FieldEdit] = {}
    ordered = list(updates)
    for position in range(len(ordered) - 1, -1, -1):
        update = ordered[position]
        changed = update.get("fields")
        if not isinstance(changed, Mapping):
            continue
        hits = remaining.intersection(changed)
        if not hits:
            continue
        ours = scope is not None and is_witsync_revision(update, scope)
        for name in hits:
            drift = (
                scope is not None
                and not ours
                and any(
                    name in (earlier.get("fields") or {}) and is_witsync_revision(earlier, scope)
                    for earlier in ordered[:position]
                )
            )
            found[name] = FieldEdit(
                by=who(update, changed),
                at=revision_date(update) or "",
                rev=int(update.get("rev", 0)),
                by_witsync=ours,
                drift=drift,
            )
        remaining -= hits
        if not remaining:
            break
    return found


def who(update: Mapping[str, Any], changed: Mapping[str, Any]) -> str:
    """Who made an update (GET .../updates): its revisedBy, else the ChangedBy it set."""
    person = update.get("revisedBy")
    if not isinstance(person, Mapping):
        person = (changed.get("System.ChangedBy") or {}).get("newValue")
    return identity_text(person)


def identity_text(person: JSON) -> str:
    """`Display Name <unique name>` for an IdentityRef (or the string an older server sends)."""
    if isinstance(person, Mapping):
        name = str(person.get("displayName") or person.get("name") or "")
        unique = person.get("uniqueName")
        return f"{name} <{unique}>" if unique and unique != name else name
    return "" if person is None else str(person)


def revision_date(update: Mapping[str, Any]) -> str | None:
    """When the revision of an update (from GET .../updates) was made: the System.ChangedDate it
    set. The service writes one into every revision's update; a link-only update, which has no
    fields, carries none (None).

    Never the update's `revisedDate`: that is when the revision was superseded by the next one,
    and for the newest revision it is the open end, 9999-01-01T00:00:00Z.
    """
    changed = update.get("fields")
    date = changed.get("System.ChangedDate") if isinstance(changed, Mapping) else None
    if isinstance(date, Mapping) and date.get("newValue"):
        return str(date["newValue"])
    return None

