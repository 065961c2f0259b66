"""Error paths of the work item endpoints: each answers the real status, typeKey and text."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

V = "api-version=7.1"
PATCH = {"Content-Type": "application/json-patch+json"}


async def send(
    http: httpx.AsyncClient, *ops: dict[str, Any], id: int | None = None
) -> httpx.Response:
    if id is None:
        ops = ({"op": "add", "path": "/fields/System.Title", "value": "t"}, *ops)
        return await http.post(
            f"/o/Fabrikam/_apis/wit/workitems/$Task?{V}", content=json.dumps(ops), headers=PATCH
        )
    return await http.patch(
        f"/o/_apis/wit/workitems/{id}?{V}", content=json.dumps(list(ops)), headers=PATCH
    )


def related(id: int) -> dict[str, Any]:
    return {
        "op": "add",
        "path": "/relations/-",
        "value": {
            "rel": "System.LinkTypes.Related",
            "url": f"https://dev.azure.com/o/_apis/wit/workItems/{id}",
        },
    }


@pytest.fixture
async def two(emulator_http: httpx.AsyncClient) -> httpx.AsyncClient:
    assert (await send(emulator_http)).status_code == 200
    assert (await send(emulator_http, related(1))).status_code == 200
    return emulator_http


@pytest.mark.parametrize(
    ("ops", "status", "start"),
    [
        ([{"op": "remove", "path": "/relations/5"}], 400, "VS403354: Index out of range"),
        ([{"op": "test", "path": "/relations/0", "value": {}}], 400, "VS403352"),
        ([{"op": "remove", "path": "/relations/System.LinkTypes.Related/99"}], 400, "VS403695"),
        (
            [
                {
                    "op": "replace",
                    "path": "/relations/0",
                    "value": {
                        "rel": "System.LinkTypes.Dependency-Forward",
                        "url": "https://x/_apis/wit/workItems/1",
                    },
                }
            ],
            400,
            "VS403358",
        ),
        ([related(99)], 400, "TF401232"),
        ([related(2)], 400, "Work item 2 cannot be linked to itself."),
        (
            [
                {
                    "op": "add",
                    "path": "/relations/-",
                    "value": {"rel": "ArtifactLink", "url": "vstfs:///Git/Commit/x"},
                }
            ],
            400,
            "An artifact link",
        ),
        (
            [{"op": "add", "path": "/relations/-", "value": {"rel": "Nope", "url": "https://x/1"}}],
            400,
            "The link type 'Nope' does not exist.",
        ),
        (
            [
                {
                    "op": "add",
                    "path": "/relations/-",
                    "value": {"rel": "System.LinkTypes.Related", "url": "not-a-url/1"},
                }
            ],
            400,
            "Linking to a work item requires the full url.",
        ),
        (
            [{"op": "add", "path": "/fields/System.BoardColumn", "value": "Doing"}],
            400,
            "TF401326: Invalid field status 'ReadOnly'",
        ),
        (
            [{"op": "test", "path": "/fields/System.Title", "value": "other"}],
            412,
            "VS403351: Test Operation for path /fields/System.Title",
        ),
        (
            [{"op": "frobnicate", "path": "/fields/System.Title", "value": "x"}],
            400,
            "The operation 'frobnicate' is not valid.",
        ),
        ([], 400, "You must pass a valid patch document in the body of the request."),
    ],
)
async def test_patch_errors(
    two: httpx.AsyncClient, ops: list[dict[str, Any]], status: int, start: str
) -> None:
    answer = await send(two, *ops, id=2)
    assert answer.status_code == status
    assert answer.json()["message"].startswith(start)
    assert (await two.get(f"/o/_apis/wit/workitems/2?{V}")).json()["rev"] == 1


async def test_unknown_project_and_type(emulator_http: httpx.AsyncClient) -> None:
    ops = json.dumps([{"op": "add", "path": "/fields/System.Title", "value": "t"}])
    project = await emulator_http.post(
        f"/o/Nope/_apis/wit/workitems/$Task?{V}", content=ops, headers=PATCH
    )
    assert project.status_code == 404
    assert project.json()["message"].startswith("TF200016")
    kind = await emulator_http.post(
        f"/o/Fabrikam/_apis/wit/workitems/$Gizmo?{V}", content=ops, headers=PATCH
    )
    assert kind.status_code == 404
    assert kind.json()["typeKey"] == "WorkItemTypeNotFoundException"


async def test_read_parameters_are_checked(two: httpx.AsyncClient) -> None:
    both = await two.get(f"/o/_apis/wit/workitems?ids=1&fields=System.Title&$expand=relations&{V}")
    assert both.status_code == 400
    assert (
        both.json()["message"] == "The expand parameter can not be used with the fields parameter."
    )
    version = await two.get("/o/_apis/wit/workitems/1?api-version=6.0")
    assert version.status_code == 400
    assert version.json()["typeKey"] == "VssVersionOutOfRangeException"
    by_id = (await two.get(f"/o/_apis/projects?{V}")).json()["value"][0]["id"]
    assert (await two.get(f"/o/_apis/projects/{by_id}?{V}")).json()["id"] == by_id
    batch = await two.post(f"/o/_apis/wit/workitemsbatch?{V}", json={"ids": list(range(1, 202))})
    assert batch.status_code == 400


async def test_artifact_links_with_a_name_are_accepted_and_bump_the_rev(
    two: httpx.AsyncClient,
) -> None:
    link = {
        "rel": "ArtifactLink",
        "url": "vstfs:///Git/Commit/abc",
        "attributes": {"name": "Fixed in Commit"},
    }
    answer = await send(two, {"op": "add", "path": "/relations/-", "value": link}, id=2)
    assert answer.json()["rev"] == 2
    assert [r["rel"] for r in answer.json()["relations"]] == [
        "System.LinkTypes.Related",
        "ArtifactLink",
    ]


async def test_no_route_answers_the_collection_shaped_http_error(
    emulator_http: httpx.AsyncClient,
) -> None:
    answer = await emulator_http.get(f"/o/_apis/wit/nothing-here?{V}")
    assert answer.status_code == 404
    assert answer.json()["count"] == 1
    assert answer.json()["value"]["Message"].startswith("No HTTP resource was found")
    wrong_method = await emulator_http.put(f"/o/_apis/wit/workitems/1?{V}", json={})
    assert wrong_method.status_code == 405
