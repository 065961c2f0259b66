"""Changing a work item's type with a PATCH of System.WorkItemType, as the service allows (the
"change work item type" example of the 7.1 reference): the state is kept when the new type has
it, else mapped to the new type's state of the same category, else to its first state."""

from __future__ import annotations

import json
from typing import Any

import httpx

V = "api-version=7.1"
PATCH = {"Content-Type": "application/json-patch+json"}
ORG = "/fabrikam-org"


async def create(
    http: httpx.AsyncClient, kind: str, *extra: dict[str, Any], project: str = "Fabrikam"
) -> dict[str, Any]:
    ops = [{"op": "add", "path": "/fields/System.Title", "value": f"A {kind}"}, *extra]
    response = await http.post(
        f"{ORG}/{project}/_apis/wit/workitems/${kind}?{V}", content=json.dumps(ops), headers=PATCH
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def patch(http: httpx.AsyncClient, id: int, *ops: dict[str, Any]) -> httpx.Response:
    return await http.patch(
        f"{ORG}/_apis/wit/workitems/{id}?{V}", content=json.dumps(list(ops)), headers=PATCH
    )


def field(ref: str, value: Any, op: str = "add") -> dict[str, Any]:
    return {"op": op, "path": f"/fields/{ref}", "value": value}


async def test_the_reference_example_changes_a_bug_into_a_task(
    emulator_http: httpx.AsyncClient,
) -> None:
    bug = await create(emulator_http, "Bug", project="Scrummy")
    changed = await patch(
        emulator_http,
        bug["id"],
        field("System.WorkItemType", "Task"),
        field("System.State", "To Do"),
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["rev"] == 2
    assert body["fields"]["System.WorkItemType"] == "Task"
    assert body["fields"]["System.State"] == "To Do"
    assert body["_links"]["workItemType"]["href"].endswith("/workItemTypes/Task")
    read = (await emulator_http.get(f"{ORG}/_apis/wit/workitems/{bug['id']}?{V}")).json()
    assert read["fields"]["System.WorkItemType"] == "Task"
    updates = (
        await emulator_http.get(f"{ORG}/_apis/wit/workItems/{bug['id']}/updates?{V}")
    ).json()["value"]
    assert updates[-1]["fields"]["System.WorkItemType"] == {"oldValue": "Bug", "newValue": "Task"}


async def test_a_state_the_new_type_has_is_kept(emulator_http: httpx.AsyncClient) -> None:
    bug = await create(emulator_http, "Bug")
    await patch(emulator_http, bug["id"], field("System.State", "Active", "replace"))
    changed = await patch(emulator_http, bug["id"], field("System.WorkItemType", "Task", "replace"))
    assert changed.status_code == 200, changed.text
    fields = changed.json()["fields"]
    assert (fields["System.WorkItemType"], fields["System.State"]) == ("Task", "Active")


async def test_a_state_the_new_type_lacks_is_mapped_by_its_category(
    emulator_http: httpx.AsyncClient,
) -> None:
    item = await create(emulator_http, "Product Backlog Item", project="Scrummy")
    await patch(emulator_http, item["id"], field("System.State", "Committed", "replace"))
    changed = await patch(emulator_http, item["id"], field("System.WorkItemType", "Task"))
    assert changed.status_code == 200, changed.text
    fields = changed.json()["fields"]
    # Committed is InProgress; a Scrum Task's InProgress state is "In Progress"
    assert (fields["System.WorkItemType"], fields["System.State"]) == ("Task", "In Progress")
    assert fields["System.Reason"] == "Work started"


async def test_a_state_whose_category_the_new_type_lacks_becomes_its_first_state(
    emulator_http: httpx.AsyncClient,
) -> None:
    bug = await create(emulator_http, "Bug")
    await patch(emulator_http, bug["id"], field("System.State", "Resolved", "replace"))
    changed = await patch(emulator_http, bug["id"], field("System.WorkItemType", "Task"))
    assert changed.status_code == 200, changed.text
    assert changed.json()["fields"]["System.State"] == "New"  # an Agile Task has no Resolved


async def test_fields_the_new_type_lacks_are_left_behind(emulator_http: httpx.AsyncClient) -> None:
    bug = await create(emulator_http, "Bug", field("Microsoft.VSTS.TCM.ReproSteps", "<p>Click</p>"))
    changed = await patch(emulator_http, bug["id"], field("System.WorkItemType", "Task"))
    assert changed.status_code == 200, changed.text
    assert "Microsoft.VSTS.TCM.ReproSteps" not in changed.json()["fields"]
    # and a field only the new type has can be written in the same patch, after the type
    both = await patch(
        emulator_http,
        bug["id"],
        field("System.WorkItemType", "User Story"),
        field("Microsoft.VSTS.Scheduling.StoryPoints", 3),
    )
    assert both.status_code == 200, both.text
    assert both.json()["fields"]["Microsoft.VSTS.Scheduling.StoryPoints"] == 3


async def test_an_unknown_type_and_a_cleared_type_are_refused(
    emulator_http: httpx.AsyncClient,
) -> None:
    task = await create(emulator_http, "Task")
    unknown = await patch(emulator_http, task["id"], field("System.WorkItemType", "Saga"))
    assert unknown.status_code == 400
    assert "System.WorkItemType" in unknown.json()["message"]
    cleared = await patch(
        emulator_http, task["id"], {"op": "remove", "path": "/fields/System.WorkItemType"}
    )
    assert cleared.status_code == 400
    read = (await emulator_http.get(f"{ORG}/_apis/wit/workitems/{task['id']}?{V}")).json()
    assert (read["rev"], read["fields"]["System.WorkItemType"]) == (1, "Task")


async def test_a_stated_state_must_belong_to_the_new_type(
    emulator_http: httpx.AsyncClient,
) -> None:
    bug = await create(emulator_http, "Bug", project="Scrummy")
    refused = await patch(
        emulator_http, bug["id"], field("System.WorkItemType", "Task"), field("System.State", "New")
    )
    assert refused.status_code == 400
    assert "State" in refused.json()["message"]


async def test_a_create_still_takes_its_type_from_the_url(emulator_http: httpx.AsyncClient) -> None:
    response = await emulator_http.post(
        f"{ORG}/Fabrikam/_apis/wit/workitems/$Task?{V}",
        content=json.dumps([field("System.Title", "t"), field("System.WorkItemType", "Bug")]),
        headers=PATCH,
    )
    assert response.status_code == 400
    assert "ReadOnly" in response.json()["message"]
