"""Custom processes (`witsync serve --process FILE`): every problem of a file at file:line:column,
served through the metadata endpoints, and enforced on create and update like the built-in rules."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_support import run_main
from serving import served

from witsync.emulator import asgi_transport, create_app
from witsync.emulator.custom_process import ProcessFileError, load_process, parse_process

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "processes" / "fabrikam-agile.yaml"
V = "api-version=7.1"
PATCH = {"Content-Type": "application/json-patch+json"}
SCOPE = "/o/Fabrikam/_apis/wit"


@pytest.fixture
async def custom() -> AsyncIterator[httpx.AsyncClient]:
    """An emulator serving the sample process: Fabrikam has it (no process named), Plain is
    Agile."""
    app = create_app(projects=["Fabrikam", "Plain:Agile"], processes=[load_process(SAMPLE)])
    async with httpx.AsyncClient(transport=asgi_transport(app), base_url="http://e") as http:
        yield http


def add(path: str, value: Any) -> dict[str, Any]:
    return {"op": "add", "path": path, "value": value}


async def create(http: httpx.AsyncClient, kind: str, *ops: dict[str, Any]) -> httpx.Response:
    body = [add("/fields/System.Title", f"a {kind}"), *ops]
    return await http.post(
        f"{SCOPE}/workitems/${kind}?{V}", content=json.dumps(body), headers=PATCH
    )


async def update(http: httpx.AsyncClient, id: int, *ops: dict[str, Any]) -> httpx.Response:
    return await http.patch(f"{SCOPE}/workitems/{id}?{V}", content=json.dumps(ops), headers=PATCH)


def rule_fields(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 400, answer.text
    errors = answer.json()["customProperties"]["RuleValidationErrors"]
    return [error["fieldReferenceName"] for error in errors]


# -- served through the metadata endpoints ----------------------------------------------------


async def test_custom_fields_are_the_organizations(custom: httpx.AsyncClient) -> None:
    fields = (await custom.get(f"/o/_apis/wit/fields?{V}")).json()["value"]
    by_ref = {f["referenceName"]: f for f in fields}
    assert by_ref["Custom.Risk"]["name"] == "Delivery Risk"
    assert by_ref["Custom.Risk"]["type"] == "string"
    assert by_ref["Custom.Risk"]["isPicklist"] is True
    assert by_ref["Custom.Budget"]["type"] == "double"
    assert by_ref["Custom.ReleaseNotes"]["type"] == "html"
    one = (await custom.get(f"/o/_apis/wit/fields/Delivery%20Risk?{V}")).json()
    assert one["referenceName"] == "Custom.Risk"


async def test_types_states_and_rules_are_served(custom: httpx.AsyncClient) -> None:
    types = (await custom.get(f"{SCOPE}/workitemtypes?{V}")).json()["value"]
    by_name = {t["name"]: t for t in types}
    assert {"Epic", "Feature", "User Story", "Task", "Bug", "Issue", "Incident"} == set(by_name)
    story = by_name["User Story"]
    assert [s["name"] for s in story["states"]] == [
        "New",
        "Active",
        "Resolved",
        "In Review",  # after the last Resolved state: where the web form puts it
        "Closed",
        "Removed",
    ]
    fields = {f["referenceName"]: f for f in story["fields"]}
    assert "Microsoft.VSTS.Common.ValueArea" not in fields  # hidden
    assert fields["Custom.Risk"]["alwaysRequired"] is True
    assert fields["Custom.Risk"]["defaultValue"] == "Medium"
    assert fields["Custom.Budget"]["alwaysRequired"] is False
    incident = by_name["Incident"]
    assert incident["transitions"][""] == [{"to": "Reported", "actions": None}]
    states = (await custom.get(f"{SCOPE}/workitemtypes/Incident/states?{V}")).json()["value"]
    assert [(s["name"], s["category"]) for s in states] == [
        ("Reported", "Proposed"),
        ("Investigating", "InProgress"),
        ("Mitigated", "Resolved"),
        ("Closed", "Completed"),
    ]
    listed = await custom.get(
        f"{SCOPE}/workitemtypes/User%20Story/fields?$expand=allowedValues&{V}"
    )
    risk = next(f for f in listed.json()["value"] if f["referenceName"] == "Custom.Risk")
    assert risk["allowedValues"] == ["Low", "Medium", "High"]
    assert risk["defaultValue"] == "Medium"
    facing = await custom.get(f"{SCOPE}/workitemtypes/Bug/fields/Custom.CustomerFacing?{V}")
    assert facing.json()["defaultValue"] == "false"
    severity = await custom.get(
        f"{SCOPE}/workitemtypes/Bug/fields/Microsoft.VSTS.Common.Severity?{V}"
    )
    assert severity.json()["alwaysRequired"] is True


async def test_a_project_of_a_built_in_process_does_not_see_it(custom: httpx.AsyncClient) -> None:
    types = (await custom.get(f"/o/Plain/_apis/wit/workitemtypes?{V}")).json()["value"]
    assert "Incident" not in {t["name"] for t in types}
    story = next(t for t in types if t["name"] == "User Story")
    assert "Custom.Risk" not in {f["referenceName"] for f in story["fields"]}


async def test_each_app_serves_its_own_processes(
    custom: httpx.AsyncClient, emulator_http: httpx.AsyncClient
) -> None:
    assert (await custom.get(f"/o/_apis/wit/fields/Custom.Risk?{V}")).status_code == 200
    plain = await emulator_http.get(f"/o/_apis/wit/fields/Custom.Risk?{V}")
    assert "tf51535: cannot find field custom.risk." in plain.json()["message"].lower()


# -- enforced on create and update ------------------------------------------------------------


async def test_defaults_and_picklists_on_create(custom: httpx.AsyncClient) -> None:
    story = await create(custom, "User Story")
    assert story.status_code == 200, story.text
    assert story.json()["fields"]["Custom.Risk"] == "Medium"
    assert story.json()["fields"]["Microsoft.VSTS.Common.Priority"] == 2
    wrong = await create(custom, "User Story", add("/fields/Custom.Risk", "Extreme"))
    assert rule_fields(wrong) == ["Custom.Risk"]
    assert "'Delivery Risk' contains the value 'Extreme'" in wrong.json()["message"]
    budget = await create(custom, "User Story", add("/fields/Custom.Budget", "12.5"))
    assert budget.json()["fields"]["Custom.Budget"] == 12.5
    not_a_number = await create(custom, "User Story", add("/fields/Custom.Budget", "lots"))
    assert not_a_number.status_code == 400


async def test_required_fields_on_create_and_update(custom: httpx.AsyncClient) -> None:
    bug = await create(custom, "Bug")
    assert rule_fields(bug) == ["Microsoft.VSTS.Common.Severity"]
    assert "Rule Error for field Severity. Error code: Required, InvalidEmpty" in bug.text
    bug = await create(custom, "Bug", add("/fields/Microsoft.VSTS.Common.Severity", "2 - High"))
    assert bug.status_code == 200, bug.text
    assert bug.json()["fields"]["Custom.CustomerFacing"] is False
    story = (await create(custom, "User Story", add("/fields/Custom.Risk", "High"))).json()
    cleared = await update(custom, story["id"], {"op": "remove", "path": "/fields/Custom.Risk"})
    assert rule_fields(cleared) == ["Custom.Risk"]
    bypassed = await custom.patch(
        f"{SCOPE}/workitems/{story['id']}?bypassRules=true&{V}",
        content=json.dumps([{"op": "remove", "path": "/fields/Custom.Risk"}]),
        headers=PATCH,
    )
    assert bypassed.status_code == 200, bypassed.text


async def test_hidden_fields_and_custom_states(custom: httpx.AsyncClient) -> None:
    hidden = await create(
        custom, "User Story", add("/fields/Microsoft.VSTS.Common.ValueArea", "Business")
    )
    assert hidden.status_code == 400
    assert "'InvalidField' for field 'Microsoft.VSTS.Common.ValueArea'" in hidden.json()["message"]
    story = (await create(custom, "User Story")).json()
    moved = await update(custom, story["id"], add("/fields/System.State", "in review"))
    assert moved.status_code == 200, moved.text
    assert moved.json()["fields"]["System.State"] == "In Review"
    assert moved.json()["fields"]["System.Reason"] == "Resolved"
    unknown = await update(custom, story["id"], add("/fields/System.State", "Parked"))
    assert rule_fields(unknown) == ["System.State"]


async def test_a_new_type(custom: httpx.AsyncClient) -> None:
    incident = await create(custom, "Incident", add("/fields/Custom.Risk", "Low"))
    assert incident.status_code == 200, incident.text
    fields = incident.json()["fields"]
    assert (fields["System.State"], fields["System.Reason"]) == ("Reported", "Reported")
    assert fields["Microsoft.VSTS.Common.Priority"] == 1
    assert fields["Custom.CustomerFacing"] is True
    assert rule_fields(await create(custom, "Incident")) == ["Custom.Risk"]
    in_plain = await custom.post(
        f"/o/Plain/_apis/wit/workitems/$Incident?{V}",
        content=json.dumps([add("/fields/System.Title", "x")]),
        headers=PATCH,
    )
    assert in_plain.status_code == 404


async def test_wiql_filters_on_a_custom_field(custom: httpx.AsyncClient) -> None:
    await create(custom, "User Story", add("/fields/Custom.Risk", "High"))
    await create(custom, "User Story", add("/fields/Custom.Risk", "Low"))
    query = "SELECT [System.Id] FROM WorkItems WHERE [Custom.Risk] = 'High'"
    answer = await custom.post(f"{SCOPE}/wiql?{V}", json={"query": query})
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["workItems"]) == 1


# -- the file: every problem at file:line:column ----------------------------------------------


BAD = """\
name: Agile
base: Agile
fields:
  Custom.Level: {type: integer, values: [1, 2.5], name: Priority}
types:
  Task:
    fields:
      Custom.Nope: {required: true}
      Custom.Level: {default: 3}
    hidden: [System.Title]
    states: [{name: Active, category: InProgress}]
  Thing: {}
"""


def test_every_problem_of_a_file_at_its_line_and_column() -> None:
    with pytest.raises(ProcessFileError) as caught:
        parse_process(BAD, "bad.yaml")
    assert list(caught.value.problems) == [
        "bad.yaml:1:7: 'Agile' is the name of a built-in process; choose another",
        "bad.yaml:4:45: 2.5 is not a whole number",
        "bad.yaml:4:57: field name 'Priority' is taken by Microsoft.VSTS.Common.Priority: give "
        "the field another `name`",
        "bad.yaml:8:7: unknown field Custom.Nope: define it under the top-level `fields`, or name "
        "a field of the base process (e.g. Microsoft.VSTS.Common.Risk)",
        "bad.yaml:9:31: 3 is not a value of the picklist Custom.Level (1)",
        "bad.yaml:10:14: System.Title is on every type: it cannot be hidden",
        "bad.yaml:11:21: Task has a state 'Active' already",
        "bad.yaml:12:3: Thing is a new type (the base has no such type): list its states, the "
        "first one a Proposed one",
    ]


def test_shape_problems_come_from_the_schema_with_their_place() -> None:
    text = "name: X\nbase: Agil\nfields:\n  Risk: {type: text}\ntypes:\n  Task: {colour: red}\n"
    with pytest.raises(ProcessFileError) as caught:
        parse_process(text, "shape.yaml")
    assert list(caught.value.problems) == [
        "shape.yaml:2:7: 'Agil' is not one of: Agile, Scrum, Basic, CMMI",
        "shape.yaml:4:3: 'Risk': a new field's reference name is Custom.Name (letters, digits, "
        "_), as Azure DevOps makes them",
        "shape.yaml:4:16: 'text' is not one of: string, integer, double, dateTime, boolean, "
        "html, plainText",
        "shape.yaml:6:10: unknown key 'colour'",
    ]
    with pytest.raises(ProcessFileError, match=r"^broken.yaml:2:1: "):
        parse_process("name: X\n- base\n", "broken.yaml")


def test_serve_refuses_a_bad_process_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "process.yaml"
    bad.write_text(BAD)
    code, _ = run_main("serve", "--db", ":memory:", "--port", "0", "--process", str(bad))
    assert code == 1
    err = capsys.readouterr().err
    assert f"{bad}:4:45: 2.5 is not a whole number" in err
    assert "schemas/process.schema.json" in err


def test_witsync_serve_with_a_process(tmp_path: Path) -> None:
    args = ["--process", str(SAMPLE)]
    with (
        served(tmp_path / "db.sqlite", projects=["Fabrikam"], extra_args=args) as url,
        httpx.Client(base_url=url) as http,
    ):
        types = http.get(f"{SCOPE}/workitemtypes?{V}").json()["value"]
        assert "Incident" in {t["name"] for t in types}
        project = http.get(f"/o/_apis/projects/Fabrikam?{V}").json()
        assert project["description"] == "Fabrikam Agile process"
