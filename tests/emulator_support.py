"""Work items made through the emulator's REST API, for tests that need some to work on."""

from __future__ import annotations

import json
from typing import Any

import httpx

PATCH = {"Content-Type": "application/json-patch+json"}


def field(ref: str, value: Any) -> dict[str, Any]:
    """The JSON-patch operation that sets field `ref` to `value`."""
    return {"op": "add", "path": f"/fields/{ref}", "value": value}


async def new_item(
    http: httpx.AsyncClient, project: str, title: str, *ops: dict[str, Any], kind: str = "Task"
) -> int:
    """A new `kind` titled `title` in `project` (its URL path: `/org/Project`), with more JSON-patch
    `ops` in the same create; its id."""
    body = [field("System.Title", title), *ops]
    answer = await http.post(
        f"{project}/_apis/wit/workitems/${kind}?api-version=7.1",
        content=json.dumps(body),
        headers=PATCH,
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["id"])
