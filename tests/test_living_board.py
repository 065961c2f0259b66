"""A living board, end to end over a real socket (issue 11): `witsync serve`, the CLI, and a
colleague who edits the board through the REST API as another user, while the YAML changes.

apply; the colleague retitles an item; a plan is saved; the colleague re-parents an item the plan
moves → `apply --plan` reports that item as a conflict, applies the rest, exits 1; prune closes
an item, the entry comes back → reopen; the colleague deletes an item → restore (same id); a key
is renamed with `previousKeys` → same id; a type changes → same id. Then the board matches.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from serving import served

from witsync.cli import main

PROJECT = "Fabrikam"
ORG = "living"
SCOPE = "ops"
V = "api-version=7.1"
PRIYA = httpx.BasicAuth("Priya Raman <priya@fabrikam.com>", "priyas-pat")
PATCH = {"Content-Type": "application/json-patch+json"}


def manifest(*, story_c_parent: str = "dashboards", extra: str = "", **keys: str) -> str:
    """The backlog; `keys` renames entries (old=new plus its previousKeys line)."""
    oncall = keys.get("oncall", "key: alert-oncall")
    retyped = keys.get("retyped", "type: User Story")
    return (
        textwrap.dedent(
            f"""\
        items:
          - key: alerts
            type: Epic
            title: Alerts that wake the right person
            children:
              - key: paging
                type: Feature
                title: Paging
                children:
                  - {{{oncall}, type: User Story, title: Page whoever is on call}}
                  - {{key: story-b, type: User Story, title: Quiet hours}}
              - key: dashboards
                type: Feature
                title: Dashboards
              - key: reports
                type: Feature
                title: Weekly reports
          - key: story-c
            type: User Story
            title: Alert history chart
            parent: {story_c_parent}
          - key: escalate
            {retyped}
            title: Escalate after ten minutes
            parent: paging
        """
        )
        + extra
    )


OLD_STORY = """\
  - key: old-story
    type: User Story
    title: Page by fax
    parent: paging
"""


@pytest.fixture
def board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", "witsyncs-pat")
    monkeypatch.delenv("WITSYNC_ORG_URL", raising=False)
    with served(tmp_path / "board.sqlite", projects=[PROJECT]) as base:
        org = f"{base}/{ORG}"
        repo = tmp_path / "repo"
        repo.mkdir()
        (repo / "witsync.yaml").write_text(f"org: {org}\nproject: {PROJECT}\nscope: {SCOPE}\n")
        monkeypatch.chdir(repo)
        yield org, repo


def write(repo: Path, text: str) -> None:
    (repo / "backlog.yaml").write_text(text, encoding="utf-8")


def run(capsys: pytest.CaptureFixture[str], repo: Path, *argv: str) -> tuple[int, str, str]:
    """`witsync ARGV...` in the repository folder (the manifests and witsync.yaml are there)."""
    assert Path.cwd() == repo
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class Colleague:
    """Priya, on the board through the REST API."""

    def __init__(self, org: str, http: httpx.Client) -> None:
        self.org = org
        self.http = http

    def ids(self) -> dict[str, int]:
        """The ids of the scope's items by key (from their marker hyperlinks)."""
        found = self.http.post(
            f"{self.org}/{PROJECT}/_apis/wit/wiql?{V}",
            json={
                "query": f"SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS "
                f"'witsync:{SCOPE}'"
            },
        ).json()["workItems"]
        keys: dict[str, int] = {}
        for entry in found:
            item = self.get(entry["id"])
            for relation in item.get("relations", []):
                prefix = f"https://witsync.invalid/{SCOPE}/"
                if relation["url"].startswith(prefix):
                    keys[relation["url"][len(prefix) :]] = item["id"]
        return keys

    def get(self, id: int) -> Any:
        response = self.http.get(f"{self.org}/_apis/wit/workitems/{id}?$expand=relations&{V}")
        assert response.status_code == 200, response.text
        return response.json()

    def patch(self, id: int, ops: list[dict[str, Any]]) -> Any:
        response = self.http.patch(
            f"{self.org}/_apis/wit/workitems/{id}?{V}", json=ops, headers=PATCH
        )
        assert response.status_code == 200, response.text
        return response.json()

    def parent_of(self, id: int) -> int | None:
        for relation in self.get(id).get("relations", []):
            if relation["rel"] == "System.LinkTypes.Hierarchy-Reverse":
                return int(relation["url"].rsplit("/", 1)[1])
        return None

    def reparent(self, id: int, parent: int) -> None:
        item = self.get(id)
        ops: list[dict[str, Any]] = [
            {"op": "remove", "path": f"/relations/{index}"}
            for index, relation in enumerate(item.get("relations", []))
            if relation["rel"] == "System.LinkTypes.Hierarchy-Reverse"
        ]
        ops.append(
            {
                "op": "add",
                "path": "/relations/-",
                "value": {
                    "rel": "System.LinkTypes.Hierarchy-Reverse",
                    "url": f"{self.org}/_apis/wit/workItems/{parent}",
                },
            }
        )
        after = self.patch(id, ops)
        assert after["rev"] == item["rev"]  # link-only: no new revision

    def delete(self, id: int) -> None:
        response = self.http.delete(f"{self.org}/_apis/wit/workitems/{id}?{V}")
        assert response.status_code == 200, response.text


@pytest.fixture
def priya(board: tuple[str, Path]) -> Iterator[Colleague]:
    with httpx.Client(auth=PRIYA, timeout=30) as http:
        yield Colleague(board[0], http)


def test_a_living_board(
    board: tuple[str, Path], priya: Colleague, capsys: pytest.CaptureFixture[str]
) -> None:
    _org, repo = board

    # 1. the team applies its backlog
    write(repo, manifest(extra=OLD_STORY))
    code, out, err = run(capsys, repo, "apply", "--yes")
    assert code == 0, out + err
    ids = priya.ids()
    assert set(ids) == {
        "alerts",
        "paging",
        "dashboards",
        "reports",
        "alert-oncall",
        "story-b",
        "story-c",
        "escalate",
        "old-story",
    }

    # 2. Priya retitles a story on the board; a pull request moves story-c and renames story-b
    priya.patch(
        ids["story-b"],
        [{"op": "replace", "path": "/fields/System.Title", "value": "Quiet hours (Priya)"}],
    )
    write(
        repo,
        manifest(story_c_parent="paging", extra=OLD_STORY).replace(
            "Quiet hours", "Quiet hours at night"
        ),
    )
    code, out, err = run(capsys, repo, "plan", "--out", str(repo.parent / "plan.json"))
    assert code == 0, out + err
    assert "Priya Raman" in out  # the drift says who
    assert 'System.Title: "Quiet hours (Priya)" → "Quiet hours at night"' in out

    # 3. before the merge runs, Priya re-parents story-c: link-only, the guard cannot see it
    priya.reparent(ids["story-c"], ids["reports"])
    code, out, err = run(capsys, repo, "apply", "--plan", str(repo.parent / "plan.json"), "--yes")
    assert code == 1, out + err
    both = out + err
    assert f"changed on the board since the plan: parent is now #{ids['reports']}" in both
    assert "plan again" in both
    assert "fix the manifest" not in both
    assert priya.get(ids["story-b"])["fields"]["System.Title"] == "Quiet hours at night"
    assert priya.parent_of(ids["story-c"]) == ids["reports"]  # Priya's move is kept
    code, out, err = run(capsys, repo, "apply", "--yes")  # planned again: the move is shown
    assert code == 0, out + err
    assert priya.parent_of(ids["story-c"]) == ids["paging"]

    # 4. old-story leaves the manifests and is pruned (closed); it is shown as closed, not
    #    unchanged; put back, it is reopened
    write(repo, manifest(story_c_parent="paging").replace("Quiet hours", "Quiet hours at night"))
    code, out, err = run(capsys, repo, "apply", "--yes", "--prune")
    assert code == 0, out + err
    assert priya.get(ids["old-story"])["fields"]["System.State"] == "Removed"
    code, out, err = run(capsys, repo, "plan")
    assert code == 0, out + err
    assert "1 closed" in out
    assert f"#{ids['old-story']}" in out
    write(
        repo,
        manifest(story_c_parent="paging", extra=OLD_STORY).replace(
            "Quiet hours", "Quiet hours at night"
        ),
    )
    code, out, err = run(capsys, repo, "plan")
    assert code == 0, out + err
    assert f'~ reopen User Story #{ids["old-story"]} "Page by fax"' in out
    code, out, err = run(capsys, repo, "apply", "--yes")
    assert code == 0, out + err
    assert priya.get(ids["old-story"])["fields"]["System.State"] == "New"

    # 5. Priya deletes story-b on the board: the next apply restores it, same id
    priya.delete(ids["story-b"])
    code, out, err = run(capsys, repo, "plan")
    assert f"+ restore User Story #{ids['story-b']}" in out, out + err
    code, out, err = run(capsys, repo, "apply", "--yes")
    assert code == 0, out + err
    assert priya.get(ids["story-b"])["fields"]["System.Title"] == "Quiet hours at night"
    assert priya.parent_of(ids["story-b"]) == ids["paging"]

    # 6. a key is renamed with previousKeys, and a type changes: the same work items
    final = manifest(
        story_c_parent="paging",
        extra=OLD_STORY,
        oncall="key: alert-oncall-rotation, previousKeys: [alert-oncall]",
        retyped="type: Task",
    ).replace("Quiet hours", "Quiet hours at night")
    write(repo, final)
    code, out, err = run(capsys, repo, "plan")
    assert code == 0, out + err
    assert (
        '~ rekey User Story #{} "Page whoever is on call" (key alert-oncall → '
        "alert-oncall-rotation)".format(ids["alert-oncall"])
        in out
    )
    assert 'System.WorkItemType: "User Story" → "Task"' in out
    code, out, err = run(capsys, repo, "apply", "--yes")
    assert code == 0, out + err
    after = priya.ids()
    assert after["alert-oncall-rotation"] == ids["alert-oncall"]
    assert "alert-oncall" not in after
    assert priya.get(ids["escalate"])["fields"]["System.WorkItemType"] == "Task"

    # 7. and the board matches the manifests
    code, out, err = run(capsys, repo, "plan", "--detailed-exitcode")
    assert code == 0, out + err
    assert "No changes." in out
