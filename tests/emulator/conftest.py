"""Fixtures for the emulator's tests that drive it with the official Python client."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure.devops import _file_cache


@pytest.fixture
def private_client_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The client caches discovery answers in ~/.azure-devops; keep them out of the home folder.

    A module asks for it with `pytest.mark.usefixtures("private_client_cache")`."""
    for name, cache in (
        ("options", _file_cache.OPTIONS_CACHE),
        ("resources", _file_cache.RESOURCE_CACHE),
    ):
        monkeypatch.setattr(cache, "file_name", str(tmp_path / f"{name}.json"))
        monkeypatch.setattr(cache, "data", {})
        monkeypatch.setattr(cache, "initial_load_occurred", True)
