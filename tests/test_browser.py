"""The pages as a person sees them, in a real browser (headless Chromium, tests/browser_support).

One known scenario, as a team lives it: the Agile sample applied to the local board; then a pull
request retitles a task, rewords an epic's description and adds a story, while Carol retitles a
story on the board. `witsync plan --out-html` shows that change as a page; `witsync apply` makes
it (on a copy); `witsync board` shows the board. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import asyncio
import datetime
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from browser_support import board_served, launched, screenshot

from witsync import cli
from witsync.emulator import asgi_transport, create_app

SAMPLE = Path(__file__).parent.parent / "samples" / "agile"
ITEMS = "http://local-board/local/Fabrikam/_apis/wit/workitems"
CAROL = "Carol Baker <carol@fabrikam.com>"
ENVIRONMENT = ("WITSYNC_ORG_URL", "AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


async def retitle_on_the_board(board: Path, key_title: str, title: str, who: str) -> int:
    """A person's edit through the REST API, as the Basic auth user `who`; returns the id."""
    app = create_app(board, projects=["Fabrikam"])
    async with httpx.AsyncClient(transport=asgi_transport(app, owns_app=True)) as http:
        found = await http.post(
            "http://local-board/local/Fabrikam/_apis/wit/wiql",
            params={"api-version": "7.1"},
            json={
                "query": f"SELECT [System.Id] FROM WorkItems WHERE [System.Title] = '{key_title}'"
            },
        )
        id = int(found.json()["workItems"][0]["id"])
        answer = await http.patch(
            f"{ITEMS}/{id}",
            params={"api-version": "7.1"},
            json=[{"op": "add", "path": "/fields/System.Title", "value": title}],
            headers={"Content-Type": "application/json-patch+json"},
            auth=(who, ""),
        )
        assert answer.status_code == 200, answer.text
    return id


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The sample applied, then the pull request's edits and Carol's; the HTML plan of that."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ENVIRONMENT:
            patch.delenv(name, raising=False)
        root = tmp_path_factory.mktemp("scenario")
        backlog = Path(shutil.copytree(SAMPLE, root / "backlog"))
        assert cli.main(["apply", str(backlog), "--yes"]) == 0
        board = backlog / ".witsync" / "board.sqlite"
        oauth = asyncio.run(
            retitle_on_the_board(
                board, "Register the GitHub OAuth app", "Register our GitHub app", CAROL
            )
        )
        edit(
            backlog / "stories.yaml",
            "title: Confirmation e-mail when paper billing stops",
            "title: Confirmation e-mail and text message when paper billing stops",
        )
        edit(backlog / "epics.yaml", "      - then GitHub\n", "      - then GitHub, next quarter\n")
        edit(
            backlog / "epics.yaml",
            "        related: [msa]\n",
            "        related: [msa]\n"
            "        children:\n"
            "          - key: github-callback\n"
            "            type: User Story\n"
            "            title: Handle the GitHub OAuth callback\n"
            "            storyPoints: 3\n",
        )
        html = root / "plan.html"
        assert cli.main(["plan", str(backlog), "--out-html", str(html), "--out",
                         str(root / "plan.json")]) == 0  # fmt: skip
        # and the pull request merged: a copy of the folder with the plan applied (now, before
        # the browser starts: Playwright's API holds this thread's event loop from then on)
        applied = Path(shutil.copytree(backlog, root / "applied"))
        assert cli.main(["apply", str(applied), "--yes"]) == 0
        yield {"backlog": backlog, "applied": applied, "html": html, "oauth": oauth}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as browser:
        yield browser


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"the page's script failed: {errors}"


def visible(page: Any, selector: str) -> bool:
    return bool(page.locator(selector).first.is_visible())


def test_the_html_plan_shows_the_tree_the_counts_and_the_changes(
    scenario: dict[str, Any], page: Any
) -> None:
    page.goto(scenario["html"].as_uri())
    assert "Fabrikam" in page.locator("h1").inner_text()
    counts = {
        mark: page.locator(f".counts .c-{mark} .n").inner_text()
        for mark in ("create", "update", "remove", "unchanged")
    }
    assert counts == {"create": "1", "update": "3", "remove": "0", "unchanged": "9"}
    # the tree: the new story sits under its feature, which sits under its epic
    new = page.locator("#item-github-sign-in #item-github-callback > details > summary")
    assert new.is_visible()
    assert "CREATE" in new.inner_text().upper()
    assert "Handle the GitHub OAuth callback" in (new.inner_text())
    assert page.locator("#item-sign-in #item-github-sign-in").count() == 1
    # a word diff of the retitled task, as text: what goes struck through, what comes underlined
    task = page.locator("#item-paper-billing-mail > details > .p")
    assert task.locator("ins").first.inner_text() == "and text message "
    assert task.locator("del").count() == 0
    undone = page.locator("#item-github-oauth-app > details > .p td.diff")
    assert [d.inner_text() for d in undone.locator("del").all()] == ["our "]
    assert "the " in [i.inner_text() for i in undone.locator("ins").all()]
    # the description's words, not its markup
    epic = page.locator("#item-sign-in > details > .p")
    assert ", next quarter" in epic.locator("ins").first.inner_text()
    assert "<li>" not in epic.inner_text()
    # drift: who changed the story on the board since witsync wrote it, and when
    story = page.locator("#item-github-oauth-app > details > .p")
    assert "changed on the board by Carol Baker" in story.inner_text()
    assert "drift on the board" in story.inner_text().lower()  # its rows are headed so
    # the manifest line, and the work item's page in Azure Boards' URL shape
    assert "manifest" in story.inner_text()
    assert "stories.yaml:" in story.inner_text()
    link = urlsplit(story.locator("a", has_text="on the board").get_attribute("href"))
    assert link.path == f"/local/Fabrikam/_workitems/edit/{scenario['oauth']}"
    screenshot(page, "plan")


def test_unchanged_branches_are_closed_and_open_with_the_keyboard(
    scenario: dict[str, Any], page: Any
) -> None:
    page.goto(scenario["html"].as_uri())
    # the Microsoft-account feature has no change below it: closed, its items not shown
    assert not visible(page, "#item-msa-ui-tests")
    assert "unchanged below" in page.locator("#item-msa > details > summary").inner_text()
    summary = page.locator("#item-msa > details > summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert visible(page, "#item-msa-ui")
    page.get_by_role("button", name="Expand all").click()
    assert visible(page, "#item-msa-ui-tests")


def test_a_filter_hides_the_unchanged_items(scenario: dict[str, Any], page: Any) -> None:
    page.goto(scenario["html"].as_uri())
    assert visible(page, "#item-paper-billing-api")  # unchanged, next to a changed task
    page.get_by_role("checkbox", name="unchanged").uncheck()
    assert not visible(page, "#item-paper-billing-api")
    assert visible(page, "#item-paper-billing-mail")
    # the story above the changed task stays, greyed, so the change keeps its place
    assert visible(page, "#item-paper-billing > details > summary")
    assert "ctx" in (page.locator("#item-paper-billing").get_attribute("class") or "")
    assert page.locator("#shown").inner_text().startswith("Showing 4 of 13 items")
    screenshot(page, "plan-changes-only")
    # only one type; then a search by key
    page.get_by_role("button", name="Show everything").click()
    page.get_by_role("checkbox", name="Task").uncheck()
    assert not visible(page, "#item-paper-billing-mail")
    page.get_by_role("button", name="Show everything").click()
    page.get_by_role("searchbox").fill("callback")
    page.wait_for_function(
        "() => document.getElementById('shown').textContent.startsWith('Showing 1 of')"
    )
    assert visible(page, "#item-github-callback")
    assert not visible(page, "#item-paper-billing")


def test_the_board_after_the_apply_in_its_pages(scenario: dict[str, Any], page: Any) -> None:
    with board_served(scenario["applied"]) as (url, base):
        assert urlsplit(url).path == "/local/Fabrikam/_boards/backlog"
        page.goto(url)
        assert "Fabrikam backlog" in page.locator("h1").inner_text()
        rows = page.locator(".grid li")
        assert rows.count() == 13
        # the tree: the new story under its feature under its epic, with type and state
        nested = page.locator(
            "li:has(> details > summary a:text-is('Customers can sign in')) "
            "li:has(> details > summary a:text-is('Sign in with GitHub')) "
            "a:text-is('Handle the GitHub OAuth callback')"
        )
        assert nested.is_visible()
        row = page.locator(".grid li", has_text="Register the GitHub OAuth app").first
        assert "Active" in row.inner_text()
        assert "User Story" in row.inner_text()
        screenshot(page, "board-backlog")
        # a filter keeps the parents of what matches
        page.get_by_label("Title or ID").fill("callback")
        page.get_by_role("button", name="Filter").click()
        assert page.locator(".grid li").count() == 3
        # one item's page: its fields, links and history (who, when, what)
        page.goto(f"{base}/local/Fabrikam/_workitems/edit/{scenario['oauth']}")
        assert page.locator("h1").inner_text() == "Register the GitHub OAuth app"
        history = page.locator("ol.history > li")
        assert history.count() >= 3
        newest = history.nth(0).inner_text()
        assert "Title" in newest
        assert "Register our GitHub app" in newest
        carol = page.locator("ol.history > li", has_text="Carol Baker")
        assert carol.count() == 1
        assert "Register the GitHub OAuth app" in carol.inner_text()
        assert "UTC" in carol.inner_text()
        page.get_by_role("link", name="Sign in with GitHub").first.click()
        assert page.locator("h1").inner_text() == "Sign in with GitHub"
        screenshot(page, "board-item")


def test_the_plans_links_open_the_local_board(scenario: dict[str, Any], page: Any) -> None:
    """A local plan links to where `witsync board` serves the board: the same path opens the
    item there (only the port of this test's server differs from the default)."""
    page.goto(scenario["html"].as_uri())
    href = page.locator("#item-paper-billing-api a.wid").get_attribute("href")
    link = urlsplit(href)
    assert (link.hostname, link.port) == ("127.0.0.1", 8765)
    with board_served(scenario["applied"]) as (_, base):
        page.goto(base + link.path)
        assert page.locator("h1").inner_text() == "Billing preferences API"
        assert datetime.date.today().isoformat()[:4] in page.locator(".history").inner_text()
