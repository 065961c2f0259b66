"""Setups of the recorded examples for comments, attachments, tags and team templates: each makes
what its example names (a comment, an uploaded file, a tag, a template) and points the request
at it."""

from __future__ import annotations

import json

from openapi_replay import ACTOR, TEAM, Replay, _basic, setup

PATCH = "application/json-patch+json"


async def _comments(replay: Replay, count: int) -> list[int]:
    item = replay.item()
    ids = []
    for number in range(count):
        answer = await replay.call("POST", f"wit/workItems/{item}/comments", {"text": f"c{number}"})
        ids.append(int(answer.json()["id"]))
    return ids


@setup(
    "comments/GET__wit_workitems__issueId__comments__commentId_1.json",
    "comments/PATCH__wit_workitems__taskId__comments_1.json",
    "comments/DELETE__wit_workitems__taskId__comments_1.json",
)
async def one_comment(replay: Replay) -> None:
    replay.path["commentId"] = str((await _comments(replay, 1))[0])


@setup("comments/GET__wit_workitems__issueId__comments_3.json")
async def two_comments(replay: Replay) -> None:
    replay.query["ids"] = ",".join(str(i) for i in await _comments(replay, 2))


@setup("comments/GET__wit_workitems__issueId__comments_1.json")
async def a_page_of_several(replay: Replay) -> None:
    await _comments(replay, 3)  # with the replayed history's note: more than the page of 2


@setup("comments/GET__wit_workitems__issueId__comments_2.json")
async def the_next_page(replay: Replay) -> None:
    await _comments(replay, 4)
    first = await replay.call("GET", f"wit/workItems/{replay.item()}/comments", query={"$top": "2"})
    replay.query["continuationToken"] = first.json()["continuationToken"]


async def _upload(replay: Replay, name: str = "Spec.txt") -> str:
    answer = await replay.http.post(
        replay.url("wit/attachments", scoped=False),
        params={"fileName": name, "api-version": "7.1"},
        content=b"the spec",
        headers={
            "Content-Type": "application/octet-stream",
            "Authorization": _basic(ACTOR),
        },
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


@setup(
    "attachments/GET__wit_attachments_get_attachment_content.json",
    "attachments/GET__wit_attachments_get_project_attachment_content.json",
    "attachments/GET__wit_attachments_download_attachment.json",
)
async def an_uploaded_file(replay: Replay) -> None:
    replay.path["id"] = await _upload(replay, "myattachment.png")


@setup("attachments/PUT_wit_attachments_filename_chunked_content1.json")
async def a_chunked_upload(replay: Replay) -> None:
    answer = await replay.call(
        "POST", "wit/attachments", query={"uploadType": "chunked", "fileName": "largefile.zip"}
    )
    replay.path["id"] = str(answer.json()["id"])
    size = len(json.dumps(replay.body).encode())  # the body goes as its JSON text
    replay.headers["Content-Range"] = f"bytes 0-{size - 1}/{size}"
    replay.headers["Content-Type"] = "application/octet-stream"


@setup("tags/GET__wit_tag.json", "tags/PATCH__wit_tag.json", "tags/DELETE__wit_tag.json")
async def a_tag(replay: Replay) -> None:
    item = await replay.create_item()
    ops = [{"op": "add", "path": "/fields/System.Tags", "value": "my-first-tag"}]
    await replay.call("PATCH", f"wit/workitems/{item}", ops, content_type=PATCH, scoped=False)
    listed = await replay.call("GET", "wit/tags")
    replay.path["tagIdOrName"] = listed.json()["value"][0]["id"]


@setup("templates/PUT_template.json", "templates/GET_template.json")
async def a_template(replay: Replay) -> None:
    """A template of the team to replace or read. (The "get template" example was recorded from
    `GET workItems/$Bug`, a type's new-item template: only its shape is compared.)"""
    made = await replay.http.post(
        f"/fabrikam/{replay.path['project']}/{TEAM}/_apis/wit/templates",
        params={"api-version": "7.1"},
        content=json.dumps({"name": "Test Template", "workItemTypeName": "Feature", "fields": {}}),
        headers={"Content-Type": "application/json", "Authorization": _basic(ACTOR)},
    )
    assert made.status_code == 201, made.text
    replay.path["templateId"] = made.json()["id"]
