"""Emulator work item type metadata as documented: type fields, categories, icons, transitions."""

from __future__ import annotations

import dataclasses
import json

import httpx

from witsync.ado import wire
from witsync.ado.client import Client
from witsync.emulator import asgi_transport, create_app

V = "api-version=7.1"
TYPES = "/o/Fabrikam/_apis/wit/workitemtypes"
PATCH = {"Content-Type": "application/json-patch+json"}


async def test_type_fields_list_and_one_with_expand(emulator_http: httpx.AsyncClient) -> None:
    plain = (await emulator_http.get(f"{TYPES}/Bug/fields?{V}")).json()
    by_ref = {f["referenceName"]: f for f in plain["value"]}
    assert plain["count"] == len(plain["value"])
    priority = by_ref["Microsoft.VSTS.Common.Priority"]
    assert priority["defaultValue"] == "2"
    assert "allowedValues" not in priority
    assert "dependentFields" not in priority
    assert by_ref["System.State"]["defaultValue"] == "New"
    assert by_ref["System.Title"]["alwaysRequired"] is True
    assert priority["url"].endswith("/_apis/wit/fields/Microsoft.VSTS.Common.Priority")
    expanded = (await emulator_http.get(f"{TYPES}/Bug/fields?$expand=All&{V}")).json()
    picked = {f["referenceName"]: f for f in expanded["value"]}
    # Number picklists travel as text, as the recorded example has them.
    assert picked["Microsoft.VSTS.Common.Priority"]["allowedValues"] == ["1", "2", "3", "4"]
    assert picked["Microsoft.VSTS.Common.Priority"]["dependentFields"] == []
    assert picked["System.Title"]["allowedValues"] == []
    one = await emulator_http.get(f"{TYPES}/Bug/fields/Microsoft.VSTS.Common.Severity?{V}")
    assert one.status_code == 200, one.text
    assert set(one.json()) == {"alwaysRequired", "defaultValue", "referenceName", "name", "url"}
    allowed = (
        await emulator_http.get(f"{TYPES}/Bug/fields/Severity?$expand=allowedValues&{V}")
    ).json()
    assert allowed["allowedValues"] == ["1 - Critical", "2 - High", "3 - Medium", "4 - Low"]
    assert "dependentFields" not in allowed
    numbered = (await emulator_http.get(f"{TYPES}/Bug/fields/Priority?$expand=1&{V}")).json()
    assert numbered["allowedValues"] == ["1", "2", "3", "4"]
    not_on_type = await emulator_http.get(f"{TYPES}/Task/fields/Microsoft.VSTS.TCM.ReproSteps?{V}")
    assert not_on_type.status_code == 404
    bad = await emulator_http.get(f"{TYPES}/Bug/fields?$expand=everything&{V}")
    assert bad.status_code == 400


async def test_states_and_categories(emulator_http: httpx.AsyncClient) -> None:
    states = (await emulator_http.get(f"{TYPES}/Bug/states?{V}")).json()
    assert states["value"][0] == {"name": "New", "color": "b2b2b2", "category": "Proposed"}
    listed = (await emulator_http.get(f"/o/Scrummy/_apis/wit/workitemtypecategories?{V}")).json()
    by_ref = {c["referenceName"]: c for c in listed["value"]}
    requirement = by_ref["Microsoft.RequirementCategory"]
    assert requirement["defaultWorkItemType"]["name"] == "Product Backlog Item"
    assert requirement["defaultWorkItemType"]["url"].endswith(
        "/_apis/wit/workItemTypes/Product%20Backlog%20Item"
    )
    assert [t["name"] for t in requirement["workItemTypes"]] == ["Product Backlog Item"]
    one = await emulator_http.get(
        f"/o/Fabrikam/_apis/wit/workitemtypecategories/Microsoft.RequirementCategory?{V}"
    )
    assert one.json()["defaultWorkItemType"]["name"] == "User Story"
    assert one.json()["url"].endswith("/workItemTypeCategories/Microsoft.RequirementCategory")
    missing = await emulator_http.get(
        f"/o/Fabrikam/_apis/wit/workitemtypecategories/Microsoft.Nope?{V}"
    )
    assert missing.status_code == 404


async def test_icons_and_artifact_link_types(emulator_http: httpx.AsyncClient) -> None:
    icons = (await emulator_http.get(f"/o/_apis/wit/workitemicons?{V}")).json()
    assert icons["count"] == 41
    assert icons["value"][0]["url"].endswith("/_apis/wit/workItemIcons/icon_clipboard?v=2")
    one = (await emulator_http.get(f"/o/_apis/wit/workitemicons/icon_insect?{V}")).json()
    assert one["id"] == "icon_insect"
    assert (await emulator_http.get(f"/o/_apis/wit/workitemicons/icon_nope?{V}")).status_code == 404
    kinds = (await emulator_http.get(f"/o/_apis/wit/artifactlinktypes?{V}")).json()
    assert kinds["count"] == 16
    assert {"toolType": "Git", "artifactType": "PullRequestId", "linkType": "Pull Request"} in (
        kinds["value"]
    )


async def test_transitions_on_checkin(emulator_http: httpx.AsyncClient) -> None:
    made = []
    for kind in ("Bug", "Task"):
        ops = [{"op": "add", "path": "/fields/System.Title", "value": kind}]
        answer = await emulator_http.post(
            f"/o/Fabrikam/_apis/wit/workitems/${kind}?{V}", content=json.dumps(ops), headers=PATCH
        )
        made.append(answer.json()["id"])
    bug, task = made
    found = (
        await emulator_http.get(f"/o/_apis/wit/workitemtransitions?ids={bug},{task}&{V}")
    ).json()
    assert found["value"] == [
        {"id": bug, "stateOnTransition": "Resolved"},
        {"id": task, "stateOnTransition": "Closed"},
    ]
    missing = await emulator_http.get(f"/o/_apis/wit/workitemtransitions?ids=99999&{V}")
    assert missing.status_code == 404


async def test_witsync_reads_picklists_and_defaults_as_the_service_writes_them() -> None:
    """The client's readers against the documented shapes: number picklists and defaults as
    text (`read_allowed_values` asks workitemtypes/{type}/fields?$expand=allowedValues, as it
    must on Azure DevOps, whose list of types leaves them out)."""
    app = create_app(projects=["P:Agile"])
    async with httpx.AsyncClient(transport=asgi_transport(app)) as http:
        client = Client(http, "http://local-board/org", "P")
        process = await client.get_process()
        assert process.types["Bug"].defaults["Microsoft.VSTS.Common.Priority"] == 2
        blank = {
            name: dataclasses.replace(info, allowed_values=None)
            for name, info in process.types.items()
        }
        read = await client.read_allowed_values(dataclasses.replace(process, types=blank), ["Bug"])
        allowed = read.types["Bug"].allowed_values
        assert allowed is not None
        assert allowed["Microsoft.VSTS.Common.Priority"] == ("1", "2", "3", "4")
        assert read.types["Task"].allowed_values is None  # only the types asked for


def test_a_text_default_takes_its_fields_type() -> None:
    priority = wire.field_info({"referenceName": "P", "type": "integer"})
    effort = wire.field_info({"referenceName": "E", "type": "double"})
    assert wire.typed_value("2", priority) == 2
    assert wire.typed_value("1.5", effort) == 1.5
    assert wire.typed_value("High", priority) == "High"
    assert wire.typed_value("2", None) == "2"
