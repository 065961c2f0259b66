"""Saved query handlers: folders and queries (list, get, create, move, update, delete, batch),
temporary queries, and running a saved query by id with the WIQL engine."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from starlette.responses import Response

from witsync.emulator import errors, querystore
from witsync.emulator.context import Ctx, JSONResponse, endpoint, read_json
from witsync.emulator.errors import ServiceError
from witsync.emulator.query import run_text, wiql_body
from witsync.emulator.queryshape import expand_of, hierarchy_item
from witsync.emulator.querystore import SavedQuery
from witsync.emulator.store import Project
from witsync.emulator.values import now_stamp
from witsync.emulator.wire import collection

MAX_DEPTH = 2


def _missing(name: str) -> ServiceError:
    return ServiceError(
        404,
        "QueryItemNotFoundException",
        f"TF401243: The query {name} does not exist, or you do not have permission to read it.",
    )


class _View:
    """How one request renders items: project, `$expand`, `$depth`, `$includeDeleted`."""

    def __init__(self, ctx: Ctx, project: Project, expand: str | None = None) -> None:
        self.ctx = ctx
        self.project = project
        self.expand = expand or expand_of(ctx.param("$expand"))
        raw = ctx.param("$depth") or "0"
        try:
            self.depth = int(raw)
        except ValueError:
            raise errors.bad_request(f"The value '{raw}' is not valid for $depth.") from None
        if not 0 <= self.depth <= MAX_DEPTH:
            raise errors.bad_request(f"The $depth value must be between 0 and {MAX_DEPTH}.")
        self.deleted = ctx.flag("$includeDeleted")

    def path(self, item: SavedQuery) -> str:
        chain = querystore.ancestry(self.ctx.store, self.ctx.org, item)
        return "/".join([*(f.name for f in chain), item.name])

    def render(self, item: SavedQuery, depth: int | None = None, path: str | None = None) -> Any:
        depth = self.depth if depth is None else depth
        path = path or self.path(item)
        store, org = self.ctx.store, self.ctx.org
        kids = [
            c
            for c in (querystore.children(store, org, item.id) if item.folder else [])
            if self.deleted or not c.deleted
        ]
        listed = [self.render(c, depth - 1, f"{path}/{c.name}") for c in kids] if depth else None
        return hierarchy_item(
            item, path, item.parent, self.ctx.urls, self.project, self.expand, listed, bool(kids)
        )


def _resolve(ctx: Ctx, project: Project, ref: str, *, deleted: bool = False) -> SavedQuery:
    """A folder or query by id or by path (`Shared Queries/Team/All Bugs`), in this project."""
    roots = querystore.roots(ctx.store, ctx.org, project.id, ctx.me, now_stamp(ctx.clock))
    try:
        found = querystore.get(ctx.store, ctx.org, str(uuid.UUID(ref)))
    except ValueError:
        found = None
        parts = [p for p in ref.split("/") if p]
        if parts:
            found = next((r for r in roots if r.name.lower() == parts[0].lower()), None)
        for name in parts[1:]:
            if found is None:
                break
            found = querystore.child_named(ctx.store, ctx.org, found.id, name)
    if found is None or found.temp or found.project != project.id:
        raise _missing(ref)
    if found.deleted and not deleted:
        raise _missing(ref)
    return found


@endpoint
async def list_queries(ctx: Ctx) -> Response:
    """GET queries: the two root folders (with `$depth` levels of their items)."""
    project = ctx.need_project()
    view = _View(ctx, project)
    roots = querystore.roots(ctx.store, ctx.org, project.id, ctx.me, now_stamp(ctx.clock))
    return JSONResponse(collection([view.render(r) for r in roots]))


@endpoint
async def query_item(ctx: Ctx) -> Response:
    """GET, POST (create under, or move into, a folder), PATCH and DELETE of queries/{query}."""
    project = ctx.need_project()
    ref = str(ctx.request.path_params["query"]).strip("/")
    method = ctx.request.method
    if method == "GET":
        view = _View(ctx, project)
        return JSONResponse(view.render(_resolve(ctx, project, ref, deleted=view.deleted)))
    if method == "DELETE":
        item = _resolve(ctx, project, ref)
        if item.parent is None:
            raise errors.bad_request("The root query folders cannot be deleted.")
        with ctx.store.write():
            querystore.set_deleted(ctx.store, ctx.org, item, True, below=True)
        return Response(status_code=204)
    body = await read_json(ctx, "application/json")
    if not isinstance(body, dict):
        raise errors.bad_request("The query to create or update is missing.")
    if method == "PATCH":
        item = _update(ctx, project, _resolve(ctx, project, ref, deleted=True), body)
        view = _View(ctx, project, "all")
        return JSONResponse(view.render(item, depth=1 if ctx.flag("$undeleteDescendants") else 0))
    folder = _resolve(ctx, project, ref)
    if not folder.folder:
        raise errors.bad_request(f"{ref} is a query, not a folder: queries go into folders.")
    if body.get("id") is not None:
        moved = _move(ctx, project, folder, str(body["id"]))
        return JSONResponse(_View(ctx, project, "all").render(moved))
    made = _create(ctx, project, folder, body)
    if made is None:  # validateWiqlOnly
        return JSONResponse({"wiql": body.get("wiql")}, status_code=200)
    return JSONResponse(_View(ctx, project, "all").render(made), status_code=201)


def _name(body: dict[str, Any]) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or "/" in name or "\\" in name:
        raise errors.bad_request("The query or folder must have a valid name.")
    if len(name.strip()) > 255:
        raise errors.bad_request("The name of a query or folder is limited to 255 characters.")
    return name.strip()


def _free(ctx: Ctx, folder: SavedQuery, name: str, but: str | None = None) -> None:
    clash = querystore.child_named(ctx.store, ctx.org, folder.id, name)
    if clash is not None and clash.id != but:
        raise ServiceError(
            409,
            "QueryItemAlreadyExistException",
            f"TF237018: A query or folder named {name} already exists in {folder.name}.",
        )


def _checked_wiql(ctx: Ctx, text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise errors.bad_request("A query needs its WIQL text.")
    run_text(ctx, text, top=1)  # unknown fields and bad syntax answer 400, as on save
    return text


def _create(
    ctx: Ctx, project: Project, folder: SavedQuery, body: dict[str, Any]
) -> SavedQuery | None:
    is_folder = bool(body.get("isFolder"))
    wiql = None if is_folder else _checked_wiql(ctx, body.get("wiql"))
    if ctx.flag("validateWiqlOnly"):
        return None
    name = _name(body)
    _free(ctx, folder, name)
    stamp = now_stamp(ctx.clock)
    item = SavedQuery(
        id=str(uuid.uuid4()),
        project=project.id,
        parent=folder.id,
        name=name,
        folder=is_folder,
        wiql=wiql,
        temp=False,
        created_by=ctx.me,
        created_date=stamp,
        modified_by=ctx.me,
        modified_date=stamp,
    )
    with ctx.store.write():
        querystore.put(ctx.store, ctx.org, item)
    return item


def _move(ctx: Ctx, project: Project, folder: SavedQuery, ref: str) -> SavedQuery:
    item = _resolve(ctx, project, ref)
    if item.parent is None:
        raise errors.bad_request("The root query folders cannot be moved.")
    if item.id == folder.id or any(
        f.id == item.id for f in querystore.ancestry(ctx.store, ctx.org, folder)
    ):
        raise errors.bad_request("A folder cannot be moved into itself or one of its folders.")
    _free(ctx, folder, item.name, but=item.id)
    moved = replace(item, parent=folder.id, modified_by=ctx.me, modified_date=now_stamp(ctx.clock))
    with ctx.store.write():
        querystore.put(ctx.store, ctx.org, moved)
    return moved


def _update(ctx: Ctx, project: Project, item: SavedQuery, body: dict[str, Any]) -> SavedQuery:
    """Rename (`name`), new WIQL (`wiql`), undelete (`isDeleted: false`)."""
    changed = item
    if body.get("isDeleted") is False and item.deleted:
        parent = querystore.get(ctx.store, ctx.org, item.parent or "")
        if parent is not None and parent.deleted:
            raise errors.bad_request("Undelete the folder of this item first.")
        if parent is not None:
            _free(ctx, parent, item.name, but=item.id)
        changed = replace(changed, deleted=False)
    elif item.deleted:
        raise _missing(item.id)
    if body.get("name") is not None:
        if item.parent is None:
            raise errors.bad_request("The root query folders cannot be renamed.")
        name = _name(body)
        parent = querystore.get(ctx.store, ctx.org, item.parent)
        if parent is not None:
            _free(ctx, parent, name, but=item.id)
        changed = replace(changed, name=name)
    if body.get("wiql") is not None:
        if item.folder:
            raise errors.bad_request("A folder has no WIQL.")
        changed = replace(changed, wiql=_checked_wiql(ctx, body["wiql"]))
    changed = replace(changed, modified_by=ctx.me, modified_date=now_stamp(ctx.clock))
    with ctx.store.write():
        querystore.put(ctx.store, ctx.org, changed)
        if item.deleted and not changed.deleted and ctx.flag("$undeleteDescendants"):
            querystore.set_deleted(ctx.store, ctx.org, changed, False, below=True)
    return changed


@endpoint
async def queries_batch(ctx: Ctx) -> Response:
    """POST queriesbatch: items by id; `errorPolicy: omit` answers null for a missing one."""
    body = await read_json(ctx, "application/json")
    if not isinstance(body, dict) or not isinstance(body.get("ids"), list):
        raise errors.bad_request("The ids of the queries are required.")
    policy = str(body.get("errorPolicy") or "fail").lower()
    if policy not in {"fail", "omit"}:
        raise errors.bad_request(f"The error policy '{policy}' is not valid.")
    expand = expand_of(str(body.get("$expand") or "none"))
    found: list[Any] = []
    for raw in body["ids"]:
        item = _by_id(ctx, str(raw))
        if item is None:
            if policy == "omit":
                found.append(None)
                continue
            raise _missing(str(raw))
        project = ctx.store.project(ctx.org, item.project)
        assert project is not None
        found.append(_View(ctx, project, expand).render(item, depth=0))
    return JSONResponse(collection(found))


def _by_id(ctx: Ctx, raw: str) -> SavedQuery | None:
    try:
        item = querystore.get(ctx.store, ctx.org, str(uuid.UUID(raw)))
    except ValueError:
        return None
    if item is None or item.temp or item.deleted:
        return None
    if ctx.project is not None and item.project != ctx.project.id:
        return None
    return item


@endpoint
async def temp_queries(ctx: Ctx) -> Response:
    """POST tempqueries: keeps a WIQL text under a new id that `wiql/{id}` runs."""
    project = ctx.need_project()
    body = await read_json(ctx, "application/json")
    wiql = _checked_wiql(ctx, body.get("wiql") if isinstance(body, dict) else None)
    stamp = now_stamp(ctx.clock)
    item = SavedQuery(
        str(uuid.uuid4()), project.id, None, "", False, wiql, True, ctx.me, stamp, ctx.me, stamp
    )
    with ctx.store.write():
        querystore.put(ctx.store, ctx.org, item)
    return JSONResponse({"id": item.id})


@endpoint
async def run_saved_query(ctx: Ctx) -> Response:
    """GET (or HEAD) wiql/{id}: runs a saved or temporary query in the request's project and
    team; `X-Total-Count` carries the number of results, which is all HEAD answers."""
    raw = str(ctx.request.path_params["id"])
    try:
        item = querystore.get(ctx.store, ctx.org, str(uuid.UUID(raw)))
    except ValueError:
        item = None
    if item is None or item.deleted or item.folder or item.wiql is None:
        raise _missing(raw)
    if ctx.project is None:
        ctx.project = ctx.store.project(ctx.org, item.project)
    result = run_text(ctx, item.wiql)
    if not item.temp:
        ran = replace(item, executed_by=ctx.me, executed_date=now_stamp(ctx.clock))
        with ctx.store.write():
            querystore.put(ctx.store, ctx.org, ran)
    total = len(result.work_item_ids) if result.query_type == "flat" else len(result.relations)
    headers = {"X-Total-Count": str(total)}
    if ctx.request.method == "HEAD":
        return Response(status_code=200, headers=headers)
    return JSONResponse(wiql_body(ctx, result), headers=headers)
