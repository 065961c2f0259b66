"""Pipelines that retry and race, from the command line: a saved plan applied twice, two applies
started together against `witsync serve`, and duplicates reported as an error and repaired."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from cli_support import cli_repo, witsync, witsync_started

from witsync.ado.client import Client
from witsync.cli import main
from witsync.marker import marker_keys, marker_url, scope_tag
from witsync.model import REL_PARENT

PROJECT = "Fabrikam"  # a project of the emulator_server fixture
SCOPE = "race"
V = "api-version=7.1"


def backlog(epics: int, features: int, stories: int) -> str:
    lines = ["apiVersion: witsync/v1", "items:"]
    for e in range(epics):
        lines += [f"  - key: e{e}", "    type: Epic", f"    title: Epic {e}", "    children:"]
        for f in range(features):
            lines += [f"      - key: e{e}f{f}", "        type: Feature", f"        title: F{e}.{f}"]
            lines += ["        children:"]
            for s in range(stories):
                key = f"e{e}f{f}s{s}"
                lines += [f"          - key: {key}", "            type: User Story"]
                lines += [f"            title: Story {key}", "            state: Active"]
    return "\n".join(lines) + "\n"


async def keyed(url: str, scope: str = SCOPE) -> dict[str, list[int]]:
    """Every work item of the project carrying a marker of `scope`, by key."""
    async with Client(httpx.AsyncClient(timeout=30), url, PROJECT) as client:
        ids = await client.query_ids(
            "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project"
            " ORDER BY [System.Id]"
        )
        found: dict[str, list[int]] = {}
        for item in await client.get_items(ids):
            for key in marker_keys(item, scope):
                found.setdefault(key, []).append(item.id)
        return found


def test_a_saved_plan_applied_twice_creates_nothing_the_second_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_repo(tmp_path, monkeypatch, "project: Proj\nscope: web\n", backlog(1, 2, 2))
    assert main(["plan", "--out", "plan.json"]) == 0
    assert main(["apply", "--plan", "plan.json", "--yes"]) == 0
    capsys.readouterr()
    assert main(["apply", "--plan", "plan.json", "--yes", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "created" not in captured.out.replace("created since the plan", "")
    assert captured.out.count("already there") == 7
    assert main(["plan", "--detailed-exitcode"]) == 0


@pytest.mark.slow
@pytest.mark.parametrize("emulator_server", [["--latency-ms", "20"]], indirect=True)
def test_two_applies_started_together_leave_one_item_per_key(
    tmp_path: Path, emulator_server: str
) -> None:
    url = f"{emulator_server}/raceorg"
    for attempt in range(3):
        scope = f"{SCOPE}{attempt}"
        repo = tmp_path / scope
        repo.mkdir()
        (repo / "witsync.yaml").write_text(f"org: {url}\nproject: {PROJECT}\nscope: {scope}\n")
        (repo / "backlog.yaml").write_text(backlog(2, 3, 3 + attempt))
        started = [
            witsync_started("apply", "--yes", "--parallelism", str(2 + 3 * n), cwd=repo)
            for n in (0, 1)
        ]
        for process in started:
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
        found = asyncio.run(keyed(url, scope))
        assert {key: ids for key, ids in found.items() if len(ids) > 1} == {}, "duplicates"
        assert len(found) == 2 + 6 + 6 * (3 + attempt)
        done = witsync("plan", "--detailed-exitcode", cwd=repo)
        assert done.returncode == 0, done.stdout + done.stderr


def create_as_a_person(url: str, fields: dict[str, str], marker: str, parent: int | None) -> int:
    """A work item made through the REST API by someone else, carrying a copied marker."""
    ops: list[dict[str, object]] = [
        {"op": "add", "path": f"/fields/{name}", "value": value} for name, value in fields.items()
    ]
    ops.append({"op": "add", "path": "/relations/-", "value": {"rel": "Hyperlink", "url": marker}})
    if parent is not None:
        target = f"{url}/{PROJECT}/_apis/wit/workItems/{parent}"
        link = {"rel": REL_PARENT, "url": target}
        ops.append({"op": "add", "path": "/relations/-", "value": link})
    answer = httpx.post(
        f"{url}/{PROJECT}/_apis/wit/workitems/$Feature?{V}",
        json=ops,
        headers={"Content-Type": "application/json-patch+json"},
        auth=("priya@fabrikam.com", "pat"),
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["id"])


@pytest.mark.parametrize("emulator_server", [[]], indirect=True)
def test_duplicates_are_an_error_until_dedupe_repairs_them(
    tmp_path: Path, emulator_server: str
) -> None:
    url = f"{emulator_server}/duporg"
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "witsync.yaml").write_text(f"org: {url}\nproject: {PROJECT}\nscope: {SCOPE}\n")
    (repo / "backlog.yaml").write_text(backlog(1, 1, 1))
    assert witsync("apply", "--yes", cwd=repo).returncode == 0
    ids = asyncio.run(keyed(url))
    # someone copies the feature, marker and all, and files a story of the set under the copy
    copy = create_as_a_person(
        url,
        {"System.Title": "F0.0", "System.Tags": scope_tag(SCOPE)},
        marker_url(SCOPE, "e0f0"),
        parent=ids["e0"][0],
    )
    story = ids["e0f0s0"][0]
    move = [
        {"op": "remove", "path": "/relations/0"},
        {
            "op": "add",
            "path": "/relations/-",
            "value": {"rel": REL_PARENT, "url": f"{url}/{PROJECT}/_apis/wit/workItems/{copy}"},
        },
    ]
    story_item = httpx.get(f"{url}/{PROJECT}/_apis/wit/workitems/{story}?$expand=relations&{V}")
    rels = story_item.json()["relations"]
    move[0]["path"] = f"/relations/{next(i for i, r in enumerate(rels) if r['rel'] == REL_PARENT)}"
    moved = httpx.patch(
        f"{url}/{PROJECT}/_apis/wit/workitems/{story}?{V}",
        json=move,
        headers={"Content-Type": "application/json-patch+json"},
        auth=("priya@fabrikam.com", "pat"),
    )
    assert moved.status_code == 200, moved.text

    done = witsync("plan", "--detailed-exitcode", cwd=repo)
    assert done.returncode == 1
    assert "duplicate-key" in done.stdout
    assert f"#{ids['e0f0'][0]}" in done.stdout
    assert f"#{copy}" in done.stdout
    assert "witsync apply --dedupe" in done.stdout

    done = witsync("apply", "--yes", cwd=repo)
    assert done.returncode == 1
    assert "nothing was written" in done.stderr
    assert asyncio.run(keyed(url))["e0f0"] == [ids["e0f0"][0], copy]

    done = witsync("apply", "--yes", "--dedupe", cwd=repo)
    assert done.returncode == 0, done.stderr
    after = asyncio.run(keyed(url))
    assert after["e0f0"] == [ids["e0f0"][0]]
    story_now = httpx.get(f"{url}/{PROJECT}/_apis/wit/workitems/{story}?$expand=relations&{V}")
    parents = [r["url"] for r in story_now.json()["relations"] if r["rel"] == REL_PARENT]
    assert [int(u.rsplit("/", 1)[1]) for u in parents] == [ids["e0f0"][0]]
    assert witsync("plan", "--detailed-exitcode", cwd=repo).returncode == 0
