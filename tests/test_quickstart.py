"""The README's two commands, run as a newcomer would: in a fresh copy and a fresh virtualenv."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def readme_command(marker: str) -> str:
    """The shell command in the code block right after `<!-- quickstart:<marker> -->`."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"<!-- quickstart:{marker} -->\s*```sh\n(.+?)\n```", text, re.DOTALL)
    assert match, f"README has no quickstart:{marker} command"
    return match.group(1).strip()


def fresh_copy(tmp_path: Path) -> Path:
    """The project as a clean clone would have it: tracked and new files, no venv, no board."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    target = tmp_path / "witsync"
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() or source.is_symlink():
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination, follow_symlinks=False)
    return target


@pytest.mark.slow
def test_run_command_applies_the_sample_and_a_second_plan_shows_no_changes(tmp_path: Path) -> None:
    project = fresh_copy(tmp_path)
    done = subprocess.run(
        ["bash", "-ec", readme_command("run")],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "local board" in done.stderr
    assert "Apply complete: 12 applied, 0 conflict, 0 failed, 0 skipped." in done.stdout
    # the second plan finds every sample item on the board, unchanged
    assert "No changes." in done.stdout
    assert "Plan: 0 to create, 0 to update, 0 to remove, 12 unchanged." in done.stdout
    assert (project / "samples/agile/.witsync/board.sqlite").is_file()


def test_ci_runs_the_readme_test_command() -> None:
    """CI must run exactly what the README tells a contributor to run."""
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    command = readme_command("test")
    install = re.search(r"pip install -q (-e '\.\[test\]')", command)
    assert install, "the README's test command installs the test extra"
    assert install.group(1) in ci
    test_run = command.rsplit("&&", 1)[1].strip()
    assert test_run in ci
