"""`witsync plan` from the command line, on the embedded local board in a temporary folder."""

from __future__ import annotations

import asyncio
import json
from importlib.resources import files
from pathlib import Path

import pytest
from cli_support import cli_repo
from jsonschema import Draft202012Validator

from witsync.cli import main
from witsync.config import Settings
from witsync.connect import open_client
from witsync.engine import validate_plan
from witsync.model import Action, PatchOp, Plan, Step, Target
from witsync.rendering.planfile import load_plan

CONFIG = "project: Proj\nscope: web\n"
BACKLOG = """\
apiVersion: witsync/v1
items:
  - key: epic
    type: Epic
    title: The epic
    description: Some *markdown*
    tags: [identity, Q3]
    children:
      - key: story
        type: User Story
        title: A story
        priority: 2
        assignedTo: Ann Smith <ann@fabrikam.com>
  - key: loose
    type: User Story
    title: On its own
    related: [story]
"""
SECRET = "pat-value-that-must-never-leak"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", SECRET)
    return cli_repo(tmp_path, monkeypatch, CONFIG, BACKLOG)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_first_plan_shows_creates_and_the_target(repo, capsys):
    code, out, err = run(capsys, "plan")
    assert code == 0
    assert '+ create Epic "The epic" (key epic)' in out
    assert "+ link Parent → epic (new)" in out
    assert out.endswith("Plan: 3 to create, 0 to update, 0 to remove, 0 unchanged.\n")
    assert "target: local board" in err
    assert "\x1b[" not in out  # not a terminal: no colour codes


def test_detailed_exitcode_and_a_clean_plan_after_apply(repo, capsys):
    assert run(capsys, "plan", "--detailed-exitcode")[0] == 2
    assert run(capsys, "apply", "--yes")[0] == 0
    code, out, _ = run(capsys, "plan", "--detailed-exitcode")
    assert code == 0
    assert "No changes. The board matches the manifests." in out
    assert "0 to create, 0 to update, 0 to remove, 3 unchanged" in out


def test_json_is_the_only_thing_on_stdout_and_matches_the_schema(repo, capsys):
    code, out, err = run(capsys, "plan", "--format", "json")
    assert code == 0
    document = json.loads(out)
    schema = json.loads(files("witsync.schemas").joinpath("plan.schema.json").read_text("utf-8"))
    Draft202012Validator(schema).validate(document)
    assert document["summary"] == {
        "create": 3,
        "restore": 0,
        "update": 0,
        "remove": 0,
        "unchanged": 0,
        "closed": 0,
    }
    assert document["target"]["project"] == "Proj"
    assert "target:" in err


def test_markdown_comment(repo, capsys):
    code, out, _ = run(capsys, "plan", "--format", "markdown", "--out", "plan.json")
    assert code == 0
    assert out.startswith("### witsync plan: Proj on the local board (scope `web`)")
    assert out.count("<details>") == 3
    assert "Manifest: backlog.yaml:3\n" in out  # outside CI: named, not linked


def test_markdown_comment_links_manifest_lines_in_an_azure_pipelines_run(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Azure Pipelines, witsync run from the checkout's `boards` folder.
    monkeypatch.setenv("BUILD_REPOSITORY_URI", "https://fabrikam@dev.azure.com/fabrikam/P/_git/r")
    monkeypatch.setenv("BUILD_REPOSITORY_PROVIDER", "TfsGit")
    monkeypatch.setenv("BUILD_SOURCEVERSION", "c0ffee")
    monkeypatch.setenv("BUILD_SOURCESDIRECTORY", str(repo.resolve().parent))
    code, out, _ = run(capsys, "plan", "--format", "markdown")
    assert code == 0
    url = (
        f"https://dev.azure.com/fabrikam/P/_git/r?path=/{repo.resolve().name}/backlog.yaml"
        "&version=GCc0ffee&line=3&lineEnd=4&"
    )
    assert f"Manifest: [backlog.yaml:3]({url}" in out


def test_out_writes_a_plan_file_without_the_token(repo, capsys):
    code, _, err = run(capsys, "plan", "--out", "plan.json")
    assert code == 0
    assert "plan saved to plan.json" in err
    text = (repo / "plan.json").read_text()
    assert SECRET not in text
    plan = load_plan(text)
    assert plan.target == Target("http://local-board/local", "Proj", "web")
    assert [a.key for a in plan.actions] == ["epic", "loose", "story"]
    assert plan.manifest_digest


def test_drift_shows_who_changed_a_field(repo, capsys):
    assert run(capsys, "apply", "--yes")[0] == 0

    async def rename() -> None:
        settings = Settings(project="Proj", board_path=repo / ".witsync/board.sqlite")
        async with open_client(settings, {}) as client:
            ids = await client.query_ids("SELECT [System.Id] FROM WorkItems ORDER BY [System.Id]")
            epic = next(i for i in await client.get_items(ids) if i.title == "The epic")
            await client.update_item(
                epic.id,
                [
                    {"op": "test", "path": "/rev", "value": epic.rev},
                    {"op": "replace", "path": "/fields/System.Title", "value": "Renamed by hand"},
                ],
            )

    asyncio.run(rename())
    code, out, _ = run(capsys, "plan", "--detailed-exitcode")
    assert code == 2
    # the same identity as witsync's own writes, but no history note: a person's edit (drift)
    drift = out.partition("\nDrift on the board:\n")[2]
    assert 'System.Title: "Renamed by hand" → "The epic"  (changed on the board by' in drift


def test_manifest_errors_exit_1_with_the_place(repo, capsys):
    (repo / "backlog.yaml").write_text(BACKLOG.replace("type: Epic", "type: Saga"))
    code, out, err = run(capsys, "plan")
    assert code == 1
    assert out == ""
    assert "backlog.yaml:3:5: error: unknown work item type 'Saga'" in err


def test_a_parent_id_missing_from_the_board_is_an_error(repo, capsys):
    (repo / "backlog.yaml").write_text(BACKLOG.replace("related: [story]", "parent: 9999"))
    code, out, err = run(capsys, "plan")
    assert code == 1
    assert out == ""
    assert "parent #9999 of 'loose' does not exist on the board" in err


def test_validate_sends_every_patch_without_saving(repo, capsys):
    code, out, err = run(capsys, "plan", "--validate")
    assert code == 0, err
    assert "3 to create" in out
    code, out, _ = run(capsys, "plan")
    assert "3 to create" in out  # validateOnly saved nothing


def test_validate_reports_what_the_server_refuses(repo):
    plan = Plan(
        target=Target("http://local-board/local", "Proj", "web"),
        actions=(
            Action(
                kind="create",
                key="bad",
                type="User Story",
                title="x",
                id=None,
                rev=None,
                steps=(Step("create", (PatchOp("add", "/fields/Custom.DoesNotExist", "x"),)),),
            ),
        ),
        unchanged=0,
    )

    async def check() -> list[str]:
        settings = Settings(project="Proj", board_path=repo / ".witsync/board.sqlite")
        async with open_client(settings, {}) as client:
            return await validate_plan(client, plan)

    (failure,) = asyncio.run(check())
    assert failure.startswith("bad (create): ")
    assert "Custom.DoesNotExist" in failure
