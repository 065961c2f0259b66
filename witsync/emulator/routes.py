"""The route table: URL layout as on dev.azure.com, with and without a project segment."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from witsync.emulator.batch import batch
from witsync.emulator.discovery import DISCOVERY_ROUTES
from witsync.emulator.items import (
    create_work_item,
    delete_work_item,
    delete_work_items,
    get_comments,
    get_revisions,
    get_updates,
    get_work_item,
    get_work_items,
    get_work_items_batch,
    recycle_bin,
    recycle_bin_item,
    update_work_item,
)
from witsync.emulator.metadata import fields, project, projects, relation_types, work_item_types
from witsync.emulator.nodes import classification_nodes
from witsync.emulator.pages import PAGE_ROUTES
from witsync.emulator.query import wiql

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


def _build() -> None:
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
    _add("wit/workitems/{id:int}/comments", get_comments, ["GET"], scoped="project")
    _add("wit/workitems/{id:int}/revisions/{number:int}", get_revisions, ["GET"])
    _add("wit/workitems/{type}", create_work_item, ["POST"], scoped="project")
    _add("wit/workitemsbatch", get_work_items_batch, ["POST"])
    _add("wit/workitemsdelete", delete_work_items, ["POST"])
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
    ROUTES.extend(PAGE_ROUTES)  # the board as web pages; their paths never contain `_apis`


_build()
