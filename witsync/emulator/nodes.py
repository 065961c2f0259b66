"""Classification nodes (area and iteration paths): read, create, rename, move, date, delete."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from witsync.emulator import errors
from witsync.emulator.context import Ctx, JSONResponse, endpoint, read_json
from witsync.emulator.errors import ServiceError
from witsync.emulator.nodetree import (
    delete_subtree,
    is_within,
    items_under,
    move_subtree,
    node_by_id,
)
from witsync.emulator.store import Project
from witsync.emulator.wire import collection

GROUPS = {
    "areas": ("area", "Area", "Areas"),
    "iterations": ("iteration", "Iteration", "Iterations"),
}
GROUP_OF = {structure: group for group, (structure, _, _) in GROUPS.items()}


def _node_missing(path: str) -> ServiceError:
    return ServiceError(
        404,
        "WorkItemTrackingTreeNodeNotFoundException",
        f"The classification node {path} does not exist.",
    )


def _name_in_use(name: str, parent: str) -> ServiceError:
    return errors.bad_request(
        f"VS402371: Classification node name {name} is already in use by a different child of "
        f"parent classification node {parent}. Choose a different name and try again."
    )


def _node_url(ctx: Ctx, project: Project, group: str, path: str) -> str:
    inside = path.split("\\")[1:]
    segments = [GROUPS[group][2], *inside]
    return ctx.urls.api(
        "wit/classificationNodes/" + "/".join(quote(s, safe="") for s in segments), project
    )


def _render(
    ctx: Ctx,
    project: Project,
    group: str,
    path: str,
    node_id: int,
    paths: list[tuple[str, int]],
    depth: int,
    dates: dict[str, tuple[str, str]],
) -> dict[str, Any]:
    structure, label, _ = GROUPS[group]
    inside = path.split("\\")[1:]
    children = [
        (p, i)
        for p, i in paths
        if p.lower().startswith(path.lower() + "\\") and p.count("\\") == path.count("\\") + 1
    ]
    node: dict[str, Any] = {
        "id": node_id,
        "identifier": str(uuid.uuid5(uuid.NAMESPACE_URL, f"witsync-node/{ctx.org}/{node_id}")),
        "name": path.rsplit("\\", 1)[-1],
        "structureType": structure,
        "hasChildren": bool(children),
        "path": "\\" + "\\".join([project.name, label, *inside]),
        "url": _node_url(ctx, project, group, path),
    }
    if path.lower() in dates:
        start, finish = dates[path.lower()]
        node["attributes"] = {"startDate": start, "finishDate": finish}
    if children and depth > 0:
        node["children"] = [
            _render(ctx, project, group, p, i, paths, depth - 1, dates) for p, i in children
        ]
    return node


def _tree(
    ctx: Ctx, project: Project, group: str, path: str, depth: int, *, links: bool = True
) -> dict[str, Any]:
    """The node at `path` with `depth` levels of children; `_links` (self, parent) on the node
    asked for, not on its children, as the service writes them."""
    structure = GROUPS[group][0]
    found = ctx.store.node(ctx.org, structure, path)
    if found is None or not is_within(found[0], project.name):
        raise _node_missing(path)
    paths = ctx.store.nodes_under(ctx.org, structure, found[0])
    dates = ctx.store.node_dates(ctx.org, structure)
    body = _render(ctx, project, group, found[0], found[1], paths, depth, dates)
    if links:
        url = body.pop("url")
        body["_links"] = {"self": {"href": url}}
        if "\\" in found[0]:
            parent = found[0].rsplit("\\", 1)[0]
            body["_links"]["parent"] = {"href": _node_url(ctx, project, group, parent)}
        body["url"] = url
    return body


def _depth(ctx: Ctx) -> int:
    raw = ctx.param("$depth") or "0"
    try:
        depth = int(raw)
    except ValueError:
        raise errors.bad_request(f"The value '{raw}' is not valid for $depth.") from None
    if depth < 0:
        raise errors.bad_request(f"The value '{raw}' is not valid for $depth.")
    return depth


@endpoint
async def classification_roots(ctx: Ctx) -> Response:
    """GET classificationnodes: both roots, or the nodes named by `ids` (`errorPolicy=omit`
    answers null for an id that is not a node of this project)."""
    project = ctx.need_project()
    depth = _depth(ctx)
    ids = ctx.param("ids")
    if ids is None:
        roots = [_tree(ctx, project, group, project.name, depth) for group in GROUPS]
        return JSONResponse(collection(roots))
    policy = (ctx.param("errorPolicy") or "fail").lower()
    if policy not in {"fail", "omit"}:
        raise errors.bad_request(f"The value '{policy}' is not valid for errorPolicy.")
    found: list[dict[str, Any] | None] = []
    for raw in (part.strip() for part in ids.split(",") if part.strip()):
        try:
            node_id = int(raw)
        except ValueError:
            raise errors.bad_request(f"The value '{raw}' is not a valid node id.") from None
        node = node_by_id(ctx.store, ctx.org, node_id)
        if node is None or not is_within(node[1], project.name):
            if policy == "omit":
                found.append(None)
                continue
            raise _node_missing(str(node_id))
        found.append(_tree(ctx, project, GROUP_OF[node[0]], node[1], depth))
    return JSONResponse(collection(found))


@endpoint
async def classification_node(ctx: Ctx) -> Response:
    """GET, POST (create, or move a node posted by id), PATCH (rename, dates) and DELETE (with
    `$reclassifyId`) of the node at {group}/{path}."""
    request = ctx.request
    project = ctx.need_project()
    group = str(request.path_params["group"])
    if group not in GROUPS:
        raise errors.bad_request(f"The structure group '{group}' is not valid.")
    structure = GROUPS[group][0]
    relative = str(request.path_params.get("path") or "").strip("/")
    path = "\\".join([project.name, *[p for p in relative.split("/") if p]])
    if request.method == "GET":
        return JSONResponse(_tree(ctx, project, group, path, _depth(ctx)))
    found = ctx.store.node(ctx.org, structure, path)
    if found is None or not is_within(found[0], project.name):
        raise _node_missing(path)
    if request.method == "DELETE":
        _delete(ctx, project, structure, found[0])
        return Response(status_code=204)
    body = await read_json(ctx, "application/json")
    if not isinstance(body, dict):
        raise errors.bad_request("The classification node to create or update is missing.")
    if request.method == "PATCH":
        moved = _update(ctx, structure, found[0], body)
        return JSONResponse(_tree(ctx, project, group, moved, 0))
    if body.get("id") is not None:
        moved = _move(ctx, project, structure, found[0], body["id"])
        return JSONResponse(_tree(ctx, project, group, moved, 0))
    child = _create(ctx, structure, found[0], body)
    return JSONResponse(_tree(ctx, project, group, child, 0), status_code=201)


def _valid_name(body: dict[str, Any]) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or "\\" in name or "/" in name:
        raise errors.bad_request("The classification node must have a valid name.")
    return name.strip()


def _create(ctx: Ctx, structure: str, parent: str, body: dict[str, Any]) -> str:
    name = _valid_name(body)
    child = f"{parent}\\{name}"
    if ctx.store.node(ctx.org, structure, child) is not None:
        raise _name_in_use(name, parent.rsplit("\\", 1)[-1])
    given, dates = _dates(body) if structure == "iteration" else (False, None)
    with ctx.store.write():
        ctx.store.add_node(ctx.org, structure, child)
        if given and dates is not None:
            ctx.store.set_node_dates(ctx.org, structure, child, dates)
    return child


def _move(ctx: Ctx, project: Project, structure: str, parent: str, raw_id: Any) -> str:
    """Moves the node with id `raw_id` (and its subtree) under `parent`; its new path."""
    if not isinstance(raw_id, int) or isinstance(raw_id, bool):
        raise errors.bad_request("The id of the classification node to move is not valid.")
    node = node_by_id(ctx.store, ctx.org, raw_id)
    if node is None or node[0] != structure or not is_within(node[1], project.name):
        raise _node_missing(str(raw_id))
    old = node[1]
    if "\\" not in old:
        raise errors.bad_request("The root classification node of a project cannot be moved.")
    if is_within(parent, old):
        raise errors.bad_request(
            "A classification node cannot be moved under itself or one of its children."
        )
    name = old.rsplit("\\", 1)[-1]
    new = f"{parent}\\{name}"
    if new.lower() != old.lower() and ctx.store.node(ctx.org, structure, new) is not None:
        raise _name_in_use(name, parent.rsplit("\\", 1)[-1])
    with ctx.store.write():
        move_subtree(ctx.store, ctx.org, structure, old, new)
    return new


def _update(ctx: Ctx, structure: str, path: str, body: dict[str, Any]) -> str:
    """PATCH: a new `name` renames the node (work items under it follow); `attributes` set or
    clear an iteration's dates. The node's path after the change."""
    new = path
    if body.get("name") is not None:
        name = _valid_name(body)
        if "\\" not in path:
            raise errors.bad_request("The root classification node of a project cannot be renamed.")
        parent = path.rsplit("\\", 1)[0]
        new = f"{parent}\\{name}"
        clash = ctx.store.node(ctx.org, structure, new)
        if clash is not None and new.lower() != path.lower():
            raise _name_in_use(name, parent.rsplit("\\", 1)[-1])
    given, dates = _dates(body) if structure == "iteration" else (False, None)
    with ctx.store.write():
        if new != path:
            move_subtree(ctx.store, ctx.org, structure, path, new)
        if given:
            ctx.store.set_node_dates(ctx.org, structure, new, dates)
    return new


def _delete(ctx: Ctx, project: Project, structure: str, path: str) -> None:
    if "\\" not in path:
        raise errors.bad_request("The root classification node of a project cannot be deleted.")
    raw = ctx.param("$reclassifyId")
    target: str | None = None
    if raw is not None:
        try:
            node = node_by_id(ctx.store, ctx.org, int(raw))
        except ValueError:
            node = None
        if node is None or node[0] != structure or not is_within(node[1], project.name):
            raise _node_missing(raw)
        if is_within(node[1], path):
            raise errors.bad_request(
                "Work items cannot be reclassified to the node being deleted or one of its "
                "children."
            )
        target = node[1]
    elif items_under(ctx.store, ctx.org, structure, path):
        # Unconfirmed against the service: refuse rather than guess where the items would go.
        raise errors.bad_request(
            f"The classification node {path} is used by work items: pass $reclassifyId with the "
            "id of the node they should move to."
        )
    with ctx.store.write():
        delete_subtree(ctx.store, ctx.org, structure, path, target)


def _dates(body: dict[str, Any]) -> tuple[bool, tuple[str, str] | None]:
    """(given, dates) from `attributes.startDate` and `finishDate`: not given when the body has
    no attributes; both null clears them; otherwise both are needed, start before finish."""
    attributes = body.get("attributes")
    if attributes is None:
        return False, None
    if not isinstance(attributes, dict):
        raise errors.bad_request("The attributes of a classification node must be an object.")
    start, finish = attributes.get("startDate"), attributes.get("finishDate")
    if start is None and finish is None:
        return True, None
    if not (isinstance(start, str) and isinstance(finish, str)):
        raise errors.bad_request("An iteration needs both a start date and a finish date.")
    begin, end = _date(start), _date(finish)
    if end < begin:
        raise errors.bad_request("The finish date of an iteration must not be before its start.")
    return True, (_wire(begin), _wire(end))


def _date(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise errors.bad_request(f"The date '{text}' is not valid.") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _wire(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
