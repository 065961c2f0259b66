"""The composition root: a real organization's client, or the embedded board, from Settings."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import time
from pathlib import Path

import httpx
import pytest

from witsync.ado.transport import timeouts
from witsync.config import LocalIteration, Settings
from witsync.connect import LOCAL_ORG_URL, LOCAL_PROJECT, describe_target, open_client
from witsync.errors import ConfigError

ORG = "https://dev.azure.com/fabrikam"


def settings(tmp_path: Path, org_url: str | None = None, project: str | None = None) -> Settings:
    return Settings(
        org_url=org_url,
        project=project,
        scope="web",
        board_path=tmp_path / ".witsync" / "board.sqlite",
    )


async def test_no_org_means_the_embedded_board_which_persists(tmp_path: Path) -> None:
    local = settings(tmp_path)
    async with open_client(local, {"AZURE_DEVOPS_EXT_PAT": "never-sent"}) as client:
        assert str(client.org_url) == LOCAL_ORG_URL
        assert client.project == LOCAL_PROJECT
        assert not client.transport.has_token, "a real token is never sent to the local board"
        created = await client.create_item(
            "Task", [{"op": "add", "path": "/fields/System.Title", "value": "kept"}]
        )
        assert "Task" in (await client.get_process()).types
    assert local.board_path.exists()
    async with open_client(local, {}) as client:
        again = await client.get_item(created.id)
    assert again is not None
    assert again.title == "kept"


async def test_the_embedded_board_uses_the_configured_project(tmp_path: Path) -> None:
    async with open_client(settings(tmp_path, project="Fabrikam"), {}) as client:
        assert client.project == "Fabrikam"
        process = await client.get_process()
    assert "Fabrikam" in process.area_paths


async def test_the_embedded_board_creates_the_project_with_the_configured_process(
    tmp_path: Path,
) -> None:
    scrum = Settings(project="Contoso", board_path=tmp_path / "board.sqlite", board_process="Scrum")
    async with open_client(scrum, {}) as client:
        process = await client.get_process()
    assert "Product Backlog Item" in process.types
    assert "User Story" not in process.types


@pytest.mark.parametrize(
    "org_url", ["https://dev.azure.com/fabrikam", "https://tfs.example.com/tfs/DefaultCollection"]
)
async def test_a_real_org_gets_the_token_timeouts_and_verified_tls(
    tmp_path: Path, org_url: str
) -> None:
    async with open_client(
        settings(tmp_path, org_url, "Proj"), {"SYSTEM_ACCESSTOKEN": "t"}
    ) as client:
        assert str(client.url("wiql", project=True)) == f"{org_url}/Proj/_apis/wit/wiql"
        assert client.transport.has_token
        assert client.transport.http.timeout == timeouts()
        assert client.transport.http.timeout == httpx.Timeout(60.0, connect=10.0)
        assert not client.transport.http.follow_redirects
    assert not (tmp_path / ".witsync").exists(), "no local board is made for a real org"


async def test_timeout_bounds_connecting_and_waiting_for_an_answer(tmp_path: Path) -> None:
    """--timeout (witsync.yaml `timeout`) is how long an answer may take; connecting never waits
    longer than that either."""
    cases = ((120.0, httpx.Timeout(120.0, connect=10.0)), (2.5, httpx.Timeout(2.5)))
    for seconds, expected in cases:
        configured = dataclasses.replace(settings(tmp_path, ORG, "Proj"), timeout=seconds)
        async with open_client(configured, {}) as client:
            assert client.transport.http.timeout == expected


@pytest.mark.parametrize("emulator_server", [["--latency-ms", "1000"]], indirect=True)
async def test_max_concurrency_puts_that_many_requests_in_flight(
    tmp_path: Path, emulator_server: str
) -> None:
    """16 reads that take a second each end together only if 16 were in flight at once: the
    client's bound and its connection pool both follow `max_concurrency` (the default is 8)."""
    remote = settings(tmp_path, f"{emulator_server}/acme", "Fabrikam")
    async with open_client(remote, {}, max_concurrency=16) as client:
        start = time.monotonic()
        found = await asyncio.gather(*(client.get_item(id) for id in range(1, 17)))
        elapsed = time.monotonic() - start
    assert found == [None] * 16
    assert client.request_count == 16
    assert elapsed < 1.8, f"16 one-second reads took {elapsed:.1f} s: fewer were in flight"


def test_a_real_org_needs_a_project(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no project"):
        open_client(settings(tmp_path, "https://dev.azure.com/fabrikam"), {})


def test_a_bad_org_url_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="organization URL"):
        open_client(settings(tmp_path, "dev.azure.com/fabrikam", "P"), {})


def test_describe_target(tmp_path: Path) -> None:
    local = settings(tmp_path)
    assert describe_target(local) == f"local board {local.board_path} (project {LOCAL_PROJECT})"
    remote = settings(tmp_path, "https://dev.azure.com/fabrikam", "Proj")
    assert describe_target(remote) == "https://dev.azure.com/fabrikam (project Proj)"


def test_describe_target_masks_a_token_in_the_url(tmp_path: Path) -> None:
    pasted = settings(tmp_path, "https://me:pat-x1@dev.azure.com/fabrikam", "Proj")
    assert describe_target(pasted) == "https://***@dev.azure.com/fabrikam (project Proj)"


async def test_the_local_board_holds_the_areas_and_iterations_witsync_yaml_declares(
    tmp_path: Path,
) -> None:
    declared = dataclasses.replace(
        settings(tmp_path, None, "Acme"),
        board_areas=("Acme\\Web\\Checkout",),
        board_iterations=(
            LocalIteration("Acme\\Release 1"),
            LocalIteration(
                "Acme\\Release 1\\Sprint 7", datetime.date(2026, 1, 5), datetime.date(2026, 1, 16)
            ),
        ),
    )
    async with open_client(declared, {}) as client:
        process = await client.get_process()
        assert {"Acme\\Web", "Acme\\Web\\Checkout"} <= process.area_paths
        assert {"Acme\\Release 1", "Acme\\Release 1\\Sprint 7"} <= process.iteration_paths
        url = client.url("classificationnodes", "Iterations", "Release 1", "Sprint 7", project=True)
        response = await client.transport.http.get(url, params={"api-version": "7.1"})
        assert response.json()["attributes"] == {
            "startDate": "2026-01-05T00:00:00Z",
            "finishDate": "2026-01-16T00:00:00Z",
        }
    # a path outside the local board's project is a configuration mistake, said plainly
    elsewhere = dataclasses.replace(declared, board_areas=("Fabrikam\\Web",))
    with pytest.raises(ConfigError, match=r"'Fabrikam\\\\Web' for the local board, whose project"):
        open_client(elsewhere, {})
