"""Classification nodes (area and iteration paths): read the trees, add nodes under a parent."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response

from witsync.emulator import errors
from witsync.emulator.context import Ctx, JSONResponse, endpoint, read_json
from witsync.emulator.errors import ServiceError
from witsync.emulator.store import Project
from witsync.emulator.wire import collection

GROUPS = {
    "areas": ("area", "Area", "Areas"),
    "iterations": ("iteration", "Iteration", "Iterations"),
}


def _node_missing(path: str) -> ServiceError:
    return ServiceError(
        404,
        "WorkItemTrackingTreeNodeNotFoundException",
        f"The classification node {path} does not exist.",
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
    structure, label, plural = GROUPS[group]
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
        "url": ctx.urls.api("wit/classificationNodes/" + "/".join([plural, *inside]), project),
    }
    if path.lower() in dates:
        start, finish = dates[path.lower()]
        node["attributes"] = {"startDate": start, "finishDate": finish}
    if children and depth > 0:
        node["children"] = [
            _render(ctx, project, group, p, i, paths, depth - 1, dates) for p, i in children
        ]
    return node


def _dates(body: Any) -> tuple[str, str] | None:
    """`attributes.startDate` and `finishDate` of a posted iteration (both or neither)."""
    attributes = body.get("attributes") if isinstance(body, dict) else None
    if not isinstance(attributes, dict):
        return None
    start, finish = attributes.get("startDate"), attributes.get("finishDate")
    if start is None and finish is None:
        return None
    if not (isinstance(start, str) and isinstance(finish, str)):
        raise errors.bad_request("An iteration needs both a start date and a finish date.")
    return start, finish


@endpoint
async def classification_nodes(ctx: Ctx) -> Response:
    request = ctx.request
    project = ctx.need_project()
    depth = int(ctx.param("$depth") or 0)
    group = request.path_params.get("group")
    if group is None:
        roots = [_tree(ctx, project, name, project.name, depth) for name in ("areas", "iterations")]
        return JSONResponse(collection(roots))
    if group not in GROUPS:
        raise errors.bad_request(f"The structure group '{group}' is not valid.")
    relative = str(request.path_params.get("path") or "").strip("/")
    path = "\\".join([project.name, *[p for p in relative.split("/") if p]])
    if request.method == "POST":
        body = await read_json(ctx, "application/json")
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name.strip() or "\\" in name or "/" in name:
            raise errors.bad_request("The classification node must have a valid name.")
        structure = GROUPS[group][0]
        parent = ctx.store.node(ctx.org, structure, path)
        if parent is None:
            raise _node_missing(path)
        child = f"{parent[0]}\\{name.strip()}"
        if ctx.store.node(ctx.org, structure, child) is not None:
            raise errors.bad_request(
                f"VS402371: Classification node name {name.strip()} is already in use by a "
                f"different child of parent classification node {parent[1]}. Choose a "
                "different name and try again."
            )
        dates = _dates(body) if structure == "iteration" else None
        with ctx.store.write():
            ctx.store.add_node(ctx.org, structure, child)
            if dates is not None:
                ctx.store.set_node_dates(ctx.org, structure, child, dates)
        return JSONResponse(_tree(ctx, project, group, child, 0), status_code=201)
    return JSONResponse(_tree(ctx, project, group, path, depth))


def _tree(ctx: Ctx, project: Project, group: str, path: str, depth: int) -> dict[str, Any]:
    structure = GROUPS[group][0]
    found = ctx.store.node(ctx.org, structure, path)
    if found is None:
        raise _node_missing(path)
    paths = ctx.store.nodes_under(ctx.org, structure, found[0])
    dates = ctx.store.node_dates(ctx.org, structure)
    return _render(ctx, project, group, found[0], found[1], paths, depth, dates)
