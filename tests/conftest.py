"""Shared fixtures: the emulator in-process (app, httpx client) and as a real `witsync serve`."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import settings
from serving import served
from starlette.applications import Starlette

from witsync.emulator import asgi_transport, create_app
from witsync.rendering.sourcelinks import CI_VARIABLES

PROJECTS = ("Fabrikam:Agile", "Scrummy:Scrum")

# In CI the property tests draw the same examples every run (a red CI then always means the code
# changed); on a laptop they explore new ones, and what they find becomes an explicit example.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _not_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite runs as on a laptop inside a CI job too: no repository or commit from the
    environment (the Markdown plan would link its manifests there)."""
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def emulator_app() -> Starlette:
    """A fresh in-memory emulator with projects Fabrikam (Agile) and Scrummy (Scrum)."""
    return create_app(projects=PROJECTS)


@pytest.fixture
async def emulator_http(emulator_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """httpx over the in-process transport; URLs like `/{org}/{project}/_apis/wit/...`."""
    async with httpx.AsyncClient(
        transport=asgi_transport(emulator_app), base_url="http://emulator"
    ) as client:
        yield client


@pytest.fixture
def emulator_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A real `witsync serve` on a free loopback port with a temp db; yields `http://127.0.0.1:PORT`.

    Extra `serve` flags by indirect parametrisation:
    `@pytest.mark.parametrize("emulator_server", [["--pat", "x"]], indirect=True)`.
    """
    extra_args = getattr(request, "param", [])
    with served(tmp_path / "served.sqlite", projects=PROJECTS, extra_args=extra_args) as url:
        yield url
