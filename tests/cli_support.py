"""A temporary project folder for the command-line tests: config, one manifest, no org URL."""

from __future__ import annotations

from pathlib import Path

import pytest


def cli_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, backlog: str) -> Path:
    """`tmp_path` as the working directory, holding `witsync.yaml` and `backlog.yaml`."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WITSYNC_ORG_URL", raising=False)
    (tmp_path / "witsync.yaml").write_text(config)
    (tmp_path / "backlog.yaml").write_text(backlog)
    return tmp_path
