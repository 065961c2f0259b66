"""The recycle bin as the reference examples show it: the list is shallow references, `?ids=`
gives one reference per item, one item carries its resource (fields and relations), and a PATCH
of `{"isDeleted": false}` restores it."""

from __future__ import annotations

import httpx
from emulator_support import new_item

V = "api-version=7.1"
ORG = "/fabrikam-org"
PROJECT = f"{ORG}/Fabrikam"
BIN = f"{PROJECT}/_apis/wit/recyclebin"
MARKER = {"rel": "Hyperlink", "url": "https://witsync.invalid/team/story"}


async def test_the_list_is_shallow_and_ids_give_references(
    emulator_http: httpx.AsyncClient,
) -> None:
    first = await new_item(emulator_http, PROJECT, "first")
    second = await new_item(emulator_http, PROJECT, "second")
    await new_item(emulator_http, PROJECT, "kept")
    for id in (first, second):
        assert (await emulator_http.delete(f"{ORG}/_apis/wit/workitems/{id}?{V}")).is_success
    listed = (await emulator_http.get(f"{BIN}?{V}")).json()
    assert listed["count"] == 2
    assert [set(entry) for entry in listed["value"]] == [{"id", "url"}] * 2
    assert [entry["id"] for entry in listed["value"]] == [first, second]
    named = (await emulator_http.get(f"{BIN}?ids={second},{first}&{V}")).json()["value"]
    assert [(entry["id"], entry["name"], entry["type"]) for entry in named] == [
        (second, "second", "Task"),
        (first, "first", "Task"),
    ]
    assert all("resource" not in entry and entry["deletedBy"] for entry in named)


async def test_one_deleted_item_carries_its_fields_and_hyperlinks(
    emulator_http: httpx.AsyncClient,
) -> None:
    marker = {"op": "add", "path": "/relations/-", "value": MARKER}
    id = await new_item(emulator_http, PROJECT, "story", marker)
    await emulator_http.delete(f"{ORG}/_apis/wit/workitems/{id}?{V}")
    one = (await emulator_http.get(f"{BIN}/{id}?{V}")).json()
    assert one["resource"]["fields"]["System.Title"] == "story"
    assert [r["url"] for r in one["resource"]["relations"]] == [MARKER["url"]]


async def test_restore_reads_is_deleted_in_any_case(emulator_http: httpx.AsyncClient) -> None:
    """Json.NET binds property names case-insensitively: `IsDeleted` restores too."""
    id = await new_item(emulator_http, PROJECT, "story")
    await emulator_http.delete(f"{ORG}/_apis/wit/workitems/{id}?{V}")
    restored = await emulator_http.patch(f"{BIN}/{id}?{V}", json={"IsDeleted": False})
    assert restored.status_code == 200, restored.text
    assert restored.json()["resource"]["id"] == id
    assert (await emulator_http.get(f"{ORG}/_apis/wit/workitems/{id}?{V}")).status_code == 200
    again = await emulator_http.patch(f"{BIN}/{id}?{V}", json={"isDeleted": False})
    assert again.status_code == 404  # no longer in the bin
    refused = await emulator_http.patch(f"{BIN}/{id}?{V}", json={"isDeleted": True})
    assert refused.status_code in (400, 404)
