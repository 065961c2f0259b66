"""Bulk delete (`workitemsdelete`) as the reference documents it: to the recycle bin with one
result per id (404 for an id that is not there, the others deleted all the same), or destroyed
(204)."""

from __future__ import annotations

import json

import httpx

V = "api-version=7.1-preview.1"
JSON = {"Content-Type": "application/json"}
PATCH = {"Content-Type": "application/json-patch+json"}
ORG = "/fabrikam-org"


async def create(http: httpx.AsyncClient) -> int:
    ops = [{"op": "add", "path": "/fields/System.Title", "value": "Doomed"}]
    answer = await http.post(
        f"{ORG}/Fabrikam/_apis/wit/workitems/$Task?{V}", content=json.dumps(ops), headers=PATCH
    )
    return int(answer.json()["id"])


async def bulk(http: httpx.AsyncClient, **body: object) -> httpx.Response:
    return await http.post(
        f"{ORG}/_apis/wit/workitemsdelete?{V}", content=json.dumps(body), headers=JSON
    )


async def test_to_the_recycle_bin_with_a_result_per_id(emulator_http: httpx.AsyncClient) -> None:
    a, b = await create(emulator_http), await create(emulator_http)
    answer = await bulk(emulator_http, ids=[a, 999, b])
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert results[0] == {"id": a, "code": 200}
    assert results[1]["id"] == 999
    assert results[1]["code"] == 404
    assert results[1]["message"].startswith("TF401232")
    assert results[2] == {"id": b, "code": 200}
    binned = (await emulator_http.get(f"{ORG}/Fabrikam/_apis/wit/recyclebin?{V}")).json()
    assert sorted(i["id"] for i in binned["value"]) == [a, b]


async def test_destroy_answers_204_and_leaves_nothing(emulator_http: httpx.AsyncClient) -> None:
    a, b = await create(emulator_http), await create(emulator_http)
    answer = await bulk(emulator_http, ids=[a, b], destroy=True, skipNotifications=True)
    assert answer.status_code == 204
    binned = (await emulator_http.get(f"{ORG}/Fabrikam/_apis/wit/recyclebin?{V}")).json()
    assert binned["value"] == []
    assert (await emulator_http.get(f"{ORG}/_apis/wit/workitems/{a}?{V}")).status_code == 404


async def test_ids_are_required_and_at_most_200(emulator_http: httpx.AsyncClient) -> None:
    for body in ({}, {"ids": []}, {"ids": list(range(1, 202))}):
        answer = await bulk(emulator_http, **body)
        assert answer.status_code == 400, body
        assert answer.json()["typeKey"] == "VssPropertyValidationException"
