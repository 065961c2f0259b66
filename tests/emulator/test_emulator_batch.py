"""`$batch` in the emulator: temporary ids, per-item save errors, all-or-nothing prepare errors."""

from __future__ import annotations

import json
from typing import Any

import httpx

V = "api-version=7.1"
URL = f"/o/_apis/wit/$batch?{V}"
HEADERS = {"Content-Type": "application/json-patch+json"}


def create(
    temp: int, title: str | None, *extra: dict[str, Any], query: str = "", type: str = "Task"
) -> dict[str, Any]:
    ops: list[dict[str, Any]] = [{"op": "add", "path": "/id", "value": temp}]
    if title is not None:
        ops.append({"op": "add", "path": "/fields/System.Title", "value": title})
    return {
        "method": "PATCH",
        "uri": f"/Fabrikam/_apis/wit/workitems/${type}?{V}{query}",
        "headers": HEADERS,
        "body": [*ops, *extra],
    }


def update(id: int, *ops: dict[str, Any]) -> dict[str, Any]:
    return {
        "method": "PATCH",
        "uri": f"/_apis/wit/workitems/{id}?{V}",
        "headers": HEADERS,
        "body": json.dumps(list(ops)),
    }


def bodies(answer: httpx.Response) -> list[tuple[int, Any]]:
    assert answer.status_code == 200
    return [(entry["code"], json.loads(entry["body"])) for entry in answer.json()["value"]]


async def test_creates_with_temporary_ids_link_to_each_other(
    emulator_http: httpx.AsyncClient,
) -> None:
    parent_link = {
        "op": "add",
        "path": "/relations/-",
        "value": {
            "rel": "System.LinkTypes.Hierarchy-Reverse",
            "url": "http://emulator/o/_apis/wit/workItems/-1",
        },
    }
    answer = await emulator_http.post(
        URL, json=[create(-1, "parent"), create(-2, "child", parent_link)]
    )
    (code1, parent), (code2, child) = bodies(answer)
    assert (code1, code2) == (200, 200)
    assert child["relations"][0]["url"].endswith(f"/workItems/{parent['id']}")
    read = await emulator_http.get(f"/o/_apis/wit/workitems/{parent['id']}?{V}&$expand=relations")
    assert read.json()["relations"][0]["rel"] == "System.LinkTypes.Hierarchy-Forward"


async def test_a_save_error_fails_only_its_entry(emulator_http: httpx.AsyncClient) -> None:
    answer = await emulator_http.post(URL, json=[create(-1, None), create(-2, "kept")])
    (bad, error), (good, saved) = bodies(answer)
    assert bad == 400
    assert error["typeKey"] == "RuleValidationException"
    assert good == 200
    assert (await emulator_http.get(f"/o/_apis/wit/workitems/{saved['id']}?{V}")).status_code == 200


async def test_a_failed_test_op_saves_nothing_and_answers_only_the_failures(
    emulator_http: httpx.AsyncClient,
) -> None:
    first = bodies(await emulator_http.post(URL, json=[create(-1, "existing")]))
    item = first[0][1]["id"]
    stale = update(
        item,
        {"op": "test", "path": "/rev", "value": 9},
        {"op": "replace", "path": "/fields/System.Title", "value": "x"},
    )
    answer = bodies(await emulator_http.post(URL, json=[create(-1, "not saved"), stale]))
    assert [code for code, _ in answer] == [412]
    assert answer[0][1]["message"].startswith("VS403351")
    wiql = await emulator_http.post(
        f"/o/_apis/wit/wiql?{V}", json={"query": "SELECT [System.Id] FROM WorkItems"}
    )
    assert [w["id"] for w in wiql.json()["workItems"]] == [item]


async def test_duplicate_temporary_ids_are_refused(emulator_http: httpx.AsyncClient) -> None:
    answer = bodies(await emulator_http.post(URL, json=[create(-1, "a"), create(-1, "b")]))
    assert [code for code, _ in answer] == [400]
    assert answer[0][1]["message"].startswith("VS403357")


async def test_unsupported_parameters_and_inconsistent_flags(
    emulator_http: httpx.AsyncClient,
) -> None:
    odd = bodies(await emulator_http.post(URL, json=[create(-1, "a", query="&$expand=all")]))
    assert odd == [(404, {"count": 1, "value": {"Message": "Unsupported Batch operation."}})]
    mixed = bodies(
        await emulator_http.patch(
            URL, json=[create(-1, "a", query="&bypassRules=true"), create(-2, "b")]
        )
    )
    assert [code for code, _ in mixed] == [400, 400]
    assert "consistent" in mixed[0][1]["message"]


async def test_sub_request_paths_are_url_decoded_before_routing(
    emulator_http: httpx.AsyncClient,
) -> None:
    """Clients send `$User%20Story` (the .NET client's Uri escapes a space the same way)."""
    answer = await emulator_http.post(
        URL,
        json=[
            create(-1, "encoded", type="User%20Story"),
            create(-2, "as text", type="User Story"),
        ],
    )
    assert [(code, item["fields"]["System.WorkItemType"]) for code, item in bodies(answer)] == [
        (200, "User Story"),
        (200, "User Story"),
    ]
