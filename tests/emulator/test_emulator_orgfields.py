"""Emulator organization fields added through the API: create, read, lock, delete, restore."""

from __future__ import annotations

import json

import httpx

V = "api-version=7.1"
FIELDS = "/o/_apis/wit/fields"


async def test_create_read_lock_delete_and_restore(emulator_http: httpx.AsyncClient) -> None:
    made = await emulator_http.post(
        f"{FIELDS}?{V}",
        json={"name": "Test Field", "referenceName": "Custom.TestField", "type": "integer"},
    )
    assert made.status_code == 200, made.text
    body = made.json()
    assert (body["referenceName"], body["type"], body["isDeleted"]) == (
        "Custom.TestField",
        "integer",
        False,
    )
    assert body["url"].endswith("/_apis/wit/fields/Custom.TestField")
    listed = (await emulator_http.get(f"/o/Fabrikam/_apis/wit/fields?{V}")).json()["value"]
    assert "Custom.TestField" in {f["referenceName"] for f in listed}
    by_name = (await emulator_http.get(f"{FIELDS}/Test%20Field?{V}")).json()
    assert by_name["referenceName"] == "Custom.TestField"
    locked = await emulator_http.patch(f"{FIELDS}/Custom.TestField?{V}", json={"isLocked": True})
    assert locked.json()["isLocked"] is True
    gone = await emulator_http.delete(f"{FIELDS}/Custom.TestField?{V}")
    assert gone.status_code == 204
    assert (await emulator_http.get(f"{FIELDS}/Custom.TestField?{V}")).status_code == 400
    hidden = (await emulator_http.get(f"{FIELDS}?{V}")).json()["value"]
    assert "Custom.TestField" not in {f["referenceName"] for f in hidden}
    deleted = (await emulator_http.get(f"{FIELDS}?$expand=includeDeleted&{V}")).json()["value"]
    assert {"Custom.TestField": True}.items() <= {
        f["referenceName"]: f["isDeleted"] for f in deleted
    }.items()
    back = await emulator_http.patch(f"{FIELDS}/Custom.TestField?{V}", json={"isDeleted": False})
    assert back.status_code == 200, back.text
    assert back.json()["isDeleted"] is False
    assert (await emulator_http.get(f"{FIELDS}/Custom.TestField?{V}")).status_code == 200


async def test_refusals(emulator_http: httpx.AsyncClient) -> None:
    taken = await emulator_http.post(f"{FIELDS}?{V}", json={"name": "Title"})
    assert taken.status_code == 409
    again = await emulator_http.post(f"{FIELDS}?{V}", json={"name": "Risk Score"})
    assert again.json()["referenceName"] == "Custom.RiskScore"
    twice = await emulator_http.post(f"{FIELDS}?{V}", json={"name": "risk score"})
    assert twice.status_code == 409
    tree = await emulator_http.post(f"{FIELDS}?{V}", json={"name": "Where", "type": "treePath"})
    assert tree.status_code == 400
    system = await emulator_http.delete(f"{FIELDS}/System.Title?{V}")
    assert system.status_code == 400
    # A new field is on no work item type: items cannot set it, as on the service.
    ops = [
        {"op": "add", "path": "/fields/System.Title", "value": "t"},
        {"op": "add", "path": "/fields/Custom.RiskScore", "value": "x"},
    ]
    item = await emulator_http.post(
        f"/o/Fabrikam/_apis/wit/workitems/$Task?{V}",
        content=json.dumps(ops),
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert item.status_code == 400
