"""`witsync validate` through the CLI: summary on stdout, diagnostics on stderr, exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from witsync.cli import main

FIXTURES = Path(__file__).parent.parent / "manifests"


def test_valid_set_prints_one_line_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(FIXTURES / "valid")]) == 0
    out, err = capsys.readouterr()
    assert out == "valid: 6 items in 2 files, scope fixture-team, project Fabrikam\n"
    assert err.startswith("note: checked offline;")  # what it could not check without a board
    assert len(err.splitlines()) == 1


def test_default_path_is_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(FIXTURES / "valid", tmp_path / "set")
    monkeypatch.chdir(tmp_path / "set")
    assert main(["validate"]) == 0
    assert capsys.readouterr().out.startswith("valid: 6 items in 2 files")


def test_errors_go_to_stderr_with_places_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.yaml").write_text(
        "apiVersion: witsync/v1\nscope: s\nitems:\n  - key: a\n    type: Task\n    titel: A\n"
        "    priority: high\n"
    )
    assert main(["validate", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert (
        lines[0]
        == f"{tmp_path / 'a.yaml'}:6:5: error: unknown property 'titel' in an entry of items"
    )
    assert lines[1] == "  hint: did you mean 'title'?"
    assert lines[2].startswith(
        f"{tmp_path / 'a.yaml'}:7:15: error: priority must be a whole number"
    )
    assert lines[-1] == "witsync: 2 errors in the manifests"
    assert "Traceback" not in err


def test_scope_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.yaml").write_text(
        "apiVersion: witsync/v1\nitems: [{key: a, type: Task, title: A}]\n"
    )
    assert main(["validate", str(tmp_path)]) == 1
    assert "no scope" in capsys.readouterr().err
    (tmp_path / "a.yaml").write_text("items: [{key: a, type: Task, title: A}]\n")
    assert main(["validate", str(tmp_path), "--scope", "mine"]) == 0
    out, err = capsys.readouterr()
    assert out == "valid: 1 item in 1 file, scope mine (1 warning)\n"
    assert err.startswith(f"{tmp_path / 'a.yaml'}:1:1: warning: no apiVersion")


def test_bad_config_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "witsync.yaml").write_text("scope: [\n")
    (tmp_path / "a.yaml").write_text("items: []\n")
    assert main(["validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"witsync: error: {tmp_path / 'witsync.yaml'}:2:1: error: invalid YAML" in err
    assert "Traceback" not in err


def test_binary_garbage_never_crashes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.yaml").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "b.yaml").write_bytes(b"\x00\x01items: [")
    assert main(["validate", str(tmp_path), "--scope", "s"]) == 1
    err = capsys.readouterr().err
    assert "a.yaml:2:118: error: not UTF-8 text (byte 0x80)" in err
    assert "b.yaml:1:1: error: invalid YAML: unacceptable character #x0000" in err
    assert "unexpected error" not in err
