"""Metadata handlers: projects, fields, work item types and states, relation types."""

from __future__ import annotations

from starlette.responses import Response

from witsync.emulator import errors, wire
from witsync.emulator.context import Ctx, JSONResponse, endpoint
from witsync.emulator.errors import ServiceError
from witsync.emulator.processes import lookup_field, process_named


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
    name = ctx.request.path_params.get("field")
    if name is None:
        return JSONResponse(wire.collection(wire.all_fields(ctx.urls)))
    fdef = lookup_field(name)
    if fdef is None:
        raise errors.field_not_found(name)
    return JSONResponse(wire.field_def(fdef, ctx.urls))


@endpoint
async def work_item_types(ctx: Ctx) -> Response:
    project = ctx.need_project()
    process = process_named(project.process)
    assert process is not None
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
    body = wire.work_item_type(wit, ctx.urls, project)
    if tail == "fields":
        return JSONResponse(wire.collection(body["fields"]))
    return JSONResponse(body)


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
