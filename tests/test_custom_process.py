"""witsync against a board with a custom process (samples/processes/fabrikam-agile.yaml): custom
fields, picklists, required fields and custom states and types, end to end: validate against the
target, plan, apply, plan again (empty), change, and the local board configured with the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_support import cli_repo, run_main
from serving import served

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "processes" / "fabrikam-agile.yaml"

CONFIG = """\
project: Fabrikam
scope: risky
process: processes/fabrikam-agile.yaml
"""

BACKLOG = """\
apiVersion: witsync/v1
items:
  - key: checkout
    type: User Story
    title: One-page checkout
    state: In Review
    fields:
      Custom.Risk: High
      Custom.Budget: 12500.5
      Custom.ReleaseNotes: |
        Checkout now fits **one page**.
  - key: outage
    type: Incident
    title: Payments down in EU
    state: Investigating
    severity: 1 - Critical
    fields:
      Custom.Risk: Low
      Custom.CustomerFacing: true
  - key: crash
    type: Bug
    title: Crash on empty cart
    severity: 2 - High
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A manifest folder whose witsync.yaml gives the local board the sample process."""
    folder = cli_repo(tmp_path, monkeypatch, CONFIG, BACKLOG)
    (folder / "processes").mkdir()
    shutil.copy(SAMPLE, folder / "processes" / "fabrikam-agile.yaml")
    return folder


def test_plan_apply_plan_on_the_local_board(repo: Path) -> None:
    code, out = run_main("plan", "backlog.yaml")
    assert code == 0, out
    assert "3 to create" in out
    assert "Custom.Risk" in out
    code, out = run_main("apply", "backlog.yaml", "--yes")
    assert code == 0, out
    assert "3 applied, 0 conflict, 0 failed" in out
    code, out = run_main("plan", "backlog.yaml", "--detailed-exitcode")
    assert code == 0, out
    assert "0 to create, 0 to update, 0 to remove, 3 unchanged" in out


def test_a_changed_custom_field_and_state_plan_and_apply(repo: Path) -> None:
    assert run_main("apply", "backlog.yaml", "--yes")[0] == 0
    changed = BACKLOG.replace("Custom.Risk: High", "Custom.Risk: Medium").replace(
        "state: In Review", "state: Resolved"
    )
    (repo / "backlog.yaml").write_text(changed)
    code, out = run_main("plan", "backlog.yaml", "--format", "json", "--detailed-exitcode")
    assert code == 2, out
    assert '"Custom.Risk"' in out
    assert '"Medium"' in out
    assert run_main("apply", "backlog.yaml", "--yes")[0] == 0
    assert run_main("plan", "backlog.yaml", "--detailed-exitcode")[0] == 0


def test_the_board_refuses_what_the_process_forbids(repo: Path) -> None:
    """Offline validation cannot know the process; the board's rules still hold at apply."""
    (repo / "backlog.yaml").write_text(BACKLOG.replace("    severity: 2 - High\n", ""))
    code, out = run_main("apply", "backlog.yaml", "--yes")
    assert code == 1
    assert "crash" in out


def test_a_bad_process_file_is_a_config_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    process = repo / "processes" / "fabrikam-agile.yaml"
    process.write_text(process.read_text().replace("base: Agile", "base: Agil"))
    code, _ = run_main("plan", "backlog.yaml")
    assert code == 1
    err = capsys.readouterr().err
    assert f"{process}:6:7: 'Agil' is not one of: Agile, Scrum, Basic, CMMI" in err


def test_validate_against_the_target_catches_custom_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = (
        BACKLOG.replace("Custom.Risk: High", "Custom.Risk: Extreme")
        .replace("state: Investigating", "state: Parked")
        .replace("Custom.CustomerFacing: true", "Custom.Colour: red")
    )
    cli_repo(tmp_path, monkeypatch, "project: Fabrikam\nscope: risky\n", wrong)
    args = ["--process", str(SAMPLE)]
    with served(tmp_path / "db.sqlite", projects=["Fabrikam"], extra_args=args) as url:
        code, _ = run_main("validate", "backlog.yaml", "--org", f"{url}/o")
        err = capsys.readouterr().err
        assert code == 1, err
        assert (
            "backlog.yaml:8:7: error: 'Extreme' is not an allowed value of Custom.Risk for "
            "User Story" in err
        )
        assert "allowed values: 'Low', 'Medium', 'High'" in err
        assert "backlog.yaml:15:5: error: 'Parked' is not a state of Incident" in err
        assert "backlog.yaml:19:7: error: unknown field Custom.Colour" in err

        (tmp_path / "backlog.yaml").write_text(BACKLOG)
        code, out = run_main("validate", "backlog.yaml", "--org", f"{url}/o")
        assert code == 0, capsys.readouterr().err
        assert "valid: 3 items" in out
