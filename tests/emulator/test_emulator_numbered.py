"""One entry of an item's history by its number: `updates/{number}` by update id,
`revisions/{number}` by rev (a link-only update shares its rev, so the two differ); a number
that is not there is a 404."""

from __future__ import annotations

import json
from typing import Any

import httpx

V = "api-version=7.1"
PATCH = {"Content-Type": "application/json-patch+json"}
ORG = "/fabrikam-org"


def title(text: str, op: str = "add") -> str:
    return json.dumps([{"op": op, "path": "/fields/System.Title", "value": text}])


async def create(http: httpx.AsyncClient, text: str, *more: dict[str, Any]) -> int:
    ops = [{"op": "add", "path": "/fields/System.Title", "value": text}, *more]
    created = await http.post(
        f"{ORG}/Fabrikam/_apis/wit/workitems/$Task?{V}", content=json.dumps(ops), headers=PATCH
    )
    assert created.status_code == 200
    id: int = created.json()["id"]
    return id


async def history(http: httpx.AsyncClient) -> int:
    """An item whose update ids and revs part: updates 1, 2 (link only, rev 1) and 3 (rev 2)."""
    id = await create(http, "t0")
    related = {"rel": "System.LinkTypes.Related", "url": f"http://x/_apis/wit/workItems/{id}"}
    await create(http, "other", {"op": "add", "path": "/relations/-", "value": related})
    changed = await http.patch(
        f"{ORG}/_apis/wit/workitems/{id}?{V}", content=title("t1", "replace"), headers=PATCH
    )
    assert changed.status_code == 200
    every = (await http.get(f"{ORG}/_apis/wit/workItems/{id}/updates?{V}")).json()["value"]
    assert [(u["id"], u["rev"]) for u in every] == [(1, 1), (2, 1), (3, 2)]
    return id


async def test_one_update_by_its_id(emulator_http: httpx.AsyncClient) -> None:
    id = await history(emulator_http)
    one = await emulator_http.get(f"{ORG}/_apis/wit/workItems/{id}/updates/3?{V}")
    assert one.status_code == 200
    assert (one.json()["id"], one.json()["rev"]) == (3, 2)
    assert one.json()["fields"]["System.Title"]["newValue"] == "t1"


async def test_one_revision_by_its_rev(emulator_http: httpx.AsyncClient) -> None:
    id = await history(emulator_http)
    one = await emulator_http.get(f"{ORG}/_apis/wit/workItems/{id}/revisions/2?{V}")
    assert one.status_code == 200
    assert one.json()["rev"] == 2
    assert one.json()["fields"]["System.Title"] == "t1"


async def test_a_number_that_is_not_there_is_not_found(emulator_http: httpx.AsyncClient) -> None:
    id = await history(emulator_http)
    for kind, number in (("updates", 4), ("revisions", 3)):
        missing = await emulator_http.get(f"{ORG}/_apis/wit/workItems/{id}/{kind}/{number}?{V}")
        assert missing.status_code == 404, kind
