"""JSON shapes the service writes: work items, identities, relations, history, metadata, errors."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from witsync.emulator.errors import ServiceError
from witsync.emulator.links import OPEN_ENDED
from witsync.emulator.linktypes import LINK_TYPES, PARENT, link_target
from witsync.emulator.processes import (
    FIELD_DEFAULTS,
    FieldDef,
    TypeDef,
    field_default,
    field_required,
    lookup_field,
    type_fields,
)
from witsync.emulator.processes import all_fields as served_fields
from witsync.emulator.store import Item, Project
from witsync.emulator.values import identity_parts, parse_identity, wire_date

HIDDEN_BY_DEFAULT = frozenset(
    {
        "System.Id",
        "System.Rev",
        "System.IsDeleted",
        "System.AuthorizedDate",
        "System.RevisedDate",
        "System.Watermark",
    }
)


@dataclass(frozen=True)
class Urls:
    """Absolute URLs as a client sees them: `base` is scheme://host[:port]; then the org."""

    base: str
    org: str

    @property
    def org_url(self) -> str:
        return f"{self.base}/{self.org}"

    def api(self, path: str, project: Project | None = None) -> str:
        scope = f"/{project.id}" if project else ""
        return f"{self.org_url}{scope}/_apis/{path}"

    def work_item(self, id: int, project: Project | None) -> str:
        return self.api(f"wit/workItems/{id}", project)

    def field(self, ref: str) -> str:
        return self.api(f"wit/fields/{ref}")


def identity_ref(stored: str, urls: Urls) -> dict[str, Any]:
    return dict(_identity_ref(stored, urls))


@lru_cache(maxsize=4096)
def _identity_ref(stored: str, urls: Urls) -> dict[str, Any]:
    """Cached: a page of 200 items names the same few people hundreds of times."""
    display, email = identity_parts(stored)
    ident = str(uuid.uuid5(uuid.NAMESPACE_URL, f"witsync-identity/{email.lower()}"))
    descriptor = "aad." + base64.urlsafe_b64encode(ident.encode()).decode().rstrip("=")
    avatar = f"{urls.org_url}/_apis/GraphProfile/MemberAvatars/{descriptor}"
    return {
        "displayName": display,
        "url": f"{urls.org_url}/_apis/Identities/{ident}",
        "_links": {"avatar": {"href": avatar}},
        "id": ident,
        "uniqueName": email,
        "imageUrl": avatar,
        "descriptor": descriptor,
    }


def field_value(ref: str, value: Any, urls: Urls) -> Any:
    fdef = lookup_field(ref)
    if fdef is None or value is None:
        return value
    if fdef.is_identity and isinstance(value, str):
        # A person is an IdentityRef; a value stored as given (bypassRules with a name no one has,
        # "Invalid Value") stays the string it is, as the recorded example answers it.
        return identity_ref(value, urls) if parse_identity(value) else value
    if fdef.type == "dateTime" and isinstance(value, str):
        return wire_date(value)
    return value


def relation(stored: dict[str, Any], urls: Urls) -> dict[str, Any]:
    url = stored["url"]
    if link_target(stored) is not None and url.startswith("/"):
        url = urls.base + url
    return {"rel": stored["rel"], "url": url, "attributes": dict(stored.get("attributes") or {})}


def work_item(
    item: Item,
    urls: Urls,
    project: Project | None,
    *,
    expand: str = "none",
    fields: list[str] | None = None,
    history: str | None = None,
    links: bool = False,
    revision: bool = False,
) -> dict[str, Any]:
    """A WorkItem as 7.1 writes it; `expand` is none, relations, fields, links or all. A
    `revision` (from `revisions`, or a read `asOf` a moment) is addressed as that revision:
    its `url` and `_links` are the revision's, as the recorded examples show them."""
    source = item.fields
    out_fields: dict[str, Any] = {}
    if fields:
        for name in fields:
            fdef = lookup_field(name)
            ref = fdef.ref if fdef else name
            if ref in source and source[ref] is not None:
                out_fields[ref] = field_value(ref, source[ref], urls)
    else:
        show_all = expand in {"fields", "all"}
        for ref, value in source.items():
            if value is None or (not show_all and ref in HIDDEN_BY_DEFAULT):
                continue
            # only a string may be a person or a date: numbers need no field lookup
            out_fields[ref] = field_value(ref, value, urls) if isinstance(value, str) else value
        if history is not None:
            out_fields["System.History"] = history
    body: dict[str, Any] = {"id": item.id, "rev": item.rev, "fields": out_fields}
    if expand in {"relations", "all"} and item.relations:
        body["relations"] = [relation(r, urls) for r in item.relations]
    self_url = urls.work_item(item.id, project)
    if revision:
        revisions = f"{self_url}/revisions"
        if links or expand in {"links", "all"}:
            body["_links"] = {
                "self": {"href": f"{revisions}/{item.rev}"},
                "workItemRevisions": {"href": revisions},
                "parent": {"href": self_url},
            }
        body["url"] = f"{revisions}/{item.rev}"
        return body
    if links or expand in {"links", "all"}:
        body["_links"] = {
            "self": {"href": self_url},
            "workItemUpdates": {"href": f"{self_url}/updates"},
            "workItemRevisions": {"href": f"{self_url}/revisions"},
            "workItemComments": {"href": f"{self_url}/comments"},
            "html": {
                "href": f"{urls.org_url}/{project.id if project else ''}/_workitems/edit/{item.id}"
            },
            "workItemType": {
                "href": urls.api(
                    f"wit/workItemTypes/{item.fields.get('System.WorkItemType', '')}", project
                )
            },
            "fields": {"href": urls.api("wit/fields", project)},
        }
    body["url"] = self_url
    return body


def update(
    seq: int,
    item_id: int,
    rev: int,
    by: str,
    revised_date: str,
    fields: dict[str, Any],
    relations: dict[str, Any],
    urls: Urls,
    project: Project | None,
    *,
    links: bool = False,
) -> dict[str, Any]:
    """One WorkItemUpdate: who changed what (old/new values), links added/removed/updated;
    `links`: with `_links` (self, the list, the work item), as one update read alone has."""
    body: dict[str, Any] = {
        "id": seq,
        "workItemId": item_id,
        "rev": rev,
        "revisedBy": identity_ref(by, urls),
        "revisedDate": revised_date if revised_date == OPEN_ENDED else wire_date(revised_date),
    }
    if fields:
        # A side that was empty is left out (`{"newValue": ...}` for a first value, `{}` for a
        # field written empty), as the recorded history has it; null is no value of the schema
        body["fields"] = {
            ref: {k: field_value(ref, v, urls) for k, v in change.items() if v is not None}
            for ref, change in fields.items()
        }
    if relations:
        body["relations"] = {
            kind: [relation(r, urls) for r in group] for kind, group in relations.items()
        }
    item_url = urls.work_item(item_id, project)
    body["url"] = f"{item_url}/updates/{seq}"
    if links:
        body["_links"] = {
            "self": {"href": body["url"]},
            "workItemUpdates": {"href": f"{item_url}/updates"},
            "parent": {"href": item_url},
        }
    return body


def field_def(fdef: FieldDef, urls: Urls) -> dict[str, Any]:
    return {
        "name": fdef.name,
        "referenceName": fdef.ref,
        "description": "",
        "type": fdef.type,
        "usage": "workItem",
        "readOnly": fdef.read_only or fdef.type == "treePath",
        "canSortBy": fdef.type not in {"html", "history", "plainText"},
        "isQueryable": True,
        "supportedOperations": [],
        "isIdentity": fdef.is_identity,
        "isPicklist": bool(fdef.allowed),
        "isPicklistSuggested": False,
        "isDeleted": False,
        "isLocked": False,
        "url": urls.field(fdef.ref),
    }


def all_fields(urls: Urls) -> list[dict[str, Any]]:
    return [field_def(f, urls) for f in served_fields()]


def work_item_type(wit: TypeDef, urls: Urls, project: Project) -> dict[str, Any]:
    return {
        "name": wit.name,
        "referenceName": wit.ref,
        "description": "",
        "color": "009CCC",
        "icon": {"id": "icon_clipboard", "url": ""},
        "isDisabled": False,
        "xmlForm": "",
        "fields": [type_field(f, urls, wit) for f in type_fields(wit)],
        "fieldInstances": [type_field(f, urls, wit) for f in type_fields(wit)],
        "transitions": {
            "": [{"to": wit.initial_state, "actions": None}],
            **{
                s.name: [{"to": t.name, "actions": None} for t in wit.states if t != s]
                for s in wit.states
            },
        },
        "states": [state(s) for s in wit.states],
        "_links": {"self": {"href": urls.api(f"wit/workItemTypes/{wit.name}", project)}},
        "url": urls.api(f"wit/workItemTypes/{wit.name}", project),
    }


def type_field(fdef: FieldDef, urls: Urls, wit: TypeDef | None = None) -> dict[str, Any]:
    """A WorkItemTypeFieldWithReferences: allowed and default values are strings, numbers too
    (Priority lists `["1","2","3","4"]`, as the schema and the recorded example have them); no
    default is no `defaultValue` (null properties are left out). With `wit`, as that type has it
    (a custom process's required fields and defaults)."""
    required = field_required(wit, fdef.ref) if wit else fdef.ref == "System.Title"
    out: dict[str, Any] = {"alwaysRequired": required}
    default = field_default(wit, fdef.ref) if wit else FIELD_DEFAULTS.get(fdef.ref)
    if default is not None:
        out["defaultValue"] = _listed(default)
    out.update(
        {
            "helpText": "",
            "referenceName": fdef.ref,
            "name": fdef.name,
            "url": urls.field(fdef.ref),
            "allowedValues": [_listed(v) for v in fdef.allowed],
        }
    )
    return out


def _listed(value: Any) -> str:
    """A picklist or default value as the service lists it: text (2 and 2.0 as "2")."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def state(s: Any) -> dict[str, Any]:
    return {"name": s.name, "color": s.color, "category": s.category}


def relation_types(urls: Urls) -> list[dict[str, Any]]:
    out = []
    for kind in LINK_TYPES:
        attributes: dict[str, Any] = {
            "usage": "workItemLink" if kind.is_work_item_link else "resourceLink",
            "editable": False,
            "enabled": True,
        }
        if kind.is_work_item_link:
            attributes.update(
                {
                    "acyclic": kind.acyclic,
                    "directional": kind.topology != "network",
                    "singleTarget": kind.ref == PARENT,
                    "topology": kind.topology,
                    "isForward": kind.is_forward,
                    "oppositeEndReferenceName": kind.opposite,
                }
            )
        out.append(
            {
                "attributes": attributes,
                "referenceName": kind.ref,
                "name": kind.name,
                "url": urls.api(f"wit/workItemRelationTypes/{kind.ref}"),
            }
        )
    return out


def project(p: Project, urls: Urls) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "description": f"{p.process} process",
        "url": f"{urls.org_url}/_apis/projects/{p.id}",
        "state": "wellFormed",
        "revision": 1,
        "visibility": "private",
        "lastUpdateTime": "2026-01-01T00:00:00Z",
    }


def collection(values: list[Any]) -> dict[str, Any]:
    return {"count": len(values), "value": values}


def error_body(error: ServiceError) -> dict[str, Any]:
    """The `WrappedException` JSON every error answer carries (one place for all of them)."""
    body: dict[str, Any] = {"$id": "1"}
    if error.custom_properties is not None:
        body["customProperties"] = error.custom_properties
    body.update(
        {
            "innerException": None,
            "message": error.message,
            "typeName": f"{error.namespace}.{error.type_key}, {error.namespace}",
            "typeKey": error.type_key,
            "errorCode": error.error_code,
            "eventId": error.event_id,
        }
    )
    return body
