"""Project tags as the service keeps them: a tag exists once an item used it, is read by id or
name, renamed on every item that carries it, deleted from them all."""

from __future__ import annotations

import json
from typing import Any

import httpx

V = "api-version=7.1"
PATCH = {"Content-Type": "application/json-patch+json"}
JSON = {"Content-Type": "application/json"}
ORG = "/fabrikam-org"
TAGS = f"{ORG}/Fabrikam/_apis/wit/tags"


async def create(http: httpx.AsyncClient, tags: str, project: str = "Fabrikam") -> int:
    ops = [
        {"op": "add", "path": "/fields/System.Title", "value": "Tagged"},
        {"op": "add", "path": "/fields/System.Tags", "value": tags},
    ]
    answer = await http.post(
        f"{ORG}/{project}/_apis/wit/workitems/$Task?{V}", content=json.dumps(ops), headers=PATCH
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["id"])


async def item(http: httpx.AsyncClient, id: int) -> Any:
    return (await http.get(f"{ORG}/_apis/wit/workitems/{id}?{V}")).json()


async def test_tags_of_the_project_are_listed_once_used(emulator_http: httpx.AsyncClient) -> None:
    await create(emulator_http, "my-first-tag; Shared")
    await create(emulator_http, "shared; my-second-tag")
    await create(emulator_http, "elsewhere", project="Scrummy")
    listed = (await emulator_http.get(f"{TAGS}?{V}")).json()
    assert listed["count"] == 3
    assert [t["name"] for t in listed["value"]] == ["my-first-tag", "my-second-tag", "Shared"]
    first = listed["value"][0]
    assert set(first) == {"id", "name", "url", "lastUpdated"}
    assert first["url"].endswith(f"/_apis/wit/tags/{first['id']}")
    by_id = (await emulator_http.get(f"{TAGS}/{first['id']}?{V}")).json()
    by_name = (await emulator_http.get(f"{TAGS}/MY-FIRST-TAG?{V}")).json()
    assert by_id == by_name == first
    missing = await emulator_http.get(f"{TAGS}/nope?{V}")
    assert missing.status_code == 404
    assert missing.json()["typeKey"] == "TagDefinitionNotFoundException"


async def test_a_tag_stays_defined_after_its_items_drop_it(
    emulator_http: httpx.AsyncClient,
) -> None:
    id = await create(emulator_http, "passing")
    before = (await emulator_http.get(f"{TAGS}/passing?{V}")).json()
    await emulator_http.patch(
        f"{ORG}/_apis/wit/workitems/{id}?{V}",
        content=json.dumps([{"op": "remove", "path": "/fields/System.Tags"}]),
        headers=PATCH,
    )
    after = (await emulator_http.get(f"{TAGS}/passing?{V}")).json()
    assert after["id"] == before["id"]


async def test_rename_changes_the_tag_on_its_items_without_a_revision(
    emulator_http: httpx.AsyncClient,
) -> None:
    a = await create(emulator_http, "old-name; zeta")
    b = await create(emulator_http, "Old-Name")
    other = await create(emulator_http, "old-name", project="Scrummy")
    tag = (await emulator_http.get(f"{TAGS}/old-name?{V}")).json()
    renamed = await emulator_http.patch(
        f"{TAGS}/{tag['id']}?{V}", content=json.dumps({"name": "Alpha"}), headers=JSON
    )
    assert renamed.status_code == 200
    assert (renamed.json()["id"], renamed.json()["name"]) == (tag["id"], "Alpha")
    first = await item(emulator_http, a)
    assert first["fields"]["System.Tags"] == "Alpha; zeta"
    assert first["rev"] == 1
    second = await item(emulator_http, b)
    assert second["fields"]["System.Tags"] == "Alpha"
    untouched = await item(emulator_http, other)
    assert untouched["fields"]["System.Tags"] == "old-name"
    assert (await emulator_http.get(f"{TAGS}/old-name?{V}")).status_code == 404
    clash = await emulator_http.patch(
        f"{TAGS}/zeta?{V}", content=json.dumps({"name": "ALPHA"}), headers=JSON
    )
    assert clash.status_code == 409
    assert clash.json()["typeKey"] == "DuplicateTagNameException"
    bad = await emulator_http.patch(
        f"{TAGS}/zeta?{V}", content=json.dumps({"name": "a;b"}), headers=JSON
    )
    assert bad.status_code == 400
    later = await create(emulator_http, "alpha")  # the definition's spelling is reused
    assert (await item(emulator_http, later))["fields"]["System.Tags"] == "Alpha"


async def test_delete_removes_the_tag_from_every_item(emulator_http: httpx.AsyncClient) -> None:
    a = await create(emulator_http, "doomed; kept")
    b = await create(emulator_http, "doomed")
    tag = (await emulator_http.get(f"{TAGS}/doomed?{V}")).json()
    gone = await emulator_http.delete(f"{TAGS}/{tag['id']}?{V}")
    assert gone.status_code == 200
    assert (await item(emulator_http, a))["fields"]["System.Tags"] == "kept"
    assert "System.Tags" not in (await item(emulator_http, b))["fields"]
    names = [t["name"] for t in (await emulator_http.get(f"{TAGS}?{V}")).json()["value"]]
    assert names == ["kept"]
    again = await emulator_http.delete(f"{TAGS}/{tag['id']}?{V}")
    assert again.status_code == 200  # deleting what is not there is no error
