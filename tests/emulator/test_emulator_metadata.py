"""Emulator metadata and queries: fields, types, states, relation types, area nodes, WIQL."""

from __future__ import annotations

import json
from typing import Any

import httpx
from starlette.applications import Starlette

V = "api-version=7.1"
PATCH = {"Content-Type": "application/json-patch+json"}


async def wiql(
    http: httpx.AsyncClient, query: str, scope: str = "/o/Fabrikam", params: str = ""
) -> httpx.Response:
    return await http.post(f"{scope}/_apis/wit/wiql?{V}{params}", json={"query": query})


async def create(http: httpx.AsyncClient, kind: str, title: str, *extra: dict[str, Any]) -> int:
    ops = [{"op": "add", "path": "/fields/System.Title", "value": title}, *extra]
    answer = await http.post(
        f"/o/Fabrikam/_apis/wit/workitems/${kind}?{V}", content=json.dumps(ops), headers=PATCH
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["id"])


async def test_fields_by_reference_or_friendly_name(emulator_http: httpx.AsyncClient) -> None:
    fields = (await emulator_http.get(f"/o/_apis/wit/fields?{V}")).json()
    types = {f["referenceName"]: f["type"] for f in fields["value"]}
    assert types["System.Tags"] == "plainText"
    assert types["System.AssignedTo"] == "identity"
    assert types["Microsoft.VSTS.Scheduling.RemainingWork"] == "double"
    one = (await emulator_http.get(f"/o/_apis/wit/fields/Story%20Points?{V}")).json()
    assert one["referenceName"] == "Microsoft.VSTS.Scheduling.StoryPoints"


async def test_work_item_types_states_and_fields_per_process(
    emulator_http: httpx.AsyncClient,
) -> None:
    scrum = (await emulator_http.get(f"/o/Scrummy/_apis/wit/workitemtypes?{V}")).json()
    pbi = next(t for t in scrum["value"] if t["name"] == "Product Backlog Item")
    refs = {f["referenceName"] for f in pbi["fields"]}
    assert "Microsoft.VSTS.Scheduling.Effort" in refs
    assert "Microsoft.VSTS.Scheduling.StoryPoints" not in refs
    assert pbi["transitions"][""] == [{"to": "New", "actions": None}]
    states = (await emulator_http.get(f"/o/Scrummy/_apis/wit/workitemtypes/Task/states?{V}")).json()
    assert [(s["name"], s["category"]) for s in states["value"]] == [
        ("To Do", "Proposed"),
        ("In Progress", "InProgress"),
        ("Done", "Completed"),
        ("Removed", "Removed"),
    ]
    missing = await emulator_http.get(f"/o/Scrummy/_apis/wit/workitemtypes/User%20Story?{V}")
    assert missing.status_code == 404


async def test_relation_types(emulator_http: httpx.AsyncClient) -> None:
    kinds = (await emulator_http.get(f"/o/_apis/wit/workitemrelationtypes?{V}")).json()["value"]
    child = next(k for k in kinds if k["referenceName"] == "System.LinkTypes.Hierarchy-Forward")
    assert child["name"] == "Child"
    assert child["attributes"]["oppositeEndReferenceName"] == "System.LinkTypes.Hierarchy-Reverse"


async def test_classification_nodes_can_be_added_and_used(emulator_http: httpx.AsyncClient) -> None:
    tree = (
        await emulator_http.get(f"/o/Fabrikam/_apis/wit/classificationnodes?$depth=2&{V}")
    ).json()
    iterations = tree["value"][1]
    assert [c["name"] for c in iterations["children"]] == [f"Sprint {n}" for n in range(1, 7)]
    added = await emulator_http.post(
        f"/o/Fabrikam/_apis/wit/classificationnodes/Areas?{V}", json={"name": "Web"}
    )
    assert added.status_code == 201
    assert added.json()["path"] == "\\Fabrikam\\Area\\Web"
    again = await emulator_http.post(
        f"/o/Fabrikam/_apis/wit/classificationnodes/Areas?{V}", json={"name": "web"}
    )
    assert again.status_code == 400
    deeper = await emulator_http.post(
        f"/o/Fabrikam/_apis/wit/classificationnodes/Areas/Web?{V}", json={"name": "UI"}
    )
    assert deeper.json()["path"] == "\\Fabrikam\\Area\\Web\\UI"
    item = await create(
        emulator_http,
        "Task",
        "t",
        {"op": "add", "path": "/fields/System.AreaPath", "value": "FABRIKAM\\web\\ui"},
        {"op": "add", "path": "/fields/System.IterationPath", "value": "Fabrikam\\Sprint 2"},
    )
    read = (await emulator_http.get(f"/o/_apis/wit/workitems/{item}?{V}")).json()["fields"]
    assert read["System.AreaPath"] == "Fabrikam\\Web\\UI"
    assert read["System.IterationPath"] == "Fabrikam\\Sprint 2"
    unknown = await emulator_http.get(f"/o/Fabrikam/_apis/wit/classificationnodes/Areas/Nope?{V}")
    assert unknown.status_code == 404


async def test_wiql_flat_and_link_queries(emulator_http: httpx.AsyncClient) -> None:
    parent = await create(
        emulator_http,
        "Feature",
        "parent",
        {"op": "add", "path": "/fields/System.Tags", "value": "web"},
    )
    link = {
        "op": "add",
        "path": "/relations/-",
        "value": {
            "rel": "System.LinkTypes.Hierarchy-Reverse",
            "url": f"http://x/o/_apis/wit/workItems/{parent}",
        },
    }
    child = await create(emulator_http, "User Story", "child", link)
    flat = (
        await wiql(
            emulator_http, "SELECT [System.Title] FROM WorkItems WHERE [System.Tags] CONTAINS 'WEB'"
        )
    ).json()
    assert flat["queryType"] == "flat"
    assert [w["id"] for w in flat["workItems"]] == [parent]
    assert flat["columns"][0]["referenceName"] == "System.Title"
    tree = (
        await wiql(
            emulator_http,
            "SELECT [System.Id] FROM WorkItemLinks WHERE "
            "[Source].[System.WorkItemType] = 'Feature' AND "
            "[System.Links.LinkType] = 'System.LinkTypes.Hierarchy-Forward' MODE (Recursive)",
        )
    ).json()
    assert tree["queryType"] == "tree"
    assert [
        (r.get("rel"), r.get("source", {}).get("id"), r["target"]["id"])
        for r in tree["workItemRelations"]
    ] == [(None, None, parent), ("System.LinkTypes.Hierarchy-Forward", parent, child)]


async def test_wiql_errors_are_400_with_the_server_text(emulator_http: httpx.AsyncClient) -> None:
    unknown = await wiql(emulator_http, "SELECT [System.Id] FROM WorkItems WHERE [Custom.Nope] = 1")
    assert unknown.status_code == 400
    assert unknown.json()["message"].startswith("TF51005")
    org_level = await wiql(
        emulator_http,
        "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project",
        "/o",
    )
    assert org_level.status_code == 400
    long = await wiql(
        emulator_http,
        "SELECT [System.Id] FROM WorkItems WHERE " + " OR ".join(["[System.Id] = 1"] * 3000),
    )
    assert long.status_code == 400
    assert long.json()["typeKey"] == "WorkItemTrackingQueryMaxWiqlTextLengthLimitExceededException"
    assert (
        await wiql(emulator_http, "SELECT [System.Id] FROM WorkItems", params="&$top=0")
    ).status_code == 400
    empty = await emulator_http.post(f"/o/_apis/wit/wiql?{V}", json={})
    assert empty.json()["message"] == "You must pass a query object in the body of the request."


async def test_wiql_over_20000_results_needs_a_smaller_top(
    emulator_app: Starlette, emulator_http: httpx.AsyncClient
) -> None:
    store = emulator_app.state.emulator.store
    await emulator_http.get(f"/o/_apis/projects?{V}")  # the organization now exists
    fields = json.dumps(
        {"System.Title": "bulk", "System.WorkItemType": "Task", "System.State": "New"}
    )
    with store.write() as conn:
        conn.executemany(
            "INSERT INTO work_items VALUES ('o', ?, 'Fabrikam', 1, 0, ?, '[]')",
            [(n, fields) for n in range(1, 20_002)],
        )
    too_many = await wiql(emulator_http, "SELECT [System.Id] FROM WorkItems")
    assert too_many.status_code == 400
    assert too_many.json()["message"].startswith("VS402337")
    top = await wiql(
        emulator_http, "SELECT [System.Id] FROM WorkItems ORDER BY [System.Id]", params="&$top=5"
    )
    assert [w["id"] for w in top.json()["workItems"]] == [1, 2, 3, 4, 5]


async def test_no_array_wrap_returns_bare_arrays(emulator_http: httpx.AsyncClient) -> None:
    accept = {"Accept": "application/json; api-version=7.1; noArrayWrap=true"}
    answer = await emulator_http.get("/o/_apis/projects", headers=accept)
    assert isinstance(answer.json(), list)
    assert {p["name"] for p in answer.json()} == {"Fabrikam", "Scrummy"}
