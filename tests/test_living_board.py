"""A living board, end to end over a real socket (issue 11): `witsync serve`, the CLI, and a
colleague who edits the board through the REST API as another user, while the YAML changes.

apply; the colleague retitles an item; a plan is saved; the colleague re-parents an item the plan
moves → `apply --plan` reports that item as a conflict, applies the rest, exits 1; prune closes
an item, the entry comes back → reopen; the colleague deletes an item → restore (same id); a key
is renamed with `previousKeys` → same id; a type changes → same id. Then the board matches.
"""

from __future__ import annotations

import html
import json
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

    def updates(self, id: int) -> list[Any]:
        response = self.http.get(f"{self.org}/_apis/wit/workitems/{id}/updates?{V}")
        assert response.status_code == 200, response.text
        return list(response.json()["value"])

    def notes(self, id: int) -> list[str]:
        """The history notes of the item's revisions, as text."""
        return [
            html.unescape(update["fields"]["System.History"]["newValue"])
            for update in self.updates(id)
            if "System.History" in update.get("fields", {})
        ]

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
    # the pull request's own change and Priya's are told apart
    from_manifests, drift = out.split("Drift on the board:")
    assert "From the manifests:" in from_manifests
    assert "(key story-c)" in from_manifests
    assert "Priya Raman" not in from_manifests
    assert "(key story-b)" in drift

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


GITHUB_RUN = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
    "GITHUB_REF": "refs/pull/42/merge",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "fabrikam/backlog",
    "GITHUB_RUN_ID": "5150",
}


def test_whose_change_it_is(
    board: tuple[str, Path],
    priya: Colleague,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 11, points 9-11: every revision witsync writes carries its history note; a plan
    splits the changes from the manifests from drift on the board (fields and links, with who
    and when); the tags a colleague adds survive the apply, the ones witsync added go when the
    YAML drops them."""
    _org, repo = board
    for name, value in GITHUB_RUN.items():
        monkeypatch.setenv(name, value)
    tagged = manifest().replace("title: Quiet hours}", "title: Quiet hours, tags: [night]}")

    # 1. the first apply, from a pull request's pipeline: every item says what wrote it
    write(repo, tagged)
    code, out, err = run(capsys, repo, "apply", "--yes", "--message", "first import")
    assert code == 0, out + err
    ids = priya.ids()
    note = (
        "witsync apply — commit 0123456789ab, PR #42, run "
        "https://github.com/fabrikam/backlog/actions/runs/5150 — first import [witsync:ops]"
    )
    for key in ("alerts", "story-b", "story-c"):
        assert priya.notes(ids[key]) == [note], key

    # 2. Priya, on the board: a title and a tag of story-b, and story-c under another parent
    current = priya.get(ids["story-b"])["fields"]
    priya.patch(
        ids["story-b"],
        [
            {"op": "replace", "path": "/fields/System.Title", "value": "Quiet hours (Priya)"},
            {"op": "replace", "path": "/fields/System.Tags", "value": current["System.Tags"]
             + "; blocked"},
        ],
    )  # fmt: skip
    priya.reparent(ids["story-c"], ids["reports"])

    # 3. a pull request renames the epic and tags story-b q4: the plan tells the two apart
    edited = tagged.replace("wake the right person", "wake the on-call person").replace(
        "tags: [night]", "tags: [night, q4]"
    )
    write(repo, edited)
    code, out, err = run(capsys, repo, "plan")
    assert code == 0, out + err
    ours, heading, theirs = out.partition("\nDrift on the board:\n")
    assert heading, out
    assert "\nFrom the manifests:\n" in ours
    assert (
        'System.Title: "Alerts that wake the right person" → "Alerts that wake the on-call person"'
        in ours
    )
    # q4 is the pull request's; Priya's tag is kept
    assert 'System.Tags: "blocked; night; witsync:ops" → "blocked; night; q4; witsync:ops"' in ours
    priyas = "on the board by Priya Raman <priya@fabrikam.com> at 20"
    assert 'System.Title: "Quiet hours (Priya)" → "Quiet hours"  (changed ' + priyas in theirs
    assert f"- link Parent → #{ids['reports']} (reports)  (added {priyas}" in theirs
    assert f"+ link Parent → #{ids['dashboards']} (dashboards)  (removed {priyas}" in theirs
    assert "Alerts that wake" not in theirs
    assert "Quiet hours (Priya)" not in ours

    code, out, err = run(capsys, repo, "plan", "--format", "json")
    assert code == 0, out + err
    actions = {action["key"]: action for action in json.loads(out)["actions"]}
    origins = {change["field"]: change["origin"] for change in actions["story-b"]["changes"]}
    assert origins == {"System.Title": "board", "System.Tags": "manifests"}
    assert [link["origin"] for link in actions["story-c"]["links"]] == ["board", "board"]
    assert actions["alerts"]["changes"][0]["origin"] == "manifests"
    code, out, err = run(capsys, repo, "plan", "--format", "markdown")
    assert out.index("#### From the manifests") < out.index("#### Drift on the board")

    # 4. the merge is applied: Priya's tag stays, her title and parent are put back
    monkeypatch.setenv("GITHUB_REF", "refs/heads/main")
    code, out, err = run(capsys, repo, "apply", "--yes")
    assert code == 0, out + err
    story_b = priya.get(ids["story-b"])["fields"]
    assert story_b["System.Title"] == "Quiet hours"
    assert {t.strip() for t in story_b["System.Tags"].split(";")} == {
        "blocked",
        "night",
        "q4",
        "witsync:ops",
    }
    assert priya.parent_of(ids["story-c"]) == ids["dashboards"]
    assert priya.notes(ids["story-b"])[-1] == (
        "witsync apply — commit 0123456789ab, run "
        "https://github.com/fabrikam/backlog/actions/runs/5150 [witsync:ops]"
    )
    code, out, err = run(capsys, repo, "plan", "--detailed-exitcode")
    assert code == 0, out + err  # her tag is hers: nothing to change

    # 5. the YAML drops q4, which witsync added: it goes, her tag stays
    write(repo, edited.replace("tags: [night, q4]", "tags: [night]"))
    code, out, err = run(capsys, repo, "apply", "--yes")
    assert code == 0, out + err
    tags = {t.strip() for t in priya.get(ids["story-b"])["fields"]["System.Tags"].split(";")}
    assert tags == {"blocked", "night", "witsync:ops"}
