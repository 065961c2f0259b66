"""`witsync pull` against `witsync serve` over a real socket, and on the local board.

The story of a team's week: the backlog was exported and adopted; then people work on the board
(as other users, through the REST API): they move states, reassign, burn remaining work, retitle
a feature, add tasks under a story, close a bug, delete an epic. `pull` brings that back into
the YAML as minimal edits, and after it the plan has nothing to undo.
"""

from __future__ import annotations

import asyncio
import difflib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from board_support import CAROL, DAN, RELATED, People, seed_team_board
from ruamel.yaml import YAML
from serving import served

from witsync.cli import main

PROJECT = "Fabrikam"
ORG = "pullorg"
SCOPE = "web-team"
PAT = "pull-test-pat"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, str]:
    return {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*.yaml"))
        if path.name != "witsync.yaml"
    }


def changed(before: dict[str, str], after: dict[str, str]) -> list[tuple[str, str, str]]:
    """(file, old line, new line) for every line a pull rewrote; added lines have old ''."""
    found = []
    for name in before:
        old = before[name].splitlines()
        new = after[name].splitlines()
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
            if tag == "replace" and i2 - i1 == j2 - j1:
                found += [(name, a, b) for a, b in zip(old[i1:i2], new[j1:j2], strict=True)]
            elif tag != "equal":
                found += [(name, a, "") for a in old[i1:i2]] + [(name, "", b) for b in new[j1:j2]]
    return found


def entry(folder: Path, key: str) -> dict[str, Any]:
    for path in folder.rglob("*.yaml"):
        stack = list((YAML(typ="safe").load(path.read_text()) or {}).get("items", []))
        while stack:
            found = stack.pop()
            if found.get("key") == key:
                return dict(found)
            stack.extend(found.get("children", []))
    raise KeyError(key)


@pytest.fixture
def week(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An exported, adopted backlog on a served board; yields (org, ids, backlog folder)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", PAT)
    monkeypatch.delenv("WITSYNC_ORG_URL", raising=False)
    with served(tmp_path / "board.sqlite", projects=[PROJECT]) as base:
        org = f"{base}/{ORG}"
        ids = asyncio.run(seed_team_board(org, PROJECT))
        target = ["--org", org, "--project", PROJECT, "--scope", SCOPE]
        assert main(["export", *target, "--area", "Fabrikam\\Web", "--out", "backlog"]) == 0
        assert main(["export", *target, "--ids", str(ids["billing"]), "--out", "backlog/more"]) == 0
        assert main(["apply", "backlog", "--yes"]) == 0
        yield org, ids, tmp_path / "backlog"


async def people_at_work(org: str, ids: dict[str, int]) -> dict[str, int]:
    async with httpx.AsyncClient(timeout=30) as http:
        people = People(http, org, PROJECT)
        await people.update(
            ids["task"],
            {
                "Microsoft.VSTS.Scheduling.RemainingWork": 1.5,
                "System.AssignedTo": DAN,
            },
            who=DAN,
        )
        await people.update(
            ids["feature"],
            {"System.State": "Resolved", "System.Title": "Sign in with a Microsoft account"},
        )
        await people.update(ids["story"], {"System.State": "Active"})  # the entry has no state
        await people.update(ids["bug"], {"System.State": "Closed"}, who=DAN)
        new = {
            "telemetry": await people.create(
                "Task",
                {
                    "System.Title": "Add telemetry: sign-in clicks",
                    "System.AreaPath": "Fabrikam\\Web",
                    "Microsoft.VSTS.Scheduling.RemainingWork": 3,
                },
                who=DAN,
                parent=ids["story"],
                links=[(RELATED, ids["task"])],
            ),
        }
        new["story2"] = await people.create(
            "User Story",
            {"System.Title": "Remember me", "System.AreaPath": "Fabrikam\\Web"},
            parent=ids["feature"],
        )
        new["story2-task"] = await people.create(
            "Task",
            {"System.Title": "Cookie with a long life", "System.AreaPath": "Fabrikam\\Web"},
            parent=new["story2"],
        )
        await people.delete(ids["billing"])
        return new


def test_a_pull_writes_the_boards_news_as_minimal_edits(week, capsys):
    org, ids, backlog = week
    adopted = snapshot(backlog)
    code, out, _ = run(capsys, "pull", "backlog", "--check", "--drift", "--new-children")
    assert code == 0, out  # apply, then pull: nothing to bring back
    assert "0 file" in out

    new = asyncio.run(people_at_work(org, ids))

    code, out, _ = run(capsys, "pull", "backlog", "--check")
    assert code == 2  # the board has news ...
    assert snapshot(backlog) == adopted  # ... and --check wrote nothing

    code, out, err = run(capsys, "pull", "backlog", "--format", "json")
    assert code == 0, err
    news = json.loads(out)
    assert news["written"] is True
    values = {(c["key"], c["field"]): c for c in news["changes"] if c["kind"] == "value"}
    assert set(values) == {
        ("build-the-button", "remainingWork"),
        ("build-the-button", "assignedTo"),
        ("sign-in-with-microsoft", "state"),
    }
    assert values[("build-the-button", "assignedTo")]["after"] == "dan.park@fabrikam.com"
    assert values[("build-the-button", "remainingWork")]["changed_by"] == DAN
    reports = {(c["kind"], c["key"]) for c in news["changes"] if c["kind"] != "value"}
    assert ("closed", "sign-in-redirects-forever-when-cookies-are-blocked") in reports
    assert ("deleted", "billing-without-paper") in reports
    # `git diff` shows the changed values, each on its own line, and nothing else
    assert sorted(changed(adopted, snapshot(backlog))) == [
        ("customers-can-sign-in.yaml", "                assignedTo: carol@fabrikam.com",
         "                assignedTo: dan.park@fabrikam.com"),
        ("customers-can-sign-in.yaml", "                remainingWork: 4",
         "                remainingWork: 1.5"),
        ("customers-can-sign-in.yaml", "        state: Active", "        state: Resolved"),
    ]  # fmt: skip
    assert "state" not in entry(backlog, "sign-in-button-on-the-home-page")

    # the managed title is drift: taken only when asked, with the new children and removals
    code, out, err = run(
        capsys, "pull", "backlog", "--drift", "--new-children", "--remove-closed",
        "--format", "markdown",
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith(f"## Board news for `{SCOPE}`")
    assert "| `sign-in-with-microsoft`" in out
    assert "### New work items under managed ones" in out
    assert "### Entries removed" in out
    assert entry(backlog, "sign-in-with-microsoft")["title"] == "Sign in with a Microsoft account"
    telemetry = entry(backlog, "add-telemetry-sign-in-clicks")
    assert telemetry["id"] == new["telemetry"]
    assert telemetry["remainingWork"] == 3
    assert telemetry["related"] == ["build-the-button"]
    story2 = entry(backlog, "remember-me")
    assert story2["id"] == new["story2"]
    assert [child["id"] for child in story2["children"]] == [new["story2-task"]]
    assert "sign-in-redirects-forever-when-cookies-are-blocked.yaml" in snapshot(backlog)
    with pytest.raises(KeyError):
        entry(backlog, "sign-in-redirects-forever-when-cookies-are-blocked")
    with pytest.raises(KeyError):
        entry(backlog, "billing-without-paper")

    # after the pull the plan undoes nothing: only the new children are adopted
    code, out, err = run(capsys, "plan", "backlog", "--format", "json")
    assert code == 0, err
    plan = json.loads(out)
    assert {a["key"] for a in plan["actions"]} == {
        "add-telemetry-sign-in-clicks", "remember-me", "cookie-with-a-long-life",
    }  # fmt: skip
    for action in plan["actions"]:
        assert action["action"] == "adopt"
        assert action["links"] == []
        assert [change["field"] for change in action["changes"]] == ["System.Tags"]
    assert run(capsys, "apply", "backlog", "--yes")[0] == 0
    code, out, _ = run(capsys, "plan", "backlog", "--detailed-exitcode")
    assert code == 0, out
    code, out, _ = run(capsys, "pull", "backlog", "--check", "--drift", "--new-children")
    assert code == 0, out


DEFAULTS_BACKLOG = """\
# Sprint work of the checkout team
apiVersion: witsync/v1
defaults:
  iteration: Local\\Sprint 1   # the current sprint
items:
  - key: cart
    type: User Story
    title: Cart
    children:
      - {key: cart-api, type: Task, title: Cart API, remainingWork: 5}
      - key: cart-ui
        type: Task
        title: Cart UI
        remainingWork: 8   # estimate from planning
"""


CART_API = "{key: cart-api, type: Task, title: Cart API, remainingWork: 5}"
MOVED_CART_API = (
    "{key: cart-api, type: Task, title: Cart API, remainingWork: 2, iteration: Local\\Sprint 2}"
)


def test_a_default_that_no_longer_fits_is_written_on_the_item(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WITSYNC_ORG_URL", raising=False)
    (tmp_path / "witsync.yaml").write_text("scope: checkout\n")
    (tmp_path / "sprint.yaml").write_text(DEFAULTS_BACKLOG)
    assert main(["apply", "--yes"]) == 0
    capsys.readouterr()
    ids = {item["key"]: item["id"] for item in _plan_items(capsys)}

    async def move(keys: list[str], sprint: str) -> None:
        from witsync.emulator import asgi_transport, create_app

        app = create_app(tmp_path / ".witsync" / "board.sqlite", projects=["Local"])
        async with httpx.AsyncClient(transport=asgi_transport(app, owns_app=True)) as http:
            people = People(http, "http://local-board/local", "Local")
            for key in keys:
                fields: dict[str, Any] = {"System.IterationPath": f"Local\\{sprint}"}
                if key != "cart":  # the tasks
                    fields["Microsoft.VSTS.Scheduling.RemainingWork"] = 2
                await people.update(ids[key], fields, who=CAROL)

    asyncio.run(move(["cart-api"], "Sprint 2"))
    code, out, err = run(capsys, "pull", "--drift")
    assert code == 0, err
    assert "no longer fits it: written on the item" in out
    text = (tmp_path / "sprint.yaml").read_text()
    assert text == DEFAULTS_BACKLOG.replace(CART_API, MOVED_CART_API)
    # when every entry that takes the default has moved, the default itself changes
    asyncio.run(move(["cart", "cart-ui"], "Sprint 2"))
    code, out, err = run(capsys, "pull", "--drift")
    assert code == 0, err
    assert "defaults iteration" in out
    assert (tmp_path / "sprint.yaml").read_text() == DEFAULTS_BACKLOG.replace(
        CART_API, MOVED_CART_API
    ).replace("Local\\Sprint 1   #", "Local\\Sprint 2   #").replace(
        "remainingWork: 8   #", "remainingWork: 2   #"
    )
    code, out, _ = run(capsys, "plan", "--detailed-exitcode")
    assert code == 0, out


def _plan_items(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert main(["plan", "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    return [item for item in plan["items"] if item.get("id")]
