"""A real browser for the tests that look at pages as a person does: Debian's Chromium, headless,
driven by Playwright (its own browser downloads are never used: `executable_path` names the
system one, which .ci/run installs), plus `witsync board` as a subprocess and screenshots.

Screenshots go to tests/artifacts/ (git-ignored; WITSYNC_ARTIFACTS names another folder), to be
looked at after a run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--no-first-run",
    # The machine has no network: no background connections, updates or sync to wait for.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
ARTIFACTS = Path(os.environ.get("WITSYNC_ARTIFACTS") or Path(__file__).parent / "artifacts")
HOST = "127.0.0.1"


def chromium() -> str | None:
    """The system Chromium: WITSYNC_CHROMIUM, else `chromium` (Debian) on PATH."""
    named = os.environ.get("WITSYNC_CHROMIUM")
    if named:
        return named
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextlib.contextmanager
def launched() -> Iterator[Any]:
    """A headless Chromium (a Playwright `Browser`). Without Chromium the test is skipped on a
    developer's machine and fails in CI, where .ci/run installs it."""
    path = chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs Debian's `chromium` package")
        pytest.skip("no Chromium here: `apt-get install chromium` (CI installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> Path:
    """A full-page PNG of what the page shows now, in the artifacts folder."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # Branches far down a long page are laid out only when scrolled to (content-visibility):
    # a full-page picture wants them all.
    page.add_style_tag(content="ul.tree>li{content-visibility:visible!important}")
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def board_served(path: Path, *, timeout: float = 30.0) -> Iterator[tuple[str, str]]:
    """`witsync board PATH --port P` as a user runs it: yields (the URL it printed, its base
    `http://127.0.0.1:P`) once the port answers; stops it afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "witsync", "board", str(path), "--port", str(port)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with socket.create_connection((HOST, port), timeout=0.2):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        err.seek(0)
                        raise RuntimeError(
                            f"witsync board did not start: {err.read().decode(errors='replace')}"
                        ) from None
                    time.sleep(0.05)
            out.seek(0)
            yield out.read().decode().strip(), f"http://{HOST}:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
