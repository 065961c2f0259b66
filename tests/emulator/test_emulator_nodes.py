"""Emulator classification nodes as documented: ids, depth, dates, rename, move, delete."""

from __future__ import annotations

from typing import Any

import httpx
from emulator_support import field, new_item

V = "api-version=7.1"
NODES = "/o/Fabrikam/_apis/wit/classificationnodes"


async def node(http: httpx.AsyncClient, where: str, **body: Any) -> dict[str, Any]:
    answer = await http.post(f"{NODES}/{where}?{V}", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def item_paths(http: httpx.AsyncClient, item: int) -> tuple[str, str]:
    fields = (await http.get(f"/o/_apis/wit/workitems/{item}?{V}")).json()["fields"]
    return fields["System.AreaPath"], fields["System.IterationPath"]


async def create_item(http: httpx.AsyncClient, area: str, iteration: str = "Fabrikam") -> int:
    in_nodes = field("System.AreaPath", area), field("System.IterationPath", iteration)
    return await new_item(http, "/o/Fabrikam", "t", *in_nodes)


async def test_iteration_dates_are_stored_and_links_written(
    emulator_http: httpx.AsyncClient,
) -> None:
    dates = {"startDate": "2014-10-27T00:00:00Z", "finishDate": "2014-10-31T00:00:00Z"}
    made = await node(emulator_http, "Iterations", name="Final Iteration", attributes=dates)
    assert made["attributes"] == dates
    assert made["url"].endswith("/_apis/wit/classificationNodes/Iterations/Final%20Iteration")
    assert made["_links"]["self"]["href"] == made["url"]
    assert made["_links"]["parent"]["href"].endswith("/_apis/wit/classificationNodes/Iterations")
    read = (await emulator_http.get(f"{NODES}/Iterations/Final%20Iteration?{V}")).json()
    assert read["attributes"] == dates
    root = (await emulator_http.get(f"{NODES}/Iterations?{V}")).json()
    assert "parent" not in root["_links"]
    half = await emulator_http.post(
        f"{NODES}/Iterations?{V}", json={"name": "x", "attributes": {"startDate": "2014-10-27"}}
    )
    assert half.status_code == 400
    backwards = {"startDate": "2014-10-31T00:00:00Z", "finishDate": "2014-10-27T00:00:00Z"}
    wrong = await emulator_http.post(
        f"{NODES}/Iterations?{V}", json={"name": "y", "attributes": backwards}
    )
    assert wrong.status_code == 400


async def test_root_nodes_by_ids_and_depth(emulator_http: httpx.AsyncClient) -> None:
    web = await node(emulator_http, "Areas", name="Web")
    await node(emulator_http, "Areas/Web", name="UI")
    sprint = (await emulator_http.get(f"{NODES}/Iterations/Sprint%201?{V}")).json()
    both = (await emulator_http.get(f"{NODES}?ids={web['id']},{sprint['id']}&{V}")).json()
    assert [(n["id"], n["name"]) for n in both["value"]] == [
        (web["id"], "Web"),
        (sprint["id"], "Sprint 1"),
    ]
    assert "children" not in both["value"][0]
    assert both["value"][0]["_links"]["parent"]["href"].endswith("/classificationNodes/Areas")
    deep = (await emulator_http.get(f"{NODES}?ids={web['id']}&$depth=1&{V}")).json()
    assert [c["name"] for c in deep["value"][0]["children"]] == ["UI"]
    missing = await emulator_http.get(f"{NODES}?ids={web['id']},999999&{V}")
    assert missing.status_code == 404
    omitted = (
        await emulator_http.get(f"{NODES}?ids={web['id']},999999&errorPolicy=omit&{V}")
    ).json()
    assert omitted["count"] == 2
    assert omitted["value"][1] is None
    # Another project's node is not this project's to show.
    scrummy = "/o/Scrummy/_apis/wit/classificationnodes"
    other = await emulator_http.get(f"{scrummy}?ids={web['id']}&{V}")
    assert other.status_code == 404
    roots = (await emulator_http.get(f"{NODES}?{V}")).json()
    assert [r["structureType"] for r in roots["value"]] == ["area", "iteration"]
    assert all("children" not in r for r in roots["value"])
    deeper = (await emulator_http.get(f"{NODES}?$depth=2&{V}")).json()
    assert [c["name"] for c in deeper["value"][0]["children"][0]["children"]] == ["UI"]


async def test_rename_and_dates_by_patch_follow_into_work_items(
    emulator_http: httpx.AsyncClient,
) -> None:
    await node(emulator_http, "Areas", name="Web")
    await node(emulator_http, "Areas/Web", name="UI")
    item = await create_item(emulator_http, "Fabrikam\\Web\\UI", "Fabrikam\\Sprint 2")
    renamed = await emulator_http.patch(f"{NODES}/Areas/Web?{V}", json={"name": "Website team"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Website team"
    assert renamed.json()["path"] == "\\Fabrikam\\Area\\Website team"
    assert await item_paths(emulator_http, item) == (
        "Fabrikam\\Website team\\UI",
        "Fabrikam\\Sprint 2",
    )
    old = await emulator_http.get(f"{NODES}/Areas/Web/UI?{V}")
    assert old.status_code == 404
    assert (await emulator_http.get(f"{NODES}/Areas/Website%20team/UI?{V}")).status_code == 200
    dates = {"startDate": "2015-01-26T00:00:00Z", "finishDate": "2015-01-30T00:00:00Z"}
    dated = await emulator_http.patch(
        f"{NODES}/Iterations/Sprint%202?{V}", json={"name": "Ultimate", "attributes": dates}
    )
    assert dated.json()["attributes"] == dates
    assert await item_paths(emulator_http, item) == (
        "Fabrikam\\Website team\\UI",
        "Fabrikam\\Ultimate",
    )
    cleared = await emulator_http.patch(
        f"{NODES}/Iterations/Ultimate?{V}",
        json={"attributes": {"startDate": None, "finishDate": None}},
    )
    assert "attributes" not in cleared.json()
    clash = await emulator_http.patch(f"{NODES}/Iterations/Ultimate?{V}", json={"name": "sprint 3"})
    assert clash.status_code == 400
    assert clash.json()["message"].startswith("VS402371")
    root = await emulator_http.patch(f"{NODES}/Areas?{V}", json={"name": "Other"})
    assert root.status_code == 400


async def test_move_by_posting_the_id_under_a_new_parent(emulator_http: httpx.AsyncClient) -> None:
    web = await node(emulator_http, "Areas", name="Web")
    await node(emulator_http, "Areas/Web", name="UI")
    parent = await node(emulator_http, "Areas", name="Parent Area")
    item = await create_item(emulator_http, "Fabrikam\\Web\\UI")
    moved = await emulator_http.post(f"{NODES}/Areas/Parent%20Area?{V}", json={"id": web["id"]})
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert (body["id"], body["name"]) == (web["id"], "Web")
    assert body["path"] == "\\Fabrikam\\Area\\Parent Area\\Web"
    assert body["_links"]["parent"]["href"].endswith("/Areas/Parent%20Area")
    assert (await item_paths(emulator_http, item))[0] == "Fabrikam\\Parent Area\\Web\\UI"
    tree = (await emulator_http.get(f"{NODES}/Areas?$depth=3&{V}")).json()
    assert [c["name"] for c in tree["children"]] == ["Parent Area"]
    into_itself = await emulator_http.post(
        f"{NODES}/Areas/Parent%20Area/Web/UI?{V}", json={"id": parent["id"]}
    )
    assert into_itself.status_code == 400
    sprint = (await emulator_http.get(f"{NODES}/Iterations/Sprint%201?{V}")).json()
    across = await emulator_http.post(f"{NODES}/Areas?{V}", json={"id": sprint["id"]})
    assert across.status_code == 404


async def test_delete_reclassifies_work_items(emulator_http: httpx.AsyncClient) -> None:
    await node(emulator_http, "Areas", name="Old")
    await node(emulator_http, "Areas/Old", name="Inner")
    keep = await node(emulator_http, "Areas", name="Keep")
    item = await create_item(emulator_http, "Fabrikam\\Old\\Inner")
    refused = await emulator_http.delete(f"{NODES}/Areas/Old?{V}")
    assert refused.status_code == 400
    into_itself = await emulator_http.get(f"{NODES}/Areas/Old/Inner?{V}")
    inner_id = into_itself.json()["id"]
    wrong = await emulator_http.delete(f"{NODES}/Areas/Old?$reclassifyId={inner_id}&{V}")
    assert wrong.status_code == 400
    gone = await emulator_http.delete(f"{NODES}/Areas/Old?$reclassifyId={keep['id']}&{V}")
    assert gone.status_code == 204
    assert (await item_paths(emulator_http, item))[0] == "Fabrikam\\Keep"
    assert (await emulator_http.get(f"{NODES}/Areas/Old/Inner?{V}")).status_code == 404
    unused = await emulator_http.delete(f"{NODES}/Iterations/Sprint%206?{V}")
    assert unused.status_code == 204
    assert (await emulator_http.delete(f"{NODES}/Areas?{V}")).status_code == 400
    # A recreated node of the same name is a new node: no dates, no items.
    again = await node(emulator_http, "Areas", name="Old")
    assert again["hasChildren"] is False
