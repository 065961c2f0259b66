"""Every sample backlog validates, applies cleanly to the local board, and then plans clean;
the pipeline samples run the commands the README promises."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from witsync import cli

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
BACKLOGS = sorted(path.name for path in SAMPLES.iterdir() if (path / "witsync.yaml").is_file())


def test_there_is_a_sample_for_each_common_process() -> None:
    assert BACKLOGS == ["agile", "scrum"]


@pytest.mark.parametrize("name", BACKLOGS)
def test_sample_validates_applies_and_then_plans_clean(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backlog = shutil.copytree(SAMPLES / name, tmp_path / name)
    assert cli.main(["validate", str(backlog)]) == 0
    validated = capsys.readouterr().out
    items = int(validated.split("valid: ")[1].split(" items")[0])
    assert items >= 8

    assert cli.main(["apply", str(backlog), "--yes"]) == 0
    applied = capsys.readouterr().err
    assert f"Apply complete: {items} applied, 0 conflict, 0 failed, 0 skipped." in applied

    assert cli.main(["plan", str(backlog), "--detailed-exitcode"]) == 0
    assert f"0 to create, 0 to update, 0 to remove, {items} unchanged" in capsys.readouterr().out
    assert (backlog / ".witsync" / "board.sqlite").is_file()


@pytest.mark.parametrize("pipeline", ["azure-pipelines.yml", "github-actions.yml"])
def test_pipelines_plan_on_pull_requests_and_apply_the_reviewed_plan(pipeline: str) -> None:
    path = SAMPLES / "pipelines" / pipeline
    YAML(typ="safe").load(path)  # well-formed YAML
    text = path.read_text(encoding="utf-8")
    assert "witsync plan" in text
    assert "--format markdown" in text
    assert "--out plan.json" in text
    assert "witsync apply --plan" in text
    assert "--yes" in text
