"""The command line as a whole: help, version, colour, and one clear line for every failure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_support import witsync

from witsync import __version__, cli
from witsync.errors import ConfigError

COLOUR = re.compile(r"\x1b\[[0-9;]*3[0-7]m")
"""An ANSI foreground colour (bold and dim alone are not colour)."""


def manifest(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.yaml").write_text(
        "apiVersion: witsync/v1\nproject: Fabrikam\nscope: web\nitems:\n"
        "  - key: a\n    type: Task\n    title: A task\n",
        encoding="utf-8",
    )
    return folder


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"witsync {__version__}"


@pytest.mark.parametrize("command", [None, *cli.COMMANDS])
def test_every_help_explains_itself_with_examples(
    command: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main([command, "--help"] if command else ["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text
    if command is None:
        assert all(name in text for name in cli.COMMANDS)
    else:
        assert f"witsync {command}" in text


def test_a_user_mistake_is_one_line_and_a_hint_never_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(args: object) -> int:
        raise ConfigError("no project given", hint="pass --project NAME")

    monkeypatch.setattr(cli._command("plan"), "run", refuse)
    assert cli.main(["plan"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == ["witsync: error: no project given", "  hint: pass --project NAME"]


def test_a_bug_says_it_is_one_and_how_to_get_the_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def crash(args: object) -> int:
        raise KeyError("oops")

    monkeypatch.setattr(cli._command("plan"), "run", crash)
    assert cli.main(["plan"]) == 1
    err = capsys.readouterr().err
    assert "unexpected error (a bug in witsync" in err
    assert "KeyError" in err
    assert "WITSYNC_DEBUG=1" in err
    assert "Traceback" not in err
    monkeypatch.setenv("WITSYNC_DEBUG", "1")
    with pytest.raises(KeyError):
        cli.main(["plan"])


def test_a_missing_path_is_a_clear_error_with_exit_1(tmp_path: Path) -> None:
    done = witsync("validate", "nowhere", cwd=tmp_path)
    assert done.returncode == 1
    assert "nowhere: no such file or folder" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_colour_only_when_asked_and_never_with_no_color(tmp_path: Path) -> None:
    manifest(tmp_path / "backlog")
    piped = witsync("plan", "backlog", cwd=tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert "+ create Task" in piped.stdout
    assert "\x1b[" not in piped.stdout, "no escape codes when stdout is not a terminal"
    forced = witsync("plan", "backlog", cwd=tmp_path, env={"FORCE_COLOR": "1"})
    assert COLOUR.search(forced.stdout), "a terminal gets colour"
    plain = witsync("plan", "backlog", cwd=tmp_path, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert plain.returncode == 0
    assert not COLOUR.search(plain.stdout), "NO_COLOR wins"
