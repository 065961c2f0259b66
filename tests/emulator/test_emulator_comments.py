"""Work item comments as the reference examples show them: add, edit, delete (versions), read one
or a page (`$top`, continuation token, `ids`, `includeDeleted`, `order`), reactions; and how they
relate to System.History (a comment is a revision of its item, whichever way it was written)."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

V = "api-version=7.1-preview.4"
PATCH = {"Content-Type": "application/json-patch+json"}
JSON = {"Content-Type": "application/json"}
ORG = "/fabrikam-org"
API = f"{ORG}/Fabrikam/_apis/wit"


def other(user: str) -> dict[str, str]:
    """Basic auth as another person (the emulator takes the user name as the caller)."""
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:x".encode()).decode()}


async def create(http: httpx.AsyncClient, *extra: dict[str, Any]) -> int:
    ops = [{"op": "add", "path": "/fields/System.Title", "value": "Talked about"}, *extra]
    answer = await http.post(f"{API}/workitems/$Task?{V}", content=json.dumps(ops), headers=PATCH)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["id"])


async def add(http: httpx.AsyncClient, item: int, text: str) -> dict[str, Any]:
    answer = await http.post(
        f"{API}/workItems/{item}/comments?{V}", content=json.dumps({"text": text}), headers=JSON
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def commented(http: httpx.AsyncClient, text: str) -> tuple[int, dict[str, Any], str]:
    """A new item with one comment, `text`: the item's id, the comment, and the comment's URL
    (without the api-version), where it is edited, deleted and reacted to."""
    item = await create(http)
    added = await add(http, item, text)
    return item, added, f"{API}/workItems/{item}/comments/{added['id']}"


async def test_a_comment_is_a_revision_that_history_and_updates_show(
    emulator_http: httpx.AsyncClient,
) -> None:
    item = await create(emulator_http)
    added = await add(emulator_http, item, "Moving to the right area path")
    assert added["workItemId"] == item
    assert added["id"] == added["commentId"]  # the schema's name and the examples' name
    assert added["version"] == 1
    assert added["text"] == "Moving to the right area path"
    assert added["isDeleted"] is False
    assert added["createdBy"]["uniqueName"] == added["modifiedBy"]["uniqueName"]
    assert added["url"].endswith(f"/_apis/wit/workItems/{item}/comments/{added['id']}")
    read = (await emulator_http.get(f"{ORG}/_apis/wit/workitems/{item}?{V}")).json()
    assert read["rev"] == 2
    assert read["fields"]["System.CommentCount"] == 1
    updates = (await emulator_http.get(f"{ORG}/_apis/wit/workitems/{item}/updates?{V}")).json()
    last = updates["value"][-1]["fields"]
    assert last["System.History"]["newValue"] == "Moving to the right area path"
    assert last["System.Rev"] == {"oldValue": 1, "newValue": 2}


async def test_history_written_by_a_patch_is_a_comment_too(
    emulator_http: httpx.AsyncClient,
) -> None:
    item = await create(
        emulator_http, {"op": "add", "path": "/fields/System.History", "value": "at creation"}
    )
    await emulator_http.patch(
        f"{ORG}/_apis/wit/workitems/{item}?{V}",
        content=json.dumps([{"op": "add", "path": "/fields/System.History", "value": "later"}]),
        headers=PATCH,
    )
    await add(emulator_http, item, "by the endpoint")
    listed = (await emulator_http.get(f"{API}/workItems/{item}/comments?order=asc&{V}")).json()
    assert [c["text"] for c in listed["comments"]] == ["at creation", "later", "by the endpoint"]
    ids = [c["id"] for c in listed["comments"]]
    assert ids == sorted(ids)
    assert listed["totalCount"] == listed["count"] == 3
    assert "continuationToken" not in listed


async def test_pages_follow_the_continuation_token_newest_first(
    emulator_http: httpx.AsyncClient,
) -> None:
    item = await create(emulator_http)
    for n in range(5):
        await add(emulator_http, item, f"note {n}")
    first = (await emulator_http.get(f"{API}/workItems/{item}/comments?$top=2&{V}")).json()
    assert first["totalCount"] == 5
    assert [c["text"] for c in first["comments"]] == ["note 4", "note 3"]
    assert "continuationToken=" in first["nextPage"]
    seen = [c["text"] for c in first["comments"]]
    token = first["continuationToken"]
    while token:
        page = (
            await emulator_http.get(
                f"{API}/workItems/{item}/comments",
                params={"$top": "2", "continuationToken": token, "api-version": "7.1"},
            )
        ).json()
        seen += [c["text"] for c in page["comments"]]
        token = page.get("continuationToken")
    assert seen == [f"note {n}" for n in (4, 3, 2, 1, 0)]
    follow = await emulator_http.get(first["nextPage"].replace("http://emulator", ""))
    assert [c["text"] for c in follow.json()["comments"]] == ["note 2", "note 1"]


async def test_ids_pick_comments_and_bad_paging_is_refused(
    emulator_http: httpx.AsyncClient,
) -> None:
    item = await create(emulator_http)
    made = [await add(emulator_http, item, f"n{i}") for i in range(3)]
    wanted = f"{made[2]['id']},{made[0]['id']}"
    picked = (await emulator_http.get(f"{API}/workItems/{item}/comments?ids={wanted}&{V}")).json()
    assert [c["text"] for c in picked["comments"]] == ["n0", "n2"]
    assert picked["totalCount"] == 2
    for query in ("$top=0", "$top=201", "continuationToken=nonsense", "ids=0", "order=up"):
        bad = await emulator_http.get(f"{API}/workItems/{item}/comments?{query}&{V}")
        assert bad.status_code == 400, query
        assert bad.json()["typeKey"] == "VssPropertyValidationException"


async def test_edit_and_delete_make_versions_not_revisions(
    emulator_http: httpx.AsyncClient,
) -> None:
    item, _, one = await commented(emulator_http, "Moving to the right area path")
    edited = await emulator_http.patch(
        f"{one}?{V}", content=json.dumps({"text": "<b>Fabrikam-Git</b>"}), headers=JSON
    )
    assert edited.status_code == 200
    assert (edited.json()["version"], edited.json()["text"]) == (2, "<strong>Fabrikam-Git</strong>")
    deleted = await emulator_http.delete(f"{one}?{V}")
    assert deleted.status_code == 200
    assert (deleted.json()["version"], deleted.json()["isDeleted"]) == (3, True)
    read = (await emulator_http.get(f"{ORG}/_apis/wit/workitems/{item}?{V}")).json()
    assert (read["rev"], read["fields"]["System.CommentCount"]) == (2, 0)
    assert (await emulator_http.get(f"{one}?{V}")).json()["typeKey"] == "CommentNotFoundException"
    kept = await emulator_http.get(f"{one}?includeDeleted=true&{V}")
    assert kept.json()["isDeleted"] is True
    listed = (await emulator_http.get(f"{API}/workItems/{item}/comments?{V}")).json()
    assert listed["comments"] == []
    with_deleted = await emulator_http.get(
        f"{API}/workItems/{item}/comments?includeDeleted=true&{V}"
    )
    assert with_deleted.json()["totalCount"] == 1
    versions = (await emulator_http.get(f"{one}/versions?{V}")).json()
    assert [(v["version"], v["isDeleted"]) for v in versions["value"]] == [
        (1, False),
        (2, False),
        (3, True),
    ]
    first = (await emulator_http.get(f"{one}/versions/1?{V}")).json()
    assert first["text"] == "Moving to the right area path"
    assert (await emulator_http.get(f"{one}/versions/9?{V}")).status_code == 404


async def test_only_the_author_edits_and_empty_text_is_refused(
    emulator_http: httpx.AsyncClient,
) -> None:
    item, _, one = await commented(emulator_http, "mine")
    theirs = await emulator_http.patch(
        f"{one}?{V}",
        content=json.dumps({"text": "x"}),
        headers={**JSON, **other("Ann <ann@x.test>")},
    )
    assert theirs.status_code == 403
    assert theirs.json()["typeKey"] == "CommentUpdateException"
    empty = await emulator_http.post(
        f"{API}/workItems/{item}/comments?{V}", content=json.dumps({"text": " "}), headers=JSON
    )
    assert empty.status_code == 400
    missing = await emulator_http.get(f"{API}/workItems/999/comments?{V}")
    assert missing.json()["typeKey"] == "WorkItemUnauthorizedAccessException"
    elsewhere = await emulator_http.get(f"{ORG}/Scrummy/_apis/wit/workItems/{item}/comments?{V}")
    assert elsewhere.status_code == 404


async def test_reactions_count_people_and_expand_shows_them(
    emulator_http: httpx.AsyncClient,
) -> None:
    _, added, one = await commented(emulator_http, "good news")
    liked = await emulator_http.put(f"{one}/reactions/like?{V}")
    assert liked.json() == {
        "commentId": added["id"],
        "count": 1,
        "isCurrentUserEngaged": True,
        "type": "like",
        "url": liked.json()["url"],
    }
    await emulator_http.put(f"{one}/reactions/like?{V}", headers=other("Ann <ann@x.test>"))
    await emulator_http.put(f"{one}/reactions/heart?{V}", headers=other("Ann <ann@x.test>"))
    listed = (await emulator_http.get(f"{one}/reactions?{V}")).json()["value"]
    assert [(r["type"], r["count"], r["isCurrentUserEngaged"]) for r in listed] == [
        ("like", 2, True),
        ("heart", 1, False),
    ]
    users = (await emulator_http.get(f"{one}/reactions/like/users?{V}")).json()["value"]
    assert [u["uniqueName"] for u in users] == ["local.user@local-board.invalid", "ann@x.test"]
    taken_back = (await emulator_http.delete(f"{one}/reactions/like?{V}")).json()
    assert (taken_back["count"], taken_back["isCurrentUserEngaged"]) == (1, False)
    expanded = (await emulator_http.get(f"{one}?$expand=reactions&{V}")).json()
    assert [(r["type"], r["count"]) for r in expanded["reactions"]] == [("like", 1), ("heart", 1)]
    plain = (await emulator_http.get(f"{one}?{V}")).json()
    assert "reactions" not in plain
    assert (await emulator_http.put(f"{one}/reactions/meh?{V}")).status_code == 400
    rendered = (await emulator_http.get(f"{one}?$expand=renderedTextOnly&{V}")).json()
    assert "text" not in rendered
    assert rendered["renderedText"] == "good news"


async def test_a_markdown_comment_keeps_its_text_and_renders_it(
    emulator_http: httpx.AsyncClient,
) -> None:
    item = await create(emulator_http)
    answer = await emulator_http.post(
        f"{API}/workItems/{item}/comments?format=markdown&{V}",
        content=json.dumps({"text": "**Done** <i>now</i>"}),
        headers=JSON,
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["format"], answer.json()["text"]) == ("markdown", "**Done** <i>now</i>")
    one = f"{API}/workItems/{item}/comments/{answer.json()['id']}"
    rendered = (await emulator_http.get(f"{one}?$expand=renderedText&{V}")).json()
    assert rendered["renderedText"] == "<p><strong>Done</strong> &lt;i&gt;now&lt;/i&gt;</p>"
    as_html = await emulator_http.patch(
        f"{one}?format=html&{V}", content=json.dumps({"text": "<i>now</i>"}), headers=JSON
    )
    assert (as_html.json()["format"], as_html.json()["text"]) == ("html", "<em>now</em>")
    bad = await emulator_http.post(
        f"{API}/workItems/{item}/comments?format=rtf&{V}",
        content=json.dumps({"text": "x"}),
        headers=JSON,
    )
    assert bad.status_code == 400
