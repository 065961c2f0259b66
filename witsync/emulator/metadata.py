"""Metadata handlers: projects, fields, work item types (fields, states, categories), relation
types, icons, artifact link types and next states on check-in."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from witsync.emulator import errors, orgfields, typemeta, wire
from witsync.emulator.context import Ctx, JSONResponse, endpoint, read_json
from witsync.emulator.errors import ServiceError
from witsync.emulator.processes import ProcessDef, lookup_field, process_named, type_fields
from witsync.emulator.store import Project


@endpoint
async def projects(ctx: Ctx) -> Response:
    return JSONResponse(
        wire.collection([wire.project(p, ctx.urls) for p in ctx.store.projects(ctx.org)])
    )


@endpoint
async def project(ctx: Ctx) -> Response:
    name = ctx.request.path_params["name"]
    found = ctx.store.project(ctx.org, name)
    if found is None:
        raise errors.project_not_found(name)
    return JSONResponse(wire.project(found, ctx.urls))


@endpoint
async def fields(ctx: Ctx) -> Response:
    """The organization's fields: its processes' and those added with POST fields, which alone
    can be changed (lock, restore) or deleted."""
    name = ctx.request.path_params.get("field")
    method = ctx.request.method
    if name is None:
        if method == "POST":
            body = await read_json(ctx, "application/json")
            made = orgfields.add(ctx.store, ctx.org, body, lambda n: lookup_field(n) is not None)
            return JSONResponse(_org_field(made, ctx))
        deleted = (ctx.param("$expand") or "").lower() == "includedeleted"
        listed = wire.all_fields(ctx.urls)
        listed += [
            _org_field(f, ctx) for f in orgfields.stored(ctx.store, ctx.org, deleted=deleted)
        ]
        return JSONResponse(wire.collection(listed))
    fdef = lookup_field(name)
    if fdef is not None:
        if method != "GET":
            raise errors.bad_request(
                f"The field {fdef.ref} belongs to a process: it cannot be changed or deleted."
            )
        return JSONResponse(wire.field_def(fdef, ctx.urls))
    added = orgfields.named(ctx.store, ctx.org, name, deleted=method == "PATCH")
    if added is None:
        raise errors.field_not_found(name)
    if method == "DELETE":
        orgfields.remove(ctx.store, ctx.org, added)
        return Response(status_code=204)
    if method == "PATCH":
        body = await read_json(ctx, "application/json")
        added = orgfields.change(ctx.store, ctx.org, added, body)
    return JSONResponse(_org_field(added, ctx))


def _org_field(added: orgfields.OrgField, ctx: Ctx) -> dict[str, Any]:
    body = wire.field_def(added.definition, ctx.urls)
    body.update(
        {
            "description": added.description or "",
            "isDeleted": added.deleted,
            "isLocked": added.locked,
        }
    )
    return body


def _process(project: Project) -> ProcessDef:
    process = process_named(project.process)
    assert process is not None
    return process


@endpoint
async def work_item_types(ctx: Ctx) -> Response:
    project = ctx.need_project()
    process = _process(project)
    name = ctx.request.path_params.get("type")
    if name is None:
        return JSONResponse(
            wire.collection([wire.work_item_type(t, ctx.urls, project) for t in process.types])
        )
    wit = process.type(name)
    if wit is None:
        raise ServiceError(
            404,
            "WorkItemTypeNotFoundException",
            f"Work item type {name} does not exist in project "
            f"{project.name} or you do not have permission to access it.",
        )
    tail = ctx.request.url.path.rsplit("/", 1)[-1]
    if tail == "states":
        return JSONResponse(wire.collection([wire.state(s) for s in wit.states]))
    if tail == "fields" or "field" in ctx.request.path_params:
        expand = typemeta.field_expand(ctx.param("$expand"))
        field = ctx.request.path_params.get("field")
        if field is not None:
            fdef = typemeta.type_field_named(wit, field)
            return JSONResponse(typemeta.type_field(fdef, wit, ctx.urls, expand))
        listed = [typemeta.type_field(f, wit, ctx.urls, expand) for f in type_fields(wit)]
        return JSONResponse(wire.collection(listed))
    return JSONResponse(wire.work_item_type(wit, ctx.urls, project))


@endpoint
async def categories(ctx: Ctx) -> Response:
    project = ctx.need_project()
    found = typemeta.categories(_process(project), ctx.urls, project)
    name = ctx.request.path_params.get("category")
    if name is None:
        return JSONResponse(wire.collection(found))
    match = [c for c in found if name.lower() in {c["referenceName"].lower(), c["name"].lower()}]
    if not match:
        raise ServiceError(
            404,
            "WorkItemTypeCategoryNotFoundException",
            f"TF401246: The work item type category {name} does not exist.",
        )
    return JSONResponse(match[0])


@endpoint
async def icons(ctx: Ctx) -> Response:
    name = ctx.request.path_params.get("icon")
    if name is None:
        return JSONResponse(wire.collection([typemeta.icon(i, ctx.urls) for i in typemeta.ICONS]))
    if name.lower() not in typemeta.ICONS:
        raise ServiceError(404, "WorkItemIconNotFoundException", f"Icon {name} does not exist.")
    return JSONResponse(typemeta.icon(name.lower(), ctx.urls, ctx.param("color")))


@endpoint
async def artifact_link_types(ctx: Ctx) -> Response:
    return JSONResponse(wire.collection(typemeta.artifact_link_types()))


@endpoint
async def transitions(ctx: Ctx) -> Response:
    """The state a check-in would move each item to (the only `action` there is)."""
    raw = ctx.param("ids")
    if not raw:
        raise errors.bad_request("The ids parameter is required.")
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise errors.bad_request(f"The ids parameter '{raw}' is not valid.") from None
    action = (ctx.param("action") or "checkin").lower()
    if action != "checkin":
        raise errors.bad_request(f"The action '{action}' is not supported.")
    items = ctx.store.get_many(ctx.org, ids)
    answers = []
    for item_id in ids:
        item = items.get(item_id)
        if item is None:
            raise errors.not_found(item_id)
        project = ctx.project_of(item)
        kind = str(item.fields.get("System.WorkItemType"))
        wit = _process(project).type(kind) if project else None
        state = str(item.fields.get("System.State") or "")
        nxt = typemeta.state_on_checkin(wit, state) if wit else None
        if nxt is None:
            answers.append(
                {
                    "id": item_id,
                    "errorCode": "NoTransition",
                    "message": f"No state follows {state} on check-in.",
                }
            )
        else:
            answers.append({"id": item_id, "stateOnTransition": nxt})
    return JSONResponse(wire.collection(answers))


@endpoint
async def relation_types(ctx: Ctx) -> Response:
    values = wire.relation_types(ctx.urls)
    name = ctx.request.path_params.get("rel")
    if name is None:
        return JSONResponse(wire.collection(values))
    match = [v for v in values if v["referenceName"].lower() == name.lower()]
    if not match:
        raise ServiceError(
            404,
            "WorkItemLinkTypeNotFoundException",
            f"The link type '{name}' does not exist.",
        )
    return JSONResponse(match[0])
