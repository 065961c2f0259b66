"""Markdown text fields (api-version 7.2-preview): `/multilineFieldsFormat/<field>` in a patch, the
text stored as sent, `multilineFieldsFormat` in the answers of 7.2 only, as the recorded example."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

EXAMPLES = Path(__file__).resolve().parents[1] / "reference" / "openapi" / "7.2" / "httpExamples"
EXAMPLE = EXAMPLES / "workItems" / "PATCH__wit_workitems__taskId_markdown.json"
V71 = "api-version=7.1"
V72 = "api-version=7.2-preview.3"
PATCH = {"Content-Type": "application/json-patch+json"}
SCOPE = "/o/Fabrikam/_apis/wit"
DESCRIPTION = "System.Description"
TEXT = "# Plan\n\n- **one**\n- two <b>x</b>\n\n&gt; quoted\n"


def add(path: str, value: Any) -> dict[str, Any]:
    return {"op": "add", "path": path, "value": value}


def markdown(field: str = DESCRIPTION) -> dict[str, Any]:
    return add(f"/multilineFieldsFormat/{field}", "markdown")


async def create(http: httpx.AsyncClient, version: str, *ops: dict[str, Any]) -> httpx.Response:
    body = [add("/fields/System.Title", "Markdown"), *ops]
    return await http.post(
        f"{SCOPE}/workitems/$Task?{version}", content=json.dumps(body), headers=PATCH
    )


async def patch(
    http: httpx.AsyncClient, id: int, version: str, *ops: dict[str, Any]
) -> httpx.Response:
    return await http.patch(
        f"{SCOPE}/workitems/{id}?{version}", content=json.dumps(ops), headers=PATCH
    )


async def get(http: httpx.AsyncClient, id: int, query: str) -> dict[str, Any]:
    answer = await http.get(f"{SCOPE}/workitems/{id}?{query}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_the_recorded_example(emulator_http: httpx.AsyncClient) -> None:
    example = json.loads(EXAMPLE.read_text(encoding="utf-8-sig"))
    expected = example["responses"]["200"]["body"]
    id = (await create(emulator_http, V72)).json()["id"]
    answer = await patch(emulator_http, id, V72, *example["parameters"]["body"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["fields"][DESCRIPTION] == expected["fields"][DESCRIPTION]  # as sent, unsanitised
    assert body["multilineFieldsFormat"] == expected["multilineFieldsFormat"]
    keys = list(body)
    assert keys.index("multilineFieldsFormat") == keys.index("fields") + 1


async def test_stored_per_field_and_answered_in_7_2_only(emulator_http: httpx.AsyncClient) -> None:
    created = await create(emulator_http, V72, add(f"/fields/{DESCRIPTION}", TEXT), markdown())
    assert created.status_code == 200, created.text
    id = created.json()["id"]
    assert created.json()["multilineFieldsFormat"] == {DESCRIPTION: "markdown"}
    for expand in ("none", "fields", "all", "relations"):
        body = await get(emulator_http, id, f"$expand={expand}&{V72}")
        assert body["fields"][DESCRIPTION] == TEXT
        assert body["multilineFieldsFormat"] == {DESCRIPTION: "markdown"}
    older = await get(emulator_http, id, V71)
    assert older["fields"][DESCRIPTION] == TEXT
    assert "multilineFieldsFormat" not in older
    only_title = await get(emulator_http, id, f"fields=System.Title&{V72}")
    assert "multilineFieldsFormat" not in only_title  # no field of the answer has a format
    batch = await emulator_http.post(
        f"{SCOPE}/workitemsbatch?{V72}", json={"ids": [id], "fields": [DESCRIPTION]}
    )
    assert batch.json()["value"][0]["multilineFieldsFormat"] == {DESCRIPTION: "markdown"}


async def test_html_stays_the_default(emulator_http: httpx.AsyncClient) -> None:
    created = await create(
        emulator_http, V72, add(f"/fields/{DESCRIPTION}", "<p>x<script>1</script></p>")
    )
    body = created.json()
    assert body["fields"][DESCRIPTION] == "<p>x</p>"  # through the sanitiser
    assert "multilineFieldsFormat" not in body


async def test_7_1_ignores_the_format_and_writes_html(emulator_http: httpx.AsyncClient) -> None:
    ignored = await create(emulator_http, V71, add(f"/fields/{DESCRIPTION}", TEXT), markdown())
    assert ignored.status_code == 200, ignored.text
    id = ignored.json()["id"]
    assert "multilineFieldsFormat" not in await get(emulator_http, id, V72)
    made = await patch(emulator_http, id, V72, add(f"/fields/{DESCRIPTION}", TEXT), markdown())
    assert made.json()["multilineFieldsFormat"] == {DESCRIPTION: "markdown"}
    kept = await patch(emulator_http, id, V72, add(f"/fields/{DESCRIPTION}", "# Other\n"))
    assert kept.json()["fields"][DESCRIPTION] == "# Other\n"  # the field keeps its format
    assert kept.json()["multilineFieldsFormat"] == {DESCRIPTION: "markdown"}
    html = await patch(emulator_http, id, V71, add(f"/fields/{DESCRIPTION}", "<p>Back</p>"))
    assert html.status_code == 200, html.text
    assert "multilineFieldsFormat" not in await get(emulator_http, id, V72)
    cleared = await patch(emulator_http, id, V72, add(f"/fields/{DESCRIPTION}", TEXT), markdown())
    assert cleared.json()["multilineFieldsFormat"] == {DESCRIPTION: "markdown"}
    gone = await patch(emulator_http, id, V72, {"op": "remove", "path": f"/fields/{DESCRIPTION}"})
    assert "multilineFieldsFormat" not in gone.json()
    assert "multilineFieldsFormat" not in await get(emulator_http, id, f"$expand=all&{V72}")


async def test_what_the_server_refuses(emulator_http: httpx.AsyncClient) -> None:
    id = (await create(emulator_http, V72)).json()["id"]
    title = await patch(emulator_http, id, V72, markdown("System.Title"))
    assert title.status_code == 400
    assert "not a multi-line text field" in title.json()["message"]
    unknown = await patch(emulator_http, id, V72, markdown("Custom.Nothing"))
    assert unknown.status_code == 400
    value = await patch(emulator_http, id, V72, add(f"/multilineFieldsFormat/{DESCRIPTION}", "rtf"))
    assert value.status_code == 400
    assert "use markdown or html" in value.json()["message"]
    for version in ("api-version=7.2", "api-version=7.3-preview"):
        refused = await emulator_http.get(f"{SCOPE}/workitems/{id}?{version}")
        assert refused.status_code == 400
        assert refused.json()["typeKey"] == "VssVersionOutOfRangeException"
