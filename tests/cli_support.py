"""A temporary project folder for the command-line tests, and `witsync` run as a user runs it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from witsync.cli import main


def cli_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, backlog: str) -> Path:
    """`tmp_path` as the working directory, holding `witsync.yaml` and `backlog.yaml`."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WITSYNC_ORG_URL", raising=False)
    (tmp_path / "witsync.yaml").write_text(config)
    (tmp_path / "backlog.yaml").write_text(backlog)
    return tmp_path


def run_main(*argv: str) -> tuple[int, str]:
    """`witsync ARGV` in this process: its exit code and stdout (stderr is left to pytest)."""
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


def _command(argv: tuple[str, ...]) -> list[str]:
    return [sys.executable, "-m", "witsync", *argv]


def _environment(env: dict[str, str] | None) -> dict[str, str]:
    # Without the developer's own WITSYNC_* settings (an org URL, a token, debug): a test sets
    # what it means through `env`.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("WITSYNC_")}
    return {**inherited, **(env or {})}


def witsync(
    *argv: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m witsync ARGV` in `cwd` to the end (two minutes at most), output captured."""
    return subprocess.run(
        _command(argv),
        cwd=cwd,
        env=_environment(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def witsync_started(
    *argv: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """`python -m witsync ARGV` started in `cwd` (for runs at the same time), output piped: read
    it with `.communicate()`."""
    return subprocess.Popen(
        _command(argv),
        cwd=cwd,
        env=_environment(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
