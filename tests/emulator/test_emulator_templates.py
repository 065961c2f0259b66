"""Templates: a type's new-item template (`GET workitems/$Type`) and a team's saved templates
(`{project}/{team}/_apis/wit/templates`: create, list, get, replace, delete)."""

from __future__ import annotations

import json
from typing import Any

import httpx

V = "api-version=7.1"
JSON = {"Content-Type": "application/json"}
ORG = "/fabrikam-org"
TEAM = f"{ORG}/Fabrikam/Fabrikam%20Team/_apis/wit/templates"


async def test_a_types_template_is_what_a_new_item_starts_with(
    emulator_http: httpx.AsyncClient,
) -> None:
    answer = await emulator_http.get(f"{ORG}/Fabrikam/_apis/wit/workitems/$Bug?{V}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"fields", "_links", "url"}
    fields = body["fields"]
    assert fields["System.WorkItemType"] == "Bug"
    assert fields["System.State"] == "New"
    assert fields["System.AreaPath"] == fields["System.TeamProject"] == "Fabrikam"
    assert fields["Microsoft.VSTS.Common.Priority"] == 2
    assert fields["Microsoft.VSTS.Common.StateChangeDate"] == "1753-01-01T00:00:00Z"
    assert fields["System.CreatedBy"]["uniqueName"] == "local.user@local-board.invalid"
    for saved_only in ("System.Id", "System.Rev", "System.CreatedDate", "System.Title"):
        assert saved_only not in fields
    assert body["url"].endswith("/_apis/wit/workItems")
    assert body["_links"]["workItemType"]["href"].endswith("/_apis/wit/workItemTypes/Bug")
    picked = await emulator_http.get(
        f"{ORG}/Fabrikam/_apis/wit/workitems/$Bug?fields=System.State,Priority&{V}"
    )
    assert set(picked.json()["fields"]) == {"System.State", "Microsoft.VSTS.Common.Priority"}
    scrum = (await emulator_http.get(f"{ORG}/Scrummy/_apis/wit/workitems/$Task?{V}")).json()
    assert scrum["fields"]["System.State"] == "To Do"
    unknown = await emulator_http.get(f"{ORG}/Fabrikam/_apis/wit/workitems/$Nope?{V}")
    assert unknown.status_code == 404
    assert unknown.json()["typeKey"] == "WorkItemTypeNotFoundException"


async def make(http: httpx.AsyncClient, **body: Any) -> Any:
    answer = await http.post(f"{TEAM}?{V}", content=json.dumps(body), headers=JSON)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_team_templates_are_made_listed_replaced_and_deleted(
    emulator_http: httpx.AsyncClient,
) -> None:
    made = await make(
        emulator_http,
        name="Test Template",
        description="Template to be created",
        workItemTypeName="feature",
        fields={"System.State": "New", "priority": 1},
    )
    assert made["workItemTypeName"] == "Feature"
    assert made["fields"] == {"System.State": "New", "Microsoft.VSTS.Common.Priority": 1}
    assert made["url"].endswith(f"/Fabrikam/Fabrikam%20Team/_apis/wit/templates/{made['id']}")
    assert made["_links"]["self"]["href"] == made["url"]
    await make(emulator_http, name="A bug", workItemTypeName="Bug", fields={})
    listed = (await emulator_http.get(f"{TEAM}?{V}")).json()
    assert [t["name"] for t in listed["value"]] == ["A bug", "Test Template"]
    assert "fields" not in listed["value"][0]
    features = (await emulator_http.get(f"{TEAM}?workitemtypename=Feature&{V}")).json()
    assert [t["id"] for t in features["value"]] == [made["id"]]
    other_team = await emulator_http.get(f"{ORG}/Fabrikam/Other/_apis/wit/templates?{V}")
    assert other_team.json()["count"] == 0
    one = f"{TEAM}/{made['id']}?{V}"
    assert (await emulator_http.get(one)).json() == made
    replaced = await emulator_http.put(
        one,
        content=json.dumps(
            {"name": "New Test Template", "workItemTypeName": "Feature", "fields": {}}
        ),
        headers=JSON,
    )
    assert replaced.status_code == 200
    assert (replaced.json()["id"], replaced.json()["name"]) == (made["id"], "New Test Template")
    assert replaced.json()["description"] == ""
    assert (await emulator_http.delete(one)).status_code == 200
    gone = await emulator_http.get(one)
    assert gone.status_code == 404
    assert gone.json()["typeKey"] == "WorkItemTemplateNotFoundException"


async def test_a_template_names_a_type_and_known_fields(emulator_http: httpx.AsyncClient) -> None:
    cases = [
        ({"workItemTypeName": "Bug"}, 400),
        ({"name": "x", "workItemTypeName": "Nope"}, 404),
        ({"name": "x", "workItemTypeName": "Bug", "fields": {"Custom.Nope": 1}}, 400),
    ]
    for body, status in cases:
        answer = await emulator_http.post(f"{TEAM}?{V}", content=json.dumps(body), headers=JSON)
        assert answer.status_code == status, body
