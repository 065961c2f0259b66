"""Shared fixtures: the emulator in-process (app, httpx client) and as a real `witsync serve`."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from witsync.emulator import asgi_transport, create_app

PROJECTS = ("Fabrikam:Agile", "Scrummy:Scrum")


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def emulator_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A real `witsync serve` on a free loopback port with a temp db; yields `http://127.0.0.1:PORT`.

    Extra `serve` flags by indirect parametrisation:
    `@pytest.mark.parametrize("emulator_server", [["--pat", "x"]], indirect=True)`.
    """
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "witsync",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--db",
        str(tmp_path / "served.sqlite"),
        *[arg for project in PROJECTS for arg in ("--project", project)],
        *getattr(request, "param", []),
    ]
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    raise RuntimeError(
                        "witsync serve did not start:\n" + (tmp_path / "serve.log").read_text()
                    ) from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
