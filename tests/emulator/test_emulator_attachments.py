"""Attachments as the reference examples show them: upload a file whole or in chunks, read it back,
and link it to a work item with an `AttachedFile` relation."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from witsync.emulator import attachmentstore

V = "api-version=7.1"
ORG = "/fabrikam-org"
OCTETS = {"Content-Type": "application/octet-stream"}
PATCH = {"Content-Type": "application/json-patch+json"}


async def upload(http: httpx.AsyncClient, name: str, content: bytes, scope: str = "") -> Any:
    answer = await http.post(
        f"{ORG}{scope}/_apis/wit/attachments?fileName={name}&{V}", content=content, headers=OCTETS
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_a_file_goes_up_whole_and_comes_back(emulator_http: httpx.AsyncClient) -> None:
    made = await upload(emulator_http, "textAsFileAttachment.txt", b"User text content")
    assert set(made) == {"id", "url"}
    assert made["url"].endswith(f"/{made['id']}?fileName=textAsFileAttachment.txt")
    path = f"{ORG}/Fabrikam/_apis/wit/attachments/{made['id']}"
    read = await emulator_http.get(f"{path}?{V}")
    assert read.status_code == 200
    assert read.content == b"User text content"
    assert read.headers["content-type"] == "application/octet-stream"
    assert read.headers["content-disposition"].startswith("attachment;")


async def test_images_show_inline_unless_downloaded(emulator_http: httpx.AsyncClient) -> None:
    made = await upload(emulator_http, "pic.png", b"\x89PNG...", scope="/Fabrikam")
    path = f"{ORG}/_apis/wit/attachments/{made['id']}"
    shown = await emulator_http.get(f"{path}?fileName=pic.png&{V}")
    assert shown.headers["content-type"] == "image/png"
    assert "content-disposition" not in shown.headers
    saved = await emulator_http.get(f"{path}?fileName=pic.png&download=true&{V}")
    assert saved.headers["content-disposition"] == "attachment; filename*=UTF-8''pic.png"
    nobody = "00000000-0000-0000-0000-000000000000"
    missing = await emulator_http.get(f"{ORG}/_apis/wit/attachments/{nobody}?{V}")
    assert missing.status_code == 404


async def test_chunks_answer_202_until_the_last_one(emulator_http: httpx.AsyncClient) -> None:
    registered = await emulator_http.post(
        f"{ORG}/_apis/wit/attachments?uploadType=Chunked&fileName=large.zip&{V}", headers=OCTETS
    )
    assert registered.status_code == 201
    id = registered.json()["id"]
    path = f"{ORG}/_apis/wit/attachments/{id}?{V}"
    assert (await emulator_http.get(path)).status_code == 404  # not readable before it is whole
    first = await emulator_http.put(
        path, content=b"hello ", headers={**OCTETS, "Content-Range": "bytes 0-5/11"}
    )
    assert first.status_code == 202
    no_range = await emulator_http.put(path, content=b"world", headers=OCTETS)
    assert no_range.status_code == 400
    assert set(no_range.json()) == {"count", "value"}  # an HttpError, not a WrappedException
    wrong_length = await emulator_http.put(
        path, content=b"world!", headers={**OCTETS, "Content-Range": "bytes 6-10/11"}
    )
    assert wrong_length.status_code == 400
    gap = await emulator_http.put(
        path, content=b"d", headers={**OCTETS, "Content-Range": "bytes 10-10/11"}
    )
    assert gap.status_code == 400
    last = await emulator_http.put(
        path, content=b"world", headers={**OCTETS, "Content-Range": "bytes 6-10/11"}
    )
    assert last.status_code == 201
    assert (await emulator_http.get(path)).content == b"hello world"


async def test_size_limit(
    emulator_http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attachmentstore, "MAX_BYTES", 10)
    big = await emulator_http.post(
        f"{ORG}/_apis/wit/attachments?fileName=a.bin&{V}", content=b"x" * 11, headers=OCTETS
    )
    assert big.status_code == 400
    assert big.json()["typeKey"] == "AttachmentSizeExceededException"
    assert (await upload(emulator_http, "a.bin", b"x" * 10))["id"]


async def test_an_attached_file_is_a_resource_link_with_name_and_size(
    emulator_http: httpx.AsyncClient,
) -> None:
    made = await upload(emulator_http, "Spec.txt", b"the spec")
    ops = [{"op": "add", "path": "/fields/System.Title", "value": "Specified"}]
    item = (
        await emulator_http.post(
            f"{ORG}/Fabrikam/_apis/wit/workitems/$Task?{V}", content=json.dumps(ops), headers=PATCH
        )
    ).json()
    attach = [
        {"op": "test", "path": "/rev", "value": 1},
        {
            "op": "add",
            "path": "/relations/-",
            "value": {
                "rel": "AttachedFile",
                "url": made["url"],
                "attributes": {"comment": "Spec for the work"},
            },
        },
    ]
    answer = await emulator_http.patch(
        f"{ORG}/_apis/wit/workitems/{item['id']}?{V}", content=json.dumps(attach), headers=PATCH
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["rev"] == 2  # an attachment is a change of the item (a work item link is not)
    relation = body["relations"][0]
    assert relation["rel"] == "AttachedFile"
    assert relation["url"] == made["url"].split("?")[0]
    attributes = relation["attributes"]
    assert attributes["name"] == "Spec.txt"
    assert attributes["comment"] == "Spec for the work"
    assert attributes["resourceSize"] == len(b"the spec")
    assert attributes["revisedDate"] == "9999-01-01T00:00:00Z"
    stamps = {"authorizedDate", "id", "resourceCreatedDate", "resourceModifiedDate"}
    assert stamps <= set(attributes)
    unknown = [
        {
            "op": "add",
            "path": "/relations/-",
            "value": {"rel": "AttachedFile", "url": made["url"].replace(made["id"][:8], "0" * 8)},
        }
    ]
    refused = await emulator_http.patch(
        f"{ORG}/_apis/wit/workitems/{item['id']}?{V}", content=json.dumps(unknown), headers=PATCH
    )
    assert refused.status_code == 400
    removed = await emulator_http.patch(
        f"{ORG}/_apis/wit/workitems/{item['id']}?{V}",
        content=json.dumps([{"op": "remove", "path": "/relations/0"}]),
        headers=PATCH,
    )
    assert removed.json()["rev"] == 3
    assert "relations" not in removed.json()


async def test_at_most_100_attachments_on_an_item(
    emulator_http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attachmentstore, "MAX_PER_ITEM", 1)
    files = [await upload(emulator_http, f"f{n}.txt", b"x") for n in range(2)]
    ops: list[dict[str, Any]] = [{"op": "add", "path": "/fields/System.Title", "value": "Full"}]
    ops += [
        {"op": "add", "path": "/relations/-", "value": {"rel": "AttachedFile", "url": f["url"]}}
        for f in files
    ]
    answer = await emulator_http.post(
        f"{ORG}/Fabrikam/_apis/wit/workitems/$Task?{V}", content=json.dumps(ops), headers=PATCH
    )
    assert answer.status_code == 400
    assert answer.json()["typeKey"] == "WorkItemAttachmentLimitExceededException"
