"""Setups of the recorded examples for classification nodes and saved queries: each makes the
nodes, folders and queries its example names and points the request at them."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from openapi_replay import PROJECT, Replay, setup
from openapi_support import operations

NODES = "classificationNodes/"
PATCH = "application/json-patch+json"
DATES = {"startDate": "2014-10-27T00:00:00Z", "finishDate": "2014-10-31T00:00:00Z"}
BUGS = (
    "Select [System.Id], [System.Title], [System.State] From WorkItems Where "
    "[System.WorkItemType] = 'Bug' order by [Microsoft.VSTS.Common.Priority] asc, "
    "[System.CreatedDate] desc"
)
TREE = (
    "SELECT [System.Id],[System.WorkItemType],[System.Title],[System.AssignedTo],[System.State],"
    "[System.Tags] FROM WorkItemLinks WHERE ([Source].[System.TeamProject] = @project AND "
    "[Source].[System.WorkItemType] = 'Product Backlog Item' AND [Source].[System.State] <> "
    "'Removed') AND ([System.Links.LinkType] = 'System.LinkTypes.Hierarchy-Forward') AND "
    "([Target].[System.WorkItemType] = 'Task') mode(Recursive)"
)


# -- classification nodes -------------------------------------------------------------------------


async def _node(replay: Replay, group: str, parent: str, name: str, **extra: Any) -> int:
    where = "/".join(
        ["wit/classificationnodes", group, *(quote(p) for p in parent.split("/") if p)]
    )
    answer = await replay.call("POST", where, {"name": name, **extra})
    return int(answer.json()["id"])


async def _root(replay: Replay, group: str) -> int:
    return int((await replay.call("GET", f"wit/classificationnodes/{group}")).json()["id"])


@setup(
    NODES + "GET__wit_classificationNodes_areas.json",
    NODES + "GET__wit_classificationNodes_areas__depth-2.json",
    NODES + "GET__wit_classificationNodes_iterations.json",
    NODES + "GET__wit_classificationNodes_iterations__depth-2.json",
)
async def a_root_by_group(replay: Replay) -> None:
    """The document files these under `classificationnodes?ids=`, but they were recorded against
    `classificationnodes/{structureGroup}` (their URL and structureGroup say so): send that."""
    group = str(replay.example.parameters["structureGroup"]).lower()
    replay.op = next(
        op
        for op in operations()
        if op.method == "GET"
        and op.template.endswith("/classificationnodes/{structureGroup}/{path}")
    )
    replay.path = {"organization": replay.path["organization"], "project": PROJECT}
    replay.path["structureGroup"] = group
    if group == "areas":
        await _node(replay, group, "", "Devices")
        await _node(replay, group, "Devices", "Surface")
    else:
        await _node(replay, group, "", "Release 1")
        await _node(replay, group, "Release 1", "Sprint 2", attributes=DATES)


@setup(
    NODES + "GET__wit_classificationNodes_From_Ids.json",
    NODES + "GET__wit_classificationNodes_From_Ids_ErrorPolicy.json",
)
async def nodes_by_id(replay: Replay) -> None:
    """The iterations root and an iteration with dates; the ErrorPolicy example asks for a node
    that is not there, which `errorPolicy=omit` (lost from its recorded URL) answers as null."""
    root = await _root(replay, "iterations")
    if "ErrorPolicy" in replay.example.file:
        replay.query["ids"] = f"{root},999999"
        replay.query["errorPolicy"] = "omit"
        return
    dated = await _node(replay, "iterations", "", "Iteration 1", attributes=DATES)
    replay.query["ids"] = f"{root},{dated}"


@setup(
    NODES + "GET__wit_classificationNodes_areas__areaPath_.json",
    NODES + "PATCH__wit_classificationNodes_areas__areaPath_.json",
)
async def the_web_area(replay: Replay) -> None:
    await _node(replay, "areas", "", "Web")


@setup(
    NODES + "GET__wit_classificationNodes_iterations__iterationPath_.json",
    NODES + "PATCH__wit_classificationNodes_iterations__iterationPath_.json",
    NODES + "PATCH__wit_classificationNodes_iterations__iterationPathNew_.json",
)
async def a_dated_iteration(replay: Replay) -> None:
    # Dated unless the example's answer has none (the rename): the document types attribute
    # values as objects, which only examples that show dates excuse.
    dated = "attributes" in (replay.example.body or {})
    extra = {"attributes": DATES} if dated else {}
    await _node(replay, "iterations", "", replay.path["path"], **extra)


@setup(
    NODES + "POST__wit_classificationNodes_areas__areaParent_.json",
    NODES + "POST__wit_classificationNodes_iterations__iterationParent_.json",
)
async def a_node_to_move(replay: Replay) -> None:
    """The new parent, and the node the body names by id."""
    group = replay.path["structureGroup"].lower()
    await _node(replay, group, "", replay.path["path"])
    name = "Website team" if group == "areas" else "Ultimate iteration"
    replay.body = {"id": await _node(replay, group, "", name)}


@setup(
    NODES + "DELETE__wit_classificationNodes_areas__areaParent___reclassifyId-_rootAreaId_.json",
    NODES
    + "DELETE__wit_classificationNodes_iterations__iterationParent___reclassifyId-"
    + "_rootIterationId_.json",
)
async def a_node_to_delete(replay: Replay) -> None:
    """The node, a work item in it, and the root to reclassify the item to."""
    group = replay.path["structureGroup"].lower()
    await _node(replay, group, "", replay.path["path"])
    field = "System.AreaPath" if group == "areas" else "System.IterationPath"
    ops = [
        {"op": "add", "path": "/fields/System.Title", "value": "Reclassified"},
        {"op": "add", "path": f"/fields/{field}", "value": f"{PROJECT}\\{replay.path['path']}"},
    ]
    await replay.call("POST", "wit/workitems/$Task", ops, content_type=PATCH)
    replay.query["$reclassifyId"] = str(await _root(replay, group))


# -- saved queries --------------------------------------------------------------------------------

Q = "queries/"


async def _query(replay: Replay, parent: str, name: str, wiql: str | None = None) -> str:
    body: dict[str, Any] = {"name": name}
    body.update({"wiql": wiql} if wiql else {"isFolder": True})
    answer = await replay.call("POST", f"wit/queries/{quote(parent)}", body)
    return str(answer.json()["id"])


async def _folder(replay: Replay, path: str) -> str:
    """The folder at `path` (in a root: Shared Queries or My Queries) made: its id."""
    parent, name = path.rsplit("/", 1)
    return await _query(replay, parent, name)


async def _bugs_in(replay: Replay, folder: str, name: str) -> tuple[str, str]:
    """The folder at path `folder` made, and in it a query for bugs named `name`: their ids."""
    made = await _folder(replay, folder)
    return made, await _query(replay, folder, name, BUGS)


@setup(Q + "POST__wit_queries_Shared Queries.json")
async def into_shared_queries(replay: Replay) -> None:
    replay.path["query"] = "Shared Queries"


@setup(
    Q + "POST__wit_queries_Shared Queries__folderName_.json",
    Q + "GET__wit_queries_Shared Queries__folderName_.json",
    Q + "PATCH__wit_queries_Shared Queries__folderName_.json",
)
async def a_team_folder(replay: Replay) -> None:
    replay.path["query"] = "Shared Queries/Website team"
    await _folder(replay, replay.path["query"])


@setup(Q + "POST__wit_queries_My Queries.json")
async def a_folder_to_move(replay: Replay) -> None:
    folder, _ = await _bugs_in(replay, "Shared Queries/Website", "All Bugs")
    replay.path["query"] = "My Queries"
    replay.body = {"id": folder}


@setup(
    Q + "GET__wit_queries__queryId_.json",
    Q + "GET__wit_queries__queryId___expand-clauses.json",
    Q + "DELETE__wit_queries__queryId_.json",
)
async def a_query_by_id(replay: Replay) -> None:
    _, replay.path["query"] = await _bugs_in(replay, "Shared Queries/Website team", "All Bugs")


@setup(Q + "GET__wit_queries__hierarchicalQueryId___expand-clauses.json")
async def a_tree_query(replay: Replay) -> None:
    replay.path["query"] = await _query(replay, "Shared Queries", "Active stories", TREE)


@setup(Q + "GET__wit_queries__folderId_.json")
async def a_folder_by_id(replay: Replay) -> None:
    replay.path["query"], _ = await _bugs_in(replay, "Shared Queries/Website team", "All Bugs")


@setup(Q + "GET__wit_queries_Shared Queries__folderName___queryName_.json")
async def a_query_by_path(replay: Replay) -> None:
    await _bugs_in(replay, "Shared Queries/Website team", "All Bugs")
    replay.path["query"] = "Shared Queries/Website team/All Bugs"


@setup(Q + "PATCH__wit_queries_Shared Queries__folderName___queryNameNew_.json")
async def a_query_to_change(replay: Replay) -> None:
    await _bugs_in(replay, "Shared Queries/Website team", "Active Bugs")
    replay.path["query"] = "Shared Queries/Website team/Active Bugs"


@setup(Q + "DELETE__wit_queries_My Queries__folderNameNew_.json")
async def a_folder_to_delete(replay: Replay) -> None:
    replay.path["query"] = "My Queries/Website"
    await _folder(replay, replay.path["query"])


@setup(Q + "GET__wit_queries__queryId___includeDeleted-true.json")
async def a_deleted_query(replay: Replay) -> None:
    _, query = await _bugs_in(replay, "My Queries/Website", "Active Bugs")
    await replay.call("DELETE", f"wit/queries/{query}")
    replay.path["query"] = query


@setup(Q + "PATCH__wit_queries__folderId___undeleteDescendants-true.json")
async def a_deleted_folder(replay: Replay) -> None:
    folder, _ = await _bugs_in(replay, "My Queries/Website", "Active Bugs")
    await replay.call("DELETE", f"wit/queries/{folder}")
    replay.path["query"] = folder


@setup("queriesBatch/POST__wit_queriesbatch_ids-_ids_.json")
async def three_queries(replay: Replay) -> None:
    folder = await _query(replay, "Shared Queries", "Troubleshooting")
    ids = [
        await _query(replay, "Shared Queries/Troubleshooting", "Summary", BUGS),
        await _query(replay, "Shared Queries", "Product Planning", BUGS),
        folder,
    ]
    replay.body = {**(replay.body or {}), "ids": ids}


@setup("wiql/GET__wit_wiql__queryId_.json")
async def a_saved_tree_query(replay: Replay) -> None:
    parent = await replay.create_item("Product Backlog Item", "Story")
    child = await replay.create_item("Task", "Task")
    await replay.call(
        "PATCH",
        f"wit/workitems/{child}",
        [
            {
                "op": "add",
                "path": "/relations/-",
                "value": {
                    "rel": "System.LinkTypes.Hierarchy-Reverse",
                    "url": f"http://emulator/fabrikam/_apis/wit/workItems/{parent}",
                },
            }
        ],
        content_type=PATCH,
        scoped=False,
    )
    replay.path["id"] = await _query(replay, "Shared Queries", "Stories with tasks", TREE)


@setup("workItemTransitions/GET_wit_workItemTransitions.json")
async def items_to_check_in(replay: Replay) -> None:
    made = [await replay.create_item(kind) for kind in ("Bug", "Task", "Task")]
    replay.query["ids"] = ",".join(map(str, made))


# -- organization fields --------------------------------------------------------------------------


@setup("fields/UPDATE_wit_fields_LockField.json", "fields/UPDATE_wit_fields_UndeleteField.json")
async def an_added_field(replay: Replay) -> None:
    """The field the example names, made (and deleted, for the example that restores it)."""
    body = {"name": "New Work Item Field3", "referenceName": "Custom.TestField", "type": "string"}
    await replay.call("POST", "wit/fields", body, scoped=False)
    if replay.body == {"isDeleted": False}:
        await replay.call("DELETE", "wit/fields/Custom.TestField", scoped=False)
    replay.path["fieldNameOrRefName"] = "Custom.TestField"
