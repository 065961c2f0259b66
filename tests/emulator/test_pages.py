"""The board as web pages: backlog tree, work item page (fields, rich text, links, history).

Driven in-process through the REST API, as people and witsync fill a board; the pages are
read as HTML (the browser tests in tests/test_browser.py look at them as a person does).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

ORG = "acme"
BASE = f"/{ORG}/Fabrikam"
API = f"{BASE}/_apis/wit/workitems"
CAROL = ("Carol Baker <carol@fabrikam.com>", "")
DAN = ("Dan Park <dan@fabrikam.com>", "")


def add(path: str, value: Any) -> dict[str, Any]:
    return {"op": "add", "path": path, "value": value}


def parent(id: int) -> dict[str, Any]:
    url = f"http://emulator/{ORG}/_apis/wit/workItems/{id}"
    return add("/relations/-", {"rel": "System.LinkTypes.Hierarchy-Reverse", "url": url})


async def create(
    http: httpx.AsyncClient, type: str, ops: list[dict[str, Any]], auth: tuple[str, str] = CAROL
) -> int:
    answer = await http.post(
        f"{API}/${type}",
        params={"api-version": "7.1"},
        json=ops,
        headers={"Content-Type": "application/json-patch+json"},
        auth=auth,
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["id"])


async def update(
    http: httpx.AsyncClient, id: int, ops: list[dict[str, Any]], auth: tuple[str, str] = DAN
) -> None:
    answer = await http.patch(
        f"{API}/{id}",
        params={"api-version": "7.1"},
        json=ops,
        headers={"Content-Type": "application/json-patch+json"},
        auth=auth,
    )
    assert answer.status_code == 200, answer.text


@pytest.fixture
async def board(emulator_http: httpx.AsyncClient) -> dict[str, int]:
    """An epic with a feature and two stories under it, one story assigned and tagged, one task
    under a story, a bug on its own; then Dan retitles a story and links two items."""
    http = emulator_http
    epic = await create(http, "Epic", [add("/fields/System.Title", "Customers can sign in")])
    feature = await create(
        http, "Feature", [add("/fields/System.Title", "Microsoft accounts"), parent(epic)]
    )
    story = await create(
        http,
        "User Story",
        [
            add("/fields/System.Title", "Sign-in button"),
            add("/fields/System.AssignedTo", "Dan Park <dan@fabrikam.com>"),
            add("/fields/System.Tags", "ui; q3"),
            add(
                "/fields/System.Description",
                '<p>Click <b>here</b><script>alert(1)</script><img src="x" onerror="alert(2)">'
                '<a href="javascript:alert(3)">bad</a> <a href="https://example.com/spec">spec</a>'
                "</p>",
            ),
            add("/fields/Microsoft.VSTS.Scheduling.StoryPoints", 3),
            parent(feature),
        ],
    )
    other = await create(
        http, "User Story", [add("/fields/System.Title", "Sign-out"), parent(feature)]
    )
    task = await create(http, "Task", [add("/fields/System.Title", "Build it"), parent(story)])
    bug = await create(http, "Bug", [add("/fields/System.Title", "Cookies break sign-in")])
    await update(
        http,
        story,
        [
            add("/fields/System.Title", "Sign-in button on the home page"),
            add("/fields/System.State", "Active"),
            add("/fields/System.History", "Moved to <i>Active</i>: design agreed"),
            add(
                "/relations/-",
                {
                    "rel": "System.LinkTypes.Related",
                    "url": f"http://emulator/{ORG}/_apis/wit/workItems/{bug}",
                },
            ),
        ],
    )
    return {"epic": epic, "feature": feature, "story": story, "other": other, "task": task,
            "bug": bug}  # fmt: skip


class Page(HTMLParser):
    """What a page says: its text, its links (href, text), how many scripts it has."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.scripts = 0
        self.texts: list[str] = []
        self._href: str | None = None
        self._anchor: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._anchor = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._anchor).strip()))
            self._href = None

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self._href is not None:
            self._anchor.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.texts))


def backlog_rows(text: str) -> list[tuple[int, str, bool]]:
    """(depth, title, shown only as context) of each row of the backlog tree, in order."""
    rows = []
    for match in re.finditer(
        r'<li(?P<ctx> class="ctx")? data-id="\d+">.*?--d:(?P<depth>\d+)".*?'
        r'/_workitems/edit/\d+" title="[^"]*">(?P<title>[^<]*)</a>',
        text,
        re.DOTALL,
    ):
        rows.append((int(match["depth"]), match["title"], bool(match["ctx"])))
    return rows


async def test_the_backlog_is_the_tree_of_the_project(
    emulator_http: httpx.AsyncClient, board: dict[str, int]
) -> None:
    answer = await emulator_http.get(f"{BASE}/_boards/backlog")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    assert backlog_rows(answer.text) == [
        (0, "Customers can sign in", False),
        (1, "Microsoft accounts", False),
        (2, "Sign-in button on the home page", False),
        (3, "Build it", False),
        (2, "Sign-out", False),
        (0, "Cookies break sign-in", False),
    ]
    page = Page(answer.text)
    assert page.scripts == 0  # server-rendered: no script at all
    # types, states, the assignee and tags are on the rows
    assert "Dan Park" in page.text
    assert "Active" in page.text
    assert "q3" in page.text
    assert f"{BASE}/_workitems/edit/{board['story']}" in {href for href, _ in page.links}
    # branches open and close without a script: <details> with <summary> rows
    assert answer.text.count("<details open>") == 3


async def test_filters_keep_the_parents_of_what_matches_as_context(
    emulator_http: httpx.AsyncClient, board: dict[str, int]
) -> None:
    by_type = await emulator_http.get(f"{BASE}/_boards/backlog", params={"type": "Task"})
    assert backlog_rows(by_type.text) == [
        (0, "Customers can sign in", True),
        (1, "Microsoft accounts", True),
        (2, "Sign-in button on the home page", True),
        (3, "Build it", False),
    ]
    assert "1 of 6 items match" in by_type.text
    by_text = await emulator_http.get(f"{BASE}/_boards/backlog", params={"q": "cookies"})
    assert backlog_rows(by_text.text) == [(0, "Cookies break sign-in", False)]
    by_id = await emulator_http.get(f"{BASE}/_boards/backlog", params={"q": f"#{board['other']}"})
    assert [row[1] for row in backlog_rows(by_id.text) if not row[2]] == ["Sign-out"]
    by_state = await emulator_http.get(
        f"{BASE}/_boards/backlog", params=[("state", "Active"), ("assigned", "Dan Park")]
    )
    assert [row[1] for row in backlog_rows(by_state.text) if not row[2]] == [
        "Sign-in button on the home page"
    ]
    by_tag = await emulator_http.get(f"{BASE}/_boards/backlog", params={"tag": "Q3"})
    assert [row[1] for row in backlog_rows(by_tag.text) if not row[2]] == [
        "Sign-in button on the home page"
    ]
    nothing = await emulator_http.get(f"{BASE}/_boards/backlog", params={"q": "no such words"})
    assert backlog_rows(nothing.text) == []
    assert "No work items match" in nothing.text


async def test_collapse_all_closes_every_branch(
    emulator_http: httpx.AsyncClient, board: dict[str, int]
) -> None:
    closed = await emulator_http.get(f"{BASE}/_boards/backlog", params={"open": "none"})
    assert "<details open>" not in closed.text
    assert closed.text.count("<details>") == 3


async def test_the_work_item_page_shows_fields_rich_text_links_and_history(
    emulator_http: httpx.AsyncClient, board: dict[str, int]
) -> None:
    story = board["story"]
    answer = await emulator_http.get(f"{BASE}/_workitems/edit/{story}")
    assert answer.status_code == 200
    body = answer.text
    page = Page(body)
    text = page.text
    assert "User Story" in text
    assert "Sign-in button on the home page" in text
    assert "Dan Park" in text
    assert "Active" in text
    assert "Story Points" in text
    # rich text rendered, and cleaned: no script, no handler, no javascript: link, no image
    assert "Click <strong>here</strong>" in body
    assert "<script" not in body
    assert "onerror" not in body
    assert "javascript:" not in body
    assert "<img" not in body
    assert ("https://example.com/spec", "spec") in page.links
    # links are clickable: parent, child, related, each to its own page
    hrefs = dict(page.links)
    for id in (board["feature"], board["task"], board["bug"]):
        assert f"{BASE}/_workitems/edit/{id}" in hrefs
    assert f"{board['bug']} Cookies break sign-in" in text
    # the history: newest first, who, when, what
    history = text[text.index("History") :]
    assert history.index("Dan Park changed it") < history.index("Carol Baker created the work item")
    assert "Title: from Sign-in button → to Sign-in button on the home page" in history
    assert "State: from New → to Active" in history
    assert "Link added: Related #6 Cookies break sign-in" in history.replace(str(board["bug"]), "6")
    assert "Story Points: to 3 " in history  # a number as people write it, not 3.0
    assert "Moved to Active: design agreed" in history  # the comment, as rich text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", history)


async def test_unknown_items_and_projects_get_a_page_saying_so(
    emulator_http: httpx.AsyncClient, board: dict[str, int]
) -> None:
    missing = await emulator_http.get(f"{BASE}/_workitems/edit/999")
    assert missing.status_code == 404
    assert "There is no work item 999" in missing.text
    other = await emulator_http.get(f"/{ORG}/Nowhere/_boards/backlog")
    assert other.status_code == 404
    assert "There is no project 'Nowhere'" in Page(other.text).text
    # another organization's item is not this one's
    elsewhere = await emulator_http.get(f"/other/Fabrikam/_workitems/edit/{board['story']}")
    assert elsewhere.status_code == 404


async def test_pages_leave_the_api_answers_alone(
    emulator_http: httpx.AsyncClient, board: dict[str, int]
) -> None:
    # an unknown API path still gets the API's own JSON answer, not a page
    answer = await emulator_http.get(f"/{ORG}/_apis")
    assert answer.headers["content-type"].startswith("application/json")
    unknown = await emulator_http.get("/_apis/whatever", params={"api-version": "7.1"})
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/json")
    # the organization page lists the projects; a project's address leads to its backlog
    org = await emulator_http.get(f"/{ORG}")
    assert f'href="{BASE}/_boards/backlog"' in org.text
    project = await emulator_http.get(BASE, follow_redirects=False)
    assert project.status_code == 302
    assert project.headers["location"] == f"{BASE}/_boards/backlog"


async def test_pages_never_write(emulator_http: httpx.AsyncClient, board: dict[str, int]) -> None:
    before = await emulator_http.get(f"{API}/{board['story']}", params={"api-version": "7.1"})
    for path in (f"{BASE}/_boards/backlog", f"{BASE}/_workitems/edit/{board['story']}"):
        assert (await emulator_http.post(path)).status_code == 405
        await emulator_http.get(path)
    after = await emulator_http.get(f"{API}/{board['story']}", params={"api-version": "7.1"})
    assert after.json()["rev"] == before.json()["rev"]
