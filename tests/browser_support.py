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
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serving import HOST, free_port, started

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


@contextlib.contextmanager
def board_served(path: Path, *, timeout: float = 30.0) -> Iterator[tuple[str, str]]:
    """`witsync board PATH --port P` as a user runs it: yields (the URL it printed, its base
    `http://127.0.0.1:P`) once the port answers; stops it afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "witsync", "board", str(path), "--port", str(port)]
    with started(command, port, timeout=timeout, prints=True) as printed:
        yield printed.strip(), f"http://{HOST}:{port}"
