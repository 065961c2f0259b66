"""HTTP routes of the work item API: parse the request, call the board, render the wire JSON."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from witsync.emulator import errors, wire
from witsync.emulator.errors import ServiceError
from witsync.emulator.links import OPEN_ENDED
from witsync.emulator.processes import lookup_field, process_named
from witsync.emulator.store import Item, Project, Store
from witsync.emulator.values import now_stamp, parse_date, wire_date
from witsync.emulator.wiql import WiqlContext, WiqlError, WiqlResult, run_wiql
from witsync.emulator.workitems import Board

JSON_TYPE = "application/json; charset=utf-8"
PATCH_TYPE = "application/json-patch+json"


class JSONResponse(Response):
    media_type = JSON_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


class Ctx:
    """What a handler needs about one request: the caller, organization, project, URLs, board."""

    def __init__(self, request: Request) -> None:
        emulator = request.app.state.emulator
        self.request = request
        self.store: Store = emulator.store
        self.me: str = request.scope["state"]["me"]
        self.org: str = request.scope["state"]["org"]
        base = f"{request.url.scheme}://{request.url.netloc}"
        self.urls = wire.Urls(base, self.org)
        self.link_bumps_rev: bool = emulator.options.link_bumps_rev
        name = request.path_params.get("project")
        self.project: Project | None = None
        if name is not None:
            self.project = self.store.project(self.org, name)
            if self.project is None:
                raise errors.project_not_found(name)
        self.query = request.query_params
        self._projects: dict[str, Project | None] = {}

    def board(self, temp_ids: Mapping[int, int] | None = None) -> Board:
        return Board(
            self.store, self.org, self.me, link_bumps_rev=self.link_bumps_rev, temp_ids=temp_ids
        )

    def param(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.query.multi_items():
            if key.lower() == name.lower():
                return value
        return default

    def flag(self, name: str) -> bool:
        return (self.param(name) or "").lower() == "true"

    def project_of(self, item: Item) -> Project | None:
        if item.project not in self._projects:
            self._projects[item.project] = self.store.project(self.org, item.project)
        return self._projects[item.project]

    def render(self, item: Item, **kwargs: Any) -> dict[str, Any]:
        return wire.work_item(item, self.urls, self.project_of(item), **kwargs)

    def need_project(self) -> Project:
        if self.project is None:
            raise errors.bad_request("The project name or id is required for this request.")
        return self.project


Handler = Callable[[Ctx], Awaitable[Response]]


def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        try:
            return await handler(Ctx(request))
        except ServiceError as error:
            return JSONResponse(wire.error_body(error), status_code=error.status)

    run.__name__ = handler.__name__
    return run


async def read_json(ctx: Ctx, content_type: str) -> Any:
    given = ctx.request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    method = ctx.request.method
    if given != content_type:
        raise errors.bad_request(
            f'The request indicated a Content-Type of "{given}" for method type "{method}" which '
            f"is not supported. Valid content types for this method are: {content_type}.",
            "VssRequestContentTypeNotSupportedException",
        )
    raw = await ctx.request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise errors.bad_request("The request body is not valid JSON.") from None


EXPANDS = ("none", "relations", "fields", "links", "all")
ERROR_POLICIES = {"1": "fail", "2": "omit"}


def expand_of(ctx: Ctx, default: str) -> str:
    """`$expand` by name or, as the Node client sends enums, by number (Relations = 1)."""
    value = (ctx.param("$expand") or default).lower()
    if value.isdigit() and int(value) < len(EXPANDS):
        value = EXPANDS[int(value)]
    if value not in {"none", "relations", "fields", "links", "all"}:
        raise errors.bad_request(f"The expand value '{value}' is not valid.")
    return value


# -- work items -----------------------------------------------------------------------------------


@endpoint
async def get_work_item(ctx: Ctx) -> Response:
    item = ctx.board().get(int(ctx.request.path_params["id"]))
    fields = _field_list(ctx.param("fields"))
    expand = expand_of(ctx, "none")
    _check_fields_expand(fields, expand)
    stored = _as_of(ctx, item)
    return JSONResponse(
        ctx.render(item, expand=expand, fields=fields, links=True, stored_fields=stored)
    )


@endpoint
async def get_work_items(ctx: Ctx) -> Response:
    raw = ctx.param("ids")
    if not raw:
        raise errors.bad_request("The ids parameter is required.")
    try:
        ids = list(dict.fromkeys(int(x) for x in raw.split(",") if x.strip()))
    except ValueError:
        raise errors.bad_request(f"The ids parameter '{raw}' is not valid.") from None
    return _many(
        ctx,
        ids,
        _field_list(ctx.param("fields")),
        expand_of(ctx, "none"),
        _policy(ctx.param("errorPolicy")),
    )


@endpoint
async def get_work_items_batch(ctx: Ctx) -> Response:
    body = await read_json(ctx, "application/json")
    if not isinstance(body, dict) or not isinstance(body.get("ids"), list):
        raise errors.bad_request("The request body must contain the ids of the work items.")
    try:
        ids = list(dict.fromkeys(int(x) for x in body["ids"]))
    except (TypeError, ValueError):
        raise errors.bad_request("The ids of the work items must be integers.") from None
    fields = body.get("fields") or None
    expand = _expand_value(body.get("$expand"))
    return _many(ctx, ids, fields, expand, _policy(body.get("errorPolicy")))


def _many(ctx: Ctx, ids: list[int], fields: list[str] | None, expand: str, policy: str) -> Response:
    if len(ids) > 200:
        raise errors.too_many_ids(len(ids))
    _check_fields_expand(fields, expand)
    found = ctx.store.get_many(ctx.org, ids)
    values: list[Any] = []
    for id in ids:
        item = found.get(id)
        if item is None:
            if policy != "omit":
                raise errors.not_found(id)
            values.append(None)
            continue
        values.append(ctx.render(item, expand=expand, fields=fields))
    return JSONResponse(wire.collection(values))


def _policy(raw: object) -> str:
    value = str(raw or "fail").lower()
    return ERROR_POLICIES.get(value, value)


def _expand_value(raw: object) -> str:
    value = str(raw if raw is not None else "none").lower()
    return EXPANDS[int(value)] if value.isdigit() and int(value) < len(EXPANDS) else value


def _field_list(raw: str | None) -> list[str] | None:
    if not raw:
        return None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    for name in names:
        if lookup_field(name) is None:
            raise errors.field_not_found(name)
    return names


def _check_fields_expand(fields: list[str] | None, expand: str) -> None:
    if fields and expand not in {"none", "links"}:
        raise errors.bad_request("The expand parameter can not be used with the fields parameter.")


def _as_of(ctx: Ctx, item: Item) -> dict[str, Any] | None:
    raw = ctx.param("asOf")
    if not raw:
        return None
    moment = parse_date(raw)
    if moment is None:
        raise errors.bad_request(f"The asOf value '{raw}' is not a valid date.")
    chosen = None
    for _rev, fields, _relations in ctx.store.revisions(ctx.org, item.id):
        if str(fields.get("System.ChangedDate", "")) <= moment:
            chosen = fields
    if chosen is None:
        raise errors.not_found(item.id)
    return {k: v for k, v in chosen.items() if k != "System.History"}


@endpoint
async def create_work_item(ctx: Ctx) -> Response:
    project = ctx.need_project()
    type_name = ctx.request.path_params["type"]
    if not type_name.startswith("$"):
        raise HTTPException(404)
    ops = await read_json(ctx, PATCH_TYPE)
    saved = ctx.board().create(
        project,
        type_name[1:],
        ops,
        validate_only=ctx.flag("validateOnly"),
        bypass_rules=ctx.flag("bypassRules"),
    )
    return JSONResponse(
        ctx.render(
            saved.item, expand=expand_of(ctx, "relations"), history=saved.history, links=True
        )
    )


@endpoint
async def update_work_item(ctx: Ctx) -> Response:
    ops = await read_json(ctx, PATCH_TYPE)
    saved = ctx.board().update(
        int(ctx.request.path_params["id"]),
        ops,
        validate_only=ctx.flag("validateOnly"),
        bypass_rules=ctx.flag("bypassRules"),
    )
    return JSONResponse(
        ctx.render(
            saved.item, expand=expand_of(ctx, "relations"), history=saved.history, links=True
        )
    )


@endpoint
async def delete_work_item(ctx: Ctx) -> Response:
    destroy = ctx.flag("destroy")
    item = ctx.board().delete(int(ctx.request.path_params["id"]), destroy=destroy)
    if destroy:
        return Response(status_code=204)
    return JSONResponse(_deleted(ctx, item))


def _deleted(ctx: Ctx, item: Item) -> dict[str, Any]:
    project = ctx.project_of(item)
    return {
        "id": item.id,
        "code": 200,
        "type": item.fields.get("System.WorkItemType"),
        "name": item.fields.get("System.Title"),
        "project": item.project,
        "deletedDate": wire_date(str(item.fields.get("System.ChangedDate", now_stamp()))),
        "deletedBy": item.fields.get("System.ChangedBy"),
        "url": ctx.urls.api(f"wit/recycleBin/{item.id}", project),
        "resource": ctx.render(item, expand="relations"),
    }


@endpoint
async def get_updates(ctx: Ctx) -> Response:
    item = ctx.board().get(int(ctx.request.path_params["id"]))
    rows = ctx.store.updates(ctx.org, item.id)
    project = ctx.project_of(item)
    values = []
    for index, (seq, rev, by, at, fields, relations) in enumerate(rows):
        later = [r for r in rows[index + 1 :] if r[1] != rev]
        revised = later[0][3] if later else OPEN_ENDED
        del at
        values.append(
            wire.update(seq, item.id, rev, by, revised, fields, relations, ctx.urls, project)
        )
    number = ctx.request.path_params.get("number")
    if number is not None:
        match = [v for v in values if v["id"] == int(number)]
        if not match:
            raise errors.not_found(item.id)
        return JSONResponse(match[0])
    return JSONResponse(wire.collection(values))


@endpoint
async def get_revisions(ctx: Ctx) -> Response:
    item = ctx.board().get(int(ctx.request.path_params["id"]))
    expand = expand_of(ctx, "none")
    values = []
    for rev, fields, relations in ctx.store.revisions(ctx.org, item.id):
        snapshot = Item(ctx.org, item.id, item.project, rev, False, fields, relations)
        values.append(ctx.render(snapshot, expand=expand))
    number = ctx.request.path_params.get("number")
    if number is not None:
        match = [v for v in values if v["rev"] == int(number)]
        if not match:
            raise errors.not_found(item.id)
        return JSONResponse(match[0])
    return JSONResponse(wire.collection(values))


# -- recycle bin ----------------------------------------------------------------------------------


@endpoint
async def recycle_bin(ctx: Ctx) -> Response:
    items = ctx.store.deleted_items(ctx.org, ctx.project.name if ctx.project else None)
    return JSONResponse(wire.collection([_deleted(ctx, i) for i in items]))


@endpoint
async def recycle_bin_item(ctx: Ctx) -> Response:
    id = int(ctx.request.path_params["id"])
    method = ctx.request.method
    if method == "DELETE":
        ctx.board().delete(id, destroy=True)
        return Response(status_code=204)
    if method == "PATCH":
        body = await read_json(ctx, "application/json")
        if not isinstance(body, dict) or body.get("isDeleted") is not False:
            raise errors.bad_request('Only {"isDeleted": false} (restore) is supported.')
        return JSONResponse(_deleted(ctx, ctx.board().restore(id)))
    item = ctx.store.get(ctx.org, id, include_deleted=True)
    if item is None or not item.deleted:
        raise errors.not_found(id)
    return JSONResponse(_deleted(ctx, item))


# -- WIQL -----------------------------------------------------------------------------------------


def resolve_field(name: str) -> tuple[str, str, str] | None:
    fdef = lookup_field(name)
    return (fdef.ref, fdef.name, fdef.type) if fdef else None


@endpoint
async def wiql(ctx: Ctx) -> Response:
    body = await read_json(ctx, "application/json")
    text = body.get("query") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise errors.bad_request("You must pass a query object in the body of the request.")
    top_raw = ctx.param("$top")
    top = None
    if top_raw is not None:
        try:
            top = int(top_raw)
        except ValueError:
            top = 0
        if top <= 0:
            raise errors.bad_request("The value of $top must be a positive number.")
    context = WiqlContext(
        org=ctx.org,
        project=ctx.project.name if ctx.project else None,
        me=ctx.me,
        today=datetime.now(UTC).date(),
        resolve_field=resolve_field,
        top=top,
        time_precision=ctx.flag("timePrecision"),
    )
    try:
        result = run_wiql(ctx.store.conn, text, context)
    except WiqlError as error:
        raise ServiceError(
            400, error.type_key, error.message, namespace=errors.FRAMEWORK, event_id=3000
        ) from None
    return JSONResponse(_wiql_body(ctx, result))


def _wiql_body(ctx: Ctx, result: WiqlResult) -> dict[str, Any]:
    def column(ref: str) -> dict[str, Any]:
        fdef = lookup_field(ref)
        return {
            "referenceName": ref,
            "name": fdef.name if fdef else ref,
            "url": ctx.urls.field(ref),
        }

    prefix = ctx.urls.api("wit/workItems/")

    def ref(id: int) -> dict[str, Any]:
        return {"id": id, "url": f"{prefix}{id}"}

    body: dict[str, Any] = {
        "queryType": result.query_type,
        "queryResultType": "workItem" if result.query_type == "flat" else "workItemLink",
        "asOf": wire_date(now_stamp()),
        "columns": [column(c) for c in result.columns],
    }
    if result.sort_columns:
        body["sortColumns"] = [
            {"field": column(c), "descending": d} for c, d in result.sort_columns
        ]
    if result.query_type == "flat":
        body["workItems"] = [{"id": i, "url": f"{prefix}{i}"} for i in result.work_item_ids]
    else:
        body["workItemRelations"] = [
            {
                "rel": rel,
                "source": ref(source) if source is not None else None,
                "target": ref(target),
            }
            for rel, source, target in result.relations
        ]
    return body


# -- metadata -------------------------------------------------------------------------------------


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
            f"TF201077: Work item type {name} does not exist in project "
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
            f"TF201034: The link type '{name}' does not exist.",
        )
    return JSONResponse(match[0])


ROUTES: list[BaseRoute] = []


def _add(
    path: str,
    handler: Callable[[Request], Awaitable[Response]],
    methods: list[str],
    *,
    scoped: str = "both",
) -> None:
    """`scoped`: org (no project segment), project (required), or both."""
    if scoped in {"org", "both"}:
        ROUTES.append(Route("/{org}/_apis/" + path, handler, methods=methods))
    if scoped in {"project", "both"}:
        ROUTES.append(Route("/{org}/{project}/_apis/" + path, handler, methods=methods))


def error_handlers() -> dict[Any, Callable[..., Any]]:
    async def not_found(request: Request, exc: Exception) -> Response:
        del exc
        return JSONResponse(
            {
                "$id": "1",
                "innerException": None,
                "message": f"The resource {request.url.path} was not found.",
                "typeName": "System.Web.Http.HttpResponseException",
                "typeKey": "HttpResponseException",
                "errorCode": 0,
                "eventId": 0,
            },
            status_code=404,
        )

    return {404: not_found, 405: not_found}


def _build() -> None:
    from witsync.emulator.batch import batch
    from witsync.emulator.discovery import DISCOVERY_ROUTES
    from witsync.emulator.nodes import classification_nodes

    ROUTES.extend(DISCOVERY_ROUTES)
    _add("projects", projects, ["GET"], scoped="org")
    _add("projects/{name}", project, ["GET"], scoped="org")
    _add("wit/workitems", get_work_items, ["GET"])
    _add("wit/workitems/{id:int}", get_work_item, ["GET"])
    _add("wit/workitems/{id:int}", update_work_item, ["PATCH"])
    _add("wit/workitems/{id:int}", delete_work_item, ["DELETE"])
    _add("wit/workitems/{id:int}/updates", get_updates, ["GET"])
    _add("wit/workitems/{id:int}/updates/{number:int}", get_updates, ["GET"])
    _add("wit/workitems/{id:int}/revisions", get_revisions, ["GET"])
    _add("wit/workitems/{id:int}/revisions/{number:int}", get_revisions, ["GET"])
    _add("wit/workitems/{type}", create_work_item, ["POST"], scoped="project")
    _add("wit/workitemsbatch", get_work_items_batch, ["POST"])
    _add("wit/recyclebin", recycle_bin, ["GET"])
    _add("wit/recyclebin/{id:int}", recycle_bin_item, ["GET", "PATCH", "DELETE"])
    _add("wit/wiql", wiql, ["POST"])
    ROUTES.append(Route("/{org}/{project}/{team}/_apis/wit/wiql", wiql, methods=["POST"]))
    _add("wit/fields", fields, ["GET"])
    _add("wit/fields/{field}", fields, ["GET"])
    _add("wit/workitemtypes", work_item_types, ["GET"], scoped="project")
    _add("wit/workitemtypes/{type}", work_item_types, ["GET"], scoped="project")
    _add("wit/workitemtypes/{type}/states", work_item_types, ["GET"], scoped="project")
    _add("wit/workitemtypes/{type}/fields", work_item_types, ["GET"], scoped="project")
    _add("wit/workitemrelationtypes", relation_types, ["GET"], scoped="org")
    _add("wit/workitemrelationtypes/{rel}", relation_types, ["GET"], scoped="org")
    _add("wit/classificationnodes", classification_nodes, ["GET"], scoped="project")
    _add("wit/classificationnodes/{group}", classification_nodes, ["GET", "POST"], scoped="project")
    _add(
        "wit/classificationnodes/{group}/{path:path}",
        classification_nodes,
        ["GET", "POST"],
        scoped="project",
    )
    _add("wit/$batch", batch, ["POST", "PATCH"], scoped="org")


_build()
