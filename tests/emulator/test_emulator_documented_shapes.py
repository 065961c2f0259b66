"""Deviations from Microsoft's recorded examples (issue 14 point 2), each fixed, each a test:
identities bypassRules stored as given, picklists as strings, `_links` on one update or revision
and on a read as of a moment, the recycle bin's resource, a first update's links, null-free
history, moving an item to another project, and every route advertised to the official clients
served."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from witsync.emulator.app import routed
from witsync.emulator.discovery import LOCATIONS

V = "api-version=7.1"
PATCH = {"Content-Type": "application/json-patch+json"}
ORG = "/fabrikam-org"
API = f"{ORG}/_apis/wit"
FAB = f"{ORG}/Fabrikam/_apis/wit"


def add(path: str, value: Any) -> dict[str, Any]:
    return {"op": "add", "path": path, "value": value}


async def create(http: httpx.AsyncClient, *ops: dict[str, Any], kind: str = "Task") -> Any:
    body = [add("/fields/System.Title", "item"), *ops]
    url = f"{FAB}/workitems/${kind}?{V}"
    answer = await http.post(url, content=json.dumps(body), headers=PATCH)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def patch(http: httpx.AsyncClient, id: int, *ops: dict[str, Any], query: str = "") -> Any:
    answer = await http.patch(
        f"{API}/workitems/{id}?{V}{query}", content=json.dumps(list(ops)), headers=PATCH
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_an_identity_bypass_rules_stored_as_given_stays_that_string(
    emulator_http: httpx.AsyncClient,
) -> None:
    """The recorded bypassRules example answers `"Invalid Value"`; it used to grow into
    `"Invalid Value <Invalid Value>"` on every later item (the name was remembered as a person)."""
    invalid = add("/fields/System.AssignedTo", "Invalid Value")
    for _ in range(2):
        item = await create(emulator_http)
        answer = await patch(emulator_http, item["id"], invalid, query="&bypassRules=true")
        assert answer["fields"]["System.AssignedTo"] == "Invalid Value"
    read = (await emulator_http.get(f"{API}/workitems/{item['id']}?{V}")).json()
    assert read["fields"]["System.AssignedTo"] == "Invalid Value"
    unknown = await emulator_http.patch(
        f"{API}/workitems/{item['id']}?{V}",
        content=json.dumps([invalid]),
        headers=PATCH,
    )
    assert unknown.status_code == 400  # without bypassRules it is still no one
    assert "unknown identity" in unknown.json()["message"]


async def test_number_picklists_and_defaults_are_strings(emulator_http: httpx.AsyncClient) -> None:
    """Priority lists `["1","2","3","4"]` as the schema and the recorded example have it; a field
    without a default has no `defaultValue` (the service leaves null properties out)."""
    bug = (await emulator_http.get(f"{FAB}/workitemtypes/Bug?{V}")).json()
    fields = {f["referenceName"]: f for f in bug["fieldInstances"]}
    priority = fields["Microsoft.VSTS.Common.Priority"]
    assert priority["allowedValues"] == ["1", "2", "3", "4"]
    assert priority["defaultValue"] == "2"
    assert "defaultValue" not in fields["System.Title"]
    assert bug["_links"] == {"self": {"href": bug["url"]}}


async def test_one_update_and_one_revision_carry_their_links(
    emulator_http: httpx.AsyncClient,
) -> None:
    item = await create(emulator_http)
    await patch(emulator_http, item["id"], add("/fields/System.Title", "renamed"))
    base = f"{API}/workItems/{item['id']}"
    update = (await emulator_http.get(f"{base}/updates/2?{V}")).json()
    assert set(update["_links"]) == {"self", "workItemUpdates", "parent"}
    assert update["_links"]["self"]["href"] == update["url"]
    assert update["_links"]["parent"]["href"] == item["url"]
    revision = (await emulator_http.get(f"{base}/revisions/2?{V}")).json()
    assert revision["url"].endswith(f"/workItems/{item['id']}/revisions/2")
    assert set(revision["_links"]) == {"self", "workItemRevisions", "parent"}
    listed = (await emulator_http.get(f"{base}/revisions?{V}")).json()["value"]
    assert [r["url"].rsplit("/", 1)[1] for r in listed] == ["1", "2"]
    assert all("_links" not in r for r in listed)  # as the recorded list: url only


async def test_a_read_as_of_a_moment_is_that_revision_with_its_links(
    emulator_http: httpx.AsyncClient,
) -> None:
    """The recorded `GET workItems/{id}?asOf=` answers the revision: its url and `_links`."""
    item = await create(emulator_http)
    first = item["fields"]["System.ChangedDate"]
    await patch(emulator_http, item["id"], add("/fields/System.Title", "renamed"))
    past = (await emulator_http.get(f"{API}/workitems/{item['id']}?asOf={first}&{V}")).json()
    assert past["rev"] == 1
    assert past["fields"]["System.Title"] == "item"
    assert past["url"].endswith(f"/workItems/{item['id']}/revisions/1")
    assert past["_links"]["parent"]["href"] == item["url"]
    now = (await emulator_http.get(f"{API}/workitems/{item['id']}?{V}")).json()
    assert now["url"] == item["url"]
    assert "workItemUpdates" in now["_links"]


async def test_the_recycle_bins_resource_has_its_links(emulator_http: httpx.AsyncClient) -> None:
    item = await create(emulator_http)
    await emulator_http.delete(f"{API}/workitems/{item['id']}?{V}")
    one = (await emulator_http.get(f"{FAB}/recyclebin/{item['id']}?{V}")).json()
    assert one["resource"]["_links"]["self"]["href"] == item["url"]
    restored = await emulator_http.patch(
        f"{FAB}/recyclebin/{item['id']}?{V}",
        content=json.dumps({"isDeleted": False}),
        headers={"Content-Type": "application/json"},
    )
    assert restored.json()["resource"]["_links"]["self"]["href"] == item["url"]


async def test_history_leaves_out_the_empty_side_of_a_change(
    emulator_http: httpx.AsyncClient,
) -> None:
    """A first value is `{"newValue": ...}` (no `"oldValue": null`), a cleared one `{"oldValue"}`;
    and the first update lists the create-time links as added, not removed."""
    parent = await create(emulator_http)
    link = {"rel": "System.LinkTypes.Hierarchy-Reverse", "url": parent["url"]}
    item = await create(emulator_http, add("/relations/-", link))
    await patch(emulator_http, item["id"], add("/fields/System.Description", "<p>text</p>"))
    await patch(emulator_http, item["id"], {"op": "remove", "path": "/fields/System.Description"})
    updates = (await emulator_http.get(f"{API}/workItems/{item['id']}/updates?{V}")).json()
    first, set_, cleared = updates["value"]
    assert first["fields"]["System.Title"] == {"newValue": "item"}
    assert [r["rel"] for r in first["relations"]["added"]] == [link["rel"]]
    assert "removed" not in first["relations"]
    assert set_["fields"]["System.Description"] == {"newValue": "<p>text</p>"}
    assert cleared["fields"]["System.Description"] == {"oldValue": "<p>text</p>"}


async def test_an_item_moves_to_another_project(emulator_http: httpx.AsyncClient) -> None:
    """The recorded "move work item" example: System.TeamProject with the new project's paths;
    without them the item lands at the new project's roots. Its type must exist there."""
    story = await create(emulator_http, kind="Bug")
    moved = await patch(
        emulator_http,
        story["id"],
        add("/fields/System.TeamProject", "scrummy"),
        add("/fields/System.AreaPath", "Scrummy"),
        add("/fields/System.IterationPath", "Scrummy"),
    )
    assert moved["rev"] == 2
    assert {k: moved["fields"][k] for k in ("System.TeamProject", "System.AreaPath")} == {
        "System.TeamProject": "Scrummy",
        "System.AreaPath": "Scrummy",
    }
    task = await create(emulator_http)
    bare = await patch(emulator_http, task["id"], add("/fields/System.TeamProject", "Scrummy"))
    assert bare["fields"]["System.IterationPath"] == "Scrummy"
    listed = await emulator_http.post(
        f"{ORG}/Scrummy/_apis/wit/wiql?{V}",
        json={"query": "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project"},
    )
    assert {w["id"] for w in listed.json()["workItems"]} == {story["id"], task["id"]}
    story_type = await emulator_http.patch(
        f"{API}/workitems/{(await create(emulator_http, kind='User Story'))['id']}?{V}",
        content=json.dumps([add("/fields/System.TeamProject", "Scrummy")]),
        headers=PATCH,
    )
    assert story_type.status_code == 400  # Scrum has no User Story
    nowhere = await emulator_http.patch(
        f"{API}/workitems/{task['id']}?{V}",
        content=json.dumps([add("/fields/System.TeamProject", "Nowhere")]),
        headers=PATCH,
    )
    assert nowhere.status_code == 400


@pytest.mark.parametrize("location", LOCATIONS, ids=lambda location: location[3])
def test_every_route_advertised_to_the_official_clients_is_served(
    emulator_app: Starlette, location: tuple[str, str, str, str]
) -> None:
    """Discovery tells the clients where each resource is; each place answers (with a project
    and with every optional segment filled in), instead of 404."""
    _id, area, resource, template = location
    path = "/fabrikam-org/" + template.replace("{area}", area).replace("{resource}", resource)
    for name, value in {
        "{project}": "Fabrikam",
        "{team}": "Fabrikam Team",
        "${type}": "$Task",
        "{*path}": "Area",
        "{*projectId}": "Fabrikam",
    }.items():
        path = path.replace(name, value)
    filled = "/".join("1" if part.startswith("{") else part for part in path.split("/"))
    methods = ("GET", "POST", "PATCH", "DELETE")
    assert any(routed(emulator_app, m, filled) for m in methods), filled
