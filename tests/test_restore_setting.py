"""Restore from the recycle bin is on by default; `--no-restore` or witsync.yaml `restore: false`
turns it off; a saved plan takes no planning flag."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from witsync.cli import main
from witsync.config import add_manifest_arguments, add_planning_arguments, settings_from_args
from witsync.engine import Options


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_manifest_arguments(parser)
    add_planning_arguments(parser)
    return parser.parse_args(argv)


def test_restore_is_on_unless_a_flag_or_witsync_yaml_turns_it_off(tmp_path: Path) -> None:
    assert settings_from_args(parse(), {}, tmp_path).restore
    assert not settings_from_args(parse("--no-restore"), {}, tmp_path).restore
    (tmp_path / "witsync.yaml").write_text("restore: false\n")
    settings = settings_from_args(parse(), {}, tmp_path)
    assert not settings.restore
    assert not Options.from_settings(settings).restore


def test_a_bad_restore_value_in_witsync_yaml_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "witsync.yaml").write_text("restore: sometimes\n")
    assert main(["validate"]) == 1
    assert "restore" in capsys.readouterr().err


def test_a_saved_plan_takes_no_restore_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.json").write_text("{}")
    assert main(["apply", "--plan", "plan.json", "--no-restore"]) == 1
    assert "--no-restore" in capsys.readouterr().err
