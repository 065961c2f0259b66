"""The route table: URL layout as on dev.azure.com, with and without a project segment."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from witsync.emulator import attachments, comments, tags, wittemplates
from witsync.emulator.batch import batch
from witsync.emulator.discovery import DISCOVERY_ROUTES
from witsync.emulator.items import (
    create_work_item,
    delete_work_item,
    delete_work_items,
    get_revisions,
    get_updates,
    get_work_item,
    get_work_items,
    get_work_items_batch,
    recycle_bin,
    recycle_bin_item,
    update_work_item,
)
from witsync.emulator.metadata import (
    artifact_link_types,
    categories,
    fields,
    icons,
    project,
    projects,
    relation_types,
    transitions,
    work_item_types,
)
from witsync.emulator.nodes import classification_node, classification_roots
from witsync.emulator.pages import PAGE_ROUTES
from witsync.emulator.queries import (
    list_queries,
    queries_batch,
    query_item,
    run_saved_query,
    temp_queries,
)
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
    _add("wit/workitems/{id:int}/revisions/{number:int}", get_revisions, ["GET"])
    _add("wit/workitems/{type}", create_work_item, ["POST"], scoped="project")
    _add("wit/workitemsbatch", get_work_items_batch, ["POST"])
    _add("wit/workitemsdelete", delete_work_items, ["POST"])
    _add("wit/recyclebin", recycle_bin, ["GET"])
    _add("wit/recyclebin/{id:int}", recycle_bin_item, ["GET", "PATCH", "DELETE"])
    _add("wit/wiql", wiql, ["POST"])
    ROUTES.append(Route("/{org}/{project}/{team}/_apis/wit/wiql", wiql, methods=["POST"]))
    _add("wit/fields", fields, ["GET", "POST"])  # POST, PATCH, DELETE: OPS-B (org fields)
    _add("wit/fields/{field}", fields, ["GET", "PATCH", "DELETE"])
    _add("wit/workitemtypes", work_item_types, ["GET"], scoped="project")
    _add("wit/workitemtypes/{type}", work_item_types, ["GET"], scoped="project")
    _add("wit/workitemtypes/{type}/states", work_item_types, ["GET"], scoped="project")
    _add("wit/workitemtypes/{type}/fields", work_item_types, ["GET"], scoped="project")
    # work item type metadata (OPS-B)
    _add("wit/workitemtypes/{type}/fields/{field}", work_item_types, ["GET"], scoped="project")
    _add("wit/workitemtypecategories", categories, ["GET"], scoped="project")
    _add("wit/workitemtypecategories/{category}", categories, ["GET"], scoped="project")
    _add("wit/workitemicons", icons, ["GET"], scoped="org")
    _add("wit/workitemicons/{icon}", icons, ["GET"], scoped="org")
    _add("wit/artifactlinktypes", artifact_link_types, ["GET"], scoped="org")
    _add("wit/workitemtransitions", transitions, ["GET"], scoped="org")
    _add("wit/workitemrelationtypes", relation_types, ["GET"], scoped="org")
    _add("wit/workitemrelationtypes/{rel}", relation_types, ["GET"], scoped="org")
    # classification nodes
    node_methods = ["GET", "POST", "PATCH", "DELETE"]
    _add("wit/classificationnodes", classification_roots, ["GET"], scoped="project")
    _add("wit/classificationnodes/{group}", classification_node, node_methods, scoped="project")
    _add(
        "wit/classificationnodes/{group}/{path:path}",
        classification_node,
        node_methods,
        scoped="project",
    )
    # saved queries (OPS-B): folders and queries, batch, temporary queries, run by id
    _add("wit/queries", list_queries, ["GET"], scoped="project")
    query_methods = ["GET", "POST", "PATCH", "DELETE"]
    _add("wit/queries/{query:path}", query_item, query_methods, scoped="project")
    _add("wit/queriesbatch", queries_batch, ["POST"])
    _add("wit/tempqueries", temp_queries, ["POST"], scoped="project")
    _add("wit/wiql/{id}", run_saved_query, ["GET", "HEAD"])
    ROUTES.append(
        Route("/{org}/{project}/{team}/_apis/wit/wiql/{id}", run_saved_query, methods=["GET"])
    )
    _add("wit/$batch", batch, ["POST", "PATCH"], scoped="org")
    # comments, attachments, tags, templates (OPS-A)
    item_comments = "wit/workitems/{id:int}/comments"
    one_comment = item_comments + "/{comment:int}"
    _add(item_comments, comments.comments, ["GET"], scoped="project")
    _add(item_comments, comments.add_comment, ["POST"], scoped="project")
    _add(one_comment, comments.comment, ["GET", "PATCH", "DELETE"], scoped="project")
    _add(one_comment + "/versions", comments.versions, ["GET"], scoped="project")
    _add(one_comment + "/versions/{version:int}", comments.versions, ["GET"], scoped="project")
    _add(one_comment + "/reactions", comments.reactions, ["GET"], scoped="project")
    reaction = one_comment + "/reactions/{reaction}"
    _add(reaction, comments.reaction, ["PUT", "DELETE"], scoped="project")
    _add(reaction + "/users", comments.engaged_users, ["GET"], scoped="project")
    _add("wit/attachments", attachments.upload, ["POST"])
    _add("wit/attachments/{attachment}", attachments.download, ["GET"])
    _add("wit/attachments/{attachment}", attachments.upload_chunk, ["PUT"])
    _add("wit/tags", tags.tags, ["GET"], scoped="project")
    _add("wit/tags/{tag}", tags.tag, ["GET", "PATCH", "DELETE"], scoped="project")
    _add("wit/workitems/{type}", wittemplates.work_item_template, ["GET"], scoped="project")
    team_templates = "/{org}/{project}/{team}/_apis/wit/templates"
    ROUTES.append(Route(team_templates, wittemplates.templates, methods=["GET", "POST"]))
    ROUTES.append(
        Route(
            team_templates + "/{template}",
            wittemplates.template,
            methods=["GET", "PUT", "DELETE"],
        )
    )
    ROUTES.extend(PAGE_ROUTES)  # the board as web pages; their paths never contain `_apis`


_build()
