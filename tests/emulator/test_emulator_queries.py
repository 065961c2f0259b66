"""Emulator saved queries as documented: folders and queries, expand, move, delete, run by id."""

from __future__ import annotations

from typing import Any

import httpx
from emulator_support import new_item

V = "api-version=7.1"
Q = "/o/Fabrikam/_apis/wit/queries"
BUGS = (
    "Select [System.Id], [System.Title] From WorkItems Where [System.WorkItemType] = 'Bug' "
    "order by [Microsoft.VSTS.Common.Priority] asc, [System.CreatedDate] desc"
)
TREE = (
    "SELECT [System.Id] FROM WorkItemLinks WHERE ([Source].[System.WorkItemType] = 'Feature') "
    "AND ([System.Links.LinkType] = 'System.LinkTypes.Hierarchy-Forward') AND "
    "([Target].[System.WorkItemType] = 'User Story') MODE (Recursive)"
)


async def save(http: httpx.AsyncClient, parent: str, **body: Any) -> dict[str, Any]:
    answer = await http.post(f"{Q}/{parent}?{V}", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def test_folders_and_queries_by_path_id_depth_and_expand(
    emulator_http: httpx.AsyncClient,
) -> None:
    roots = (await emulator_http.get(f"{Q}?{V}")).json()
    assert [(r["name"], r["isPublic"], r["isFolder"]) for r in roots["value"]] == [
        ("My Queries", False, True),
        ("Shared Queries", True, True),
    ]
    folder = await save(emulator_http, "Shared%20Queries", name="Website team", isFolder=True)
    assert folder["path"] == "Shared Queries/Website team"
    assert folder["hasChildren"] is False
    assert folder["_links"]["parent"]["href"].endswith(f"/wit/queries/{roots['value'][1]['id']}")
    query = await save(emulator_http, "Shared%20Queries/Website%20team", name="All Bugs", wiql=BUGS)
    # A create answers everything: WIQL, columns, sort columns, clauses.
    assert query["wiql"] == BUGS
    assert query["queryType"] == "flat"
    assert [c["referenceName"] for c in query["columns"]] == ["System.Id", "System.Title"]
    assert [(s["field"]["referenceName"], s["descending"]) for s in query["sortColumns"]] == [
        ("Microsoft.VSTS.Common.Priority", False),
        ("System.CreatedDate", True),
    ]
    assert query["clauses"]["operator"] == {
        "referenceName": "SupportedOperations.Equals",
        "name": "=",
    }
    assert query["clauses"]["value"] == "Bug"
    assert query["_links"]["wiql"]["href"].endswith(f"/_apis/wit/wiql/{query['id']}")
    # Paths are matched whatever their case; the answer spells them as saved.
    by_path = (
        await emulator_http.get(f"{Q}/shared%20queries/WEBSITE%20TEAM/all%20bugs?{V}")
    ).json()
    assert (by_path["id"], by_path["path"]) == (query["id"], "Shared Queries/Website team/All Bugs")
    assert "wiql" not in by_path
    assert "clauses" not in by_path
    with_wiql = (await emulator_http.get(f"{Q}/{query['id']}?$expand=wiql&{V}")).json()
    assert with_wiql["wiql"] == BUGS
    assert "clauses" not in with_wiql
    deep = (await emulator_http.get(f"{Q}?$depth=2&{V}")).json()
    shared = deep["value"][1]
    assert shared["children"][0]["name"] == "Website team"
    assert shared["children"][0]["children"][0]["name"] == "All Bugs"
    shallow = (await emulator_http.get(f"{Q}?$depth=1&{V}")).json()
    assert "children" not in shallow["value"][1]["children"][0]
    assert (await emulator_http.get(f"{Q}?$depth=3&{V}")).status_code == 400
    missing = await emulator_http.get(f"{Q}/Shared%20Queries/Nope?{V}")
    assert missing.status_code == 404
    assert missing.json()["typeKey"] == "QueryItemNotFoundException"


async def test_tree_query_clauses(emulator_http: httpx.AsyncClient) -> None:
    tree = await save(emulator_http, "My%20Queries", name="Features", wiql=TREE)
    assert tree["queryType"] == "tree"
    assert tree["filterOptions"] == "linksRecursiveMayContain"
    assert tree["sourceClauses"]["value"] == "Feature"
    assert tree["targetClauses"]["value"] == "User Story"
    assert tree["linkClauses"]["field"]["referenceName"] == "System.Links.LinkType"
    assert tree["isPublic"] is False


async def test_rename_new_wiql_move_and_refusals(emulator_http: httpx.AsyncClient) -> None:
    team = await save(emulator_http, "Shared%20Queries", name="Team", isFolder=True)
    query = await save(emulator_http, "Shared%20Queries/Team", name="Bugs", wiql=BUGS)
    renamed = await emulator_http.patch(f"{Q}/{team['id']}?{V}", json={"name": "Website"})
    assert renamed.json()["path"] == "Shared Queries/Website"
    active = BUGS.replace("'Bug'", "'Bug' AND [System.State] = 'Active'")
    changed = await emulator_http.patch(
        f"{Q}/Shared%20Queries/Website/Bugs?{V}", json={"wiql": active, "name": "Active Bugs"}
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["wiql"]) == ("Active Bugs", active)
    assert body["clauses"]["logicalOperator"] == "and"
    assert [c["value"] for c in body["clauses"]["clauses"]] == ["Bug", "Active"]
    bad = await emulator_http.patch(
        f"{Q}/{query['id']}?{V}", json={"wiql": "SELECT [Custom.Nope] FROM WorkItems"}
    )
    assert bad.status_code == 400
    moved = await emulator_http.post(f"{Q}/My%20Queries?{V}", json={"id": team["id"]})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["path"], moved.json()["isPublic"]) == ("My Queries/Website", False)
    inner = (await emulator_http.get(f"{Q}/{query['id']}?{V}")).json()
    assert inner["path"] == "My Queries/Website/Active Bugs"
    assert inner["isPublic"] is False
    into_itself = await emulator_http.post(f"{Q}/My%20Queries/Website?{V}", json={"id": team["id"]})
    assert into_itself.status_code == 400
    await save(emulator_http, "My%20Queries", name="Other", isFolder=True)
    clash = await emulator_http.patch(f"{Q}/{team['id']}?{V}", json={"name": "other"})
    assert clash.status_code == 409
    twice = await emulator_http.post(
        f"{Q}/My%20Queries?{V}", json={"name": "OTHER", "isFolder": True}
    )
    assert twice.status_code == 409
    under_query = await emulator_http.post(
        f"{Q}/{query['id']}?{V}", json={"name": "x", "isFolder": True}
    )
    assert under_query.status_code == 400
    root = await emulator_http.delete(f"{Q}/My%20Queries?{V}")
    assert root.status_code == 400
    only_checked = await emulator_http.post(
        f"{Q}/My%20Queries?validateWiqlOnly=true&{V}", json={"name": "v", "wiql": BUGS}
    )
    assert only_checked.status_code == 200
    assert (await emulator_http.get(f"{Q}/My%20Queries/v?{V}")).status_code == 404


async def test_delete_include_deleted_and_undelete(emulator_http: httpx.AsyncClient) -> None:
    folder = await save(emulator_http, "My%20Queries", name="Website", isFolder=True)
    query = await save(emulator_http, "My%20Queries/Website", name="Active Bugs", wiql=BUGS)
    gone = await emulator_http.delete(f"{Q}/My%20Queries/Website?{V}")
    assert gone.status_code == 204
    assert (await emulator_http.get(f"{Q}/{query['id']}?{V}")).status_code == 404
    assert (
        await emulator_http.get(f"/o/Fabrikam/_apis/wit/wiql/{query['id']}?{V}")
    ).status_code == 404
    shown = (await emulator_http.get(f"{Q}/{query['id']}?$includeDeleted=true&{V}")).json()
    assert shown["isDeleted"] is True
    listed = (await emulator_http.get(f"{Q}?$depth=2&{V}")).json()
    assert "children" not in listed["value"][0]
    everything = (await emulator_http.get(f"{Q}?$depth=2&$includeDeleted=true&{V}")).json()
    assert everything["value"][0]["children"][0]["isDeleted"] is True
    # A deleted name is free again.
    await save(emulator_http, "My%20Queries", name="Website", isFolder=True)
    clash = await emulator_http.patch(f"{Q}/{folder['id']}?{V}", json={"isDeleted": False})
    assert clash.status_code == 409
    await emulator_http.delete(f"{Q}/My%20Queries/Website?{V}")
    back = await emulator_http.patch(
        f"{Q}/{folder['id']}?$undeleteDescendants=true&{V}", json={"isDeleted": False}
    )
    assert back.status_code == 200, back.text
    assert "isDeleted" not in back.json()
    assert [c["name"] for c in back.json()["children"]] == ["Active Bugs"]
    assert "isDeleted" not in (await emulator_http.get(f"{Q}/{query['id']}?{V}")).json()


async def test_run_saved_and_temporary_queries(emulator_http: httpx.AsyncClient) -> None:
    bug = await new_item(emulator_http, "/o/Fabrikam", "Bug", kind="Bug")
    await new_item(emulator_http, "/o/Fabrikam", "Task")
    query = await save(emulator_http, "Shared%20Queries", name="Bugs", wiql=BUGS)
    assert "lastExecutedBy" not in query
    ran = await emulator_http.get(f"/o/Fabrikam/_apis/wit/wiql/{query['id']}?{V}")
    assert ran.status_code == 200, ran.text
    assert [w["id"] for w in ran.json()["workItems"]] == [bug]
    assert ran.headers["x-total-count"] == "1"
    head = await emulator_http.head(f"/o/Fabrikam/Fabrikam%20Team/_apis/wit/wiql/{query['id']}?{V}")
    assert head.status_code == 200
    assert head.headers["x-total-count"] == "1"
    assert head.content == b""
    read = (await emulator_http.get(f"{Q}/{query['id']}?{V}")).json()
    assert read["lastExecutedBy"]["uniqueName"] == "local.user@local-board.invalid"
    temp = await emulator_http.post(f"/o/Fabrikam/_apis/wit/tempqueries?{V}", json={"wiql": BUGS})
    assert set(temp.json()) == {"id"}
    again = await emulator_http.get(f"/o/Fabrikam/_apis/wit/wiql/{temp.json()['id']}?{V}")
    assert [w["id"] for w in again.json()["workItems"]] == [bug]
    assert (await emulator_http.get(f"{Q}/{temp.json()['id']}?{V}")).status_code == 404
    bad = await emulator_http.post(
        f"/o/Fabrikam/_apis/wit/tempqueries?{V}", json={"wiql": "SELECT FROM"}
    )
    assert bad.status_code == 400


async def test_queries_batch(emulator_http: httpx.AsyncClient) -> None:
    folder = await save(emulator_http, "Shared%20Queries", name="Planning", isFolder=True)
    query = await save(emulator_http, "Shared%20Queries/Planning", name="Bugs", wiql=BUGS)
    unknown = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
    url = f"/o/Fabrikam/_apis/wit/queriesbatch?{V}"
    both = (await emulator_http.post(url, json={"ids": [query["id"], folder["id"]]})).json()
    assert [(i["name"], i.get("queryType")) for i in both["value"]] == [
        ("Bugs", "flat"),
        ("Planning", None),
    ]
    failed = await emulator_http.post(url, json={"ids": [query["id"], unknown]})
    assert failed.status_code == 404
    omitted = await emulator_http.post(
        url, json={"ids": [query["id"], unknown], "errorPolicy": "omit", "$expand": "wiql"}
    )
    assert omitted.json()["value"][0]["wiql"] == BUGS
    assert omitted.json()["value"][1] is None
    org_level = await emulator_http.post(
        f"/o/_apis/wit/queriesbatch?{V}", json={"ids": [query["id"]]}
    )
    assert org_level.json()["value"][0]["path"] == "Shared Queries/Planning/Bugs"
    other_project = await emulator_http.post(
        f"/o/Scrummy/_apis/wit/queriesbatch?{V}", json={"ids": [query["id"]]}
    )
    assert other_project.status_code == 404
