"""Work item handlers: read one or many, create, update, delete, history, recycle bin."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import Response

from witsync.emulator import errors, wire
from witsync.emulator.board import Saved
from witsync.emulator.context import (
    ERROR_POLICIES,
    EXPANDS,
    PATCH_TYPE,
    Ctx,
    JSONResponse,
    endpoint,
    expand_of,
    read_json,
)
from witsync.emulator.links import OPEN_ENDED
from witsync.emulator.processes import lookup_field
from witsync.emulator.store import Item
from witsync.emulator.values import now_stamp, parse_date, wire_date


@endpoint
async def get_work_item(ctx: Ctx) -> Response:
    item = ctx.board().get(int(ctx.request.path_params["id"]))
    fields = _field_list(ctx.param("fields"))
    expand = expand_of(ctx, "none")
    _check_fields_expand(fields, expand)
    moment = _moment(ctx.param("asOf"))
    past = _as_of(ctx, item, moment) if moment else item
    if past is None:
        raise errors.not_found(item.id)
    # Read as of a moment, the item is the revision it had then, addressed as that revision
    return JSONResponse(
        ctx.render(past, expand=expand, fields=fields, links=True, revision=moment is not None)
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
        _moment(ctx.param("asOf")),
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
    as_of = _moment(str(body["asOf"])) if body.get("asOf") else None
    return _many(ctx, ids, fields, expand, _policy(body.get("errorPolicy")), as_of)


def _many(
    ctx: Ctx,
    ids: list[int],
    fields: list[str] | None,
    expand: str,
    policy: str,
    as_of: str | None = None,
) -> Response:
    if len(ids) > 200:
        raise errors.too_many_ids(len(ids))
    _check_fields_expand(fields, expand)
    found = ctx.store.get_many(ctx.org, ids)
    values: list[Any] = []
    for id in ids:
        item = found.get(id)
        if item is not None and as_of is not None:
            item = _as_of(ctx, item, as_of)
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


# Fields of link queries: known to the service, so they may be asked for, but no work item has a
# value in them (the recorded `fields=System.Id,System.Links.LinkType,...` read answers without it)
LINK_QUERY_FIELDS = frozenset({"system.links.linktype"})


def _field_list(raw: str | None) -> list[str] | None:
    if not raw:
        return None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    for name in names:
        if lookup_field(name) is None and name.lower() not in LINK_QUERY_FIELDS:
            raise errors.field_not_found(name)
    return names


def _check_fields_expand(fields: list[str] | None, expand: str) -> None:
    if fields and expand not in {"none", "links"}:
        raise errors.bad_request("The expand parameter can not be used with the fields parameter.")


def _moment(raw: str | None) -> str | None:
    if not raw:
        return None
    moment = parse_date(raw)
    if moment is None:
        raise errors.bad_request(f"The asOf value '{raw}' is not a valid date.")
    return moment


def _as_of(ctx: Ctx, item: Item, moment: str) -> Item | None:
    """The item as it was at `moment` (its last revision by then), None if it did not exist."""
    chosen = None
    for rev, fields, relations in ctx.store.revisions(ctx.org, item.id):
        if str(fields.get("System.ChangedDate", "")) <= moment:
            past = {k: v for k, v in fields.items() if k != "System.History"}
            chosen = Item(ctx.org, item.id, item.project, rev, False, past, relations)
    return chosen


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
    return _saved_response(ctx, saved)


@endpoint
async def update_work_item(ctx: Ctx) -> Response:
    ops = await read_json(ctx, PATCH_TYPE)
    saved = ctx.board().update(
        int(ctx.request.path_params["id"]),
        ops,
        validate_only=ctx.flag("validateOnly"),
        bypass_rules=ctx.flag("bypassRules"),
    )
    return _saved_response(ctx, saved)


def _saved_response(ctx: Ctx, saved: Saved) -> Response:
    """A created or updated item as the service answers it: with its relations and links."""
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


@endpoint
async def delete_work_items(ctx: Ctx) -> Response:
    """Bulk delete (`workitemsdelete`), at most 200 ids. To the recycle bin: one result per id,
    `code` 200, or 404 with the `message` for an id that is not there (the others are deleted
    all the same). With `destroy`: 204, all or nothing."""
    body = await read_json(ctx, "application/json")
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        raise errors.bad_request("The Ids parameter cannot be null or empty.")
    if len(ids) > 200:
        raise errors.bad_request("The Ids parameter exceeded the threshold of 200.")
    destroy = bool(body.get("destroy"))
    board = ctx.board()
    results: list[dict[str, Any]] = []
    with ctx.store.write():
        for id in dict.fromkeys(ids):
            if destroy:
                board.delete(id, destroy=True)
                continue
            try:
                board.delete(id, destroy=False)
            except errors.ServiceError as error:
                results.append({"id": id, "code": error.status, "message": error.message})
            else:
                results.append({"id": id, "code": 200})
    if destroy:
        return Response(status_code=204)
    return JSONResponse({"results": results})


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
        "resource": ctx.render(item, expand="relations", links=True),
    }


@endpoint
async def get_updates(ctx: Ctx) -> Response:
    item = ctx.board().get(int(ctx.request.path_params["id"]))
    rows = ctx.store.updates(ctx.org, item.id)
    project = ctx.project_of(item)
    values = []
    alone = ctx.request.path_params.get("number") is not None
    for index, (seq, rev, by, at, fields, relations) in enumerate(rows):
        # A revision's revisedDate is when it was superseded: the next revision's ChangedDate, the
        # open end for the newest one. A link-only update (no fields, the rev it shares) shows when
        # it was made, as in the documented history (a link added, then removed a minute later).
        later = [r for r in rows[index + 1 :] if r[1] != rev]
        revised = at if not fields else later[0][3] if later else OPEN_ENDED
        values.append(
            wire.update(
                seq, item.id, rev, by, revised, fields, relations, ctx.urls, project, links=alone
            )
        )
    return _one_or_page(ctx, item.id, values, "id")


def _one_or_page(ctx: Ctx, item_id: int, values: list[Any], numbered_by: str) -> Response:
    """The entry whose `numbered_by` is the path's `{number}` (404 when none is), or without a
    number a page of them all."""
    number = ctx.request.path_params.get("number")
    if number is None:
        return JSONResponse(wire.collection(_page(ctx, values)))
    match = [v for v in values if v[numbered_by] == int(number)]
    if not match:
        raise errors.not_found(item_id)
    return JSONResponse(match[0])


def _page(ctx: Ctx, values: list[Any]) -> list[Any]:
    """`$skip` and `$top` (at most 200 a page, as the service caps history pages)."""
    try:
        skip = int(ctx.param("$skip") or 0)
        top = int(ctx.param("$top") or 200)
    except ValueError:
        raise errors.bad_request("$top and $skip must be numbers.") from None
    return values[max(skip, 0) : max(skip, 0) + min(max(top, 0), 200)]


@endpoint
async def get_revisions(ctx: Ctx) -> Response:
    item = ctx.board().get(int(ctx.request.path_params["id"]))
    expand = expand_of(ctx, "none")
    alone = ctx.request.path_params.get("number") is not None
    values = []
    for rev, fields, relations in ctx.store.revisions(ctx.org, item.id):
        snapshot = Item(ctx.org, item.id, item.project, rev, False, fields, relations)
        values.append(ctx.render(snapshot, expand=expand, revision=True, links=alone))
    return _one_or_page(ctx, item.id, values, "rev")


# -- recycle bin ----------------------------------------------------------------------------------


@endpoint
async def recycle_bin(ctx: Ctx) -> Response:
    """The project's deleted items as shallow references (`id`, `url`), as the service lists
    them; with `ids=` one reference each (type, title, who deleted it and when), no resource."""
    items = ctx.store.deleted_items(ctx.org, ctx.project.name if ctx.project else None)
    raw = ctx.param("ids")
    if not raw:
        return JSONResponse(
            wire.collection([{"id": i.id, "url": _deleted(ctx, i)["url"]} for i in items])
        )
    try:
        ids = list(dict.fromkeys(int(x) for x in raw.split(",") if x.strip()))
    except ValueError:
        raise errors.bad_request(f"The ids parameter '{raw}' is not valid.") from None
    if len(ids) > 200:
        raise errors.too_many_ids(len(ids))
    by_id = {i.id: i for i in items}
    references = []
    for id in ids:
        if id not in by_id:
            raise errors.not_found(id)
        entry = _deleted(ctx, by_id[id])
        entry.pop("resource")
        references.append(entry)
    return JSONResponse(wire.collection(references))


@endpoint
async def recycle_bin_item(ctx: Ctx) -> Response:
    """One item in the recycle bin: read it, restore it (PATCH isDeleted false), destroy it."""
    id = int(ctx.request.path_params["id"])
    item = ctx.store.get(ctx.org, id, include_deleted=True)
    if item is None or not item.deleted:
        raise errors.not_found(id)
    if ctx.request.method == "DELETE":
        ctx.board().delete(id, destroy=True)
        return Response(status_code=204)
    if ctx.request.method == "PATCH":
        body = await read_json(ctx, "application/json")
        # Json.NET binds property names in any case: `IsDeleted` is `isDeleted`
        flags = {str(k).lower(): v for k, v in body.items()} if isinstance(body, dict) else {}
        if flags.get("isdeleted") is not False:
            raise errors.bad_request('Only {"isDeleted": false} (restore) is supported.')
        return JSONResponse(_deleted(ctx, ctx.board().restore(id)))
    return JSONResponse(_deleted(ctx, item))
