"""Golden plans from manifests and a live board: `witsync plan` as a user runs it, byte for byte.

The board is the embedded local board the command opens (`.witsync/board.sqlite` beside the
manifests), seeded beforehand the way people fill a real one: through the REST API, each person
named by the Basic auth user, at server times set by the emulator's clock. So ids, revisions,
drift ("last set on the board by ... at ...") and the output are the same on every run; the
golden files are tests/golden/board-plan.{txt,md,json} (WITSYNC_UPDATE_GOLDEN=1 rewrites them).
"""

from __future__ import annotations

import asyncio
import datetime
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from golden_support import check_golden

from witsync import cli
from witsync.emulator import asgi_transport, create_app

MANIFESTS = Path(__file__).parent / "manifests" / "golden"
ORG = "http://local-board/local"  # where the CLI's local board lives; URLs on it say so
ITEMS = f"{ORG}/Fabrikam/_apis/wit/workitems"
PIPELINE = "Fabrikam Build Service <build@fabrikam.com>"
CAROL = "Carol <carol@fabrikam.com>"
DAN = "Dan <dan@fabrikam.com>"
FORMATS = {"text": "txt", "markdown": "md", "json": "json"}


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=datetime.UTC)


def add(path: str, value: Any) -> dict[str, Any]:
    return {"op": "add", "path": path, "value": value}


def link(rel: str, target: int) -> dict[str, Any]:
    return add("/relations/-", {"rel": rel, "url": f"{ORG}/_apis/wit/workItems/{target}"})


def marker(key: str) -> dict[str, Any]:
    return add("/relations/-", {"rel": "Hyperlink", "url": f"https://witsync.invalid/golden/{key}"})


# (when, who, method, item type or id, patch): what happened on the board before this plan
HISTORY: list[tuple[datetime.datetime, str, str, str | int, list[dict[str, Any]]]] = [
    # an earlier apply of these manifests, when opt-out still had priority 2
    (
        at(2, 8),
        PIPELINE,
        "POST",
        "Epic",
        [
            add("/fields/System.Title", "Paperless billing"),
            add("/fields/Microsoft.VSTS.Common.Priority", 2),
            add("/fields/System.Tags", "finance; witsync:golden"),
            marker("billing"),
        ],
    ),
    (
        at(2, 8, 1),
        PIPELINE,
        "POST",
        "User Story",
        [
            add("/fields/System.Title", "Opt out of paper bills"),
            add("/fields/Microsoft.VSTS.Common.Priority", 2),
            add("/fields/System.Tags", "witsync:golden"),
            marker("opt-out"),
            link("System.LinkTypes.Hierarchy-Reverse", 1),
        ],
    ),
    # a person's epic, which the manifests now adopt by id
    (at(10, 14, 30), CAROL, "POST", "Epic", [add("/fields/System.Title", "Legacy billing")]),
    # drift: Carol retitles the story, Dan tags it and links it to the legacy epic
    (at(20, 9, 15), CAROL, "PATCH", 2, [add("/fields/System.Title", "Paper bills: opt out")]),
    (
        at(21, 10),
        DAN,
        "PATCH",
        2,
        [add("/fields/System.Tags", "urgent"), link("System.LinkTypes.Related", 3)],
    ),
]


class Clock:
    def __init__(self) -> None:
        self.now = at(1, 0)

    def __call__(self) -> datetime.datetime:
        return self.now


async def seed(board: Path) -> None:
    clock = Clock()
    board.parent.mkdir(parents=True)
    app = create_app(board, projects=["Fabrikam"], clock=clock)
    transport = asgi_transport(app, owns_app=True)  # closing it closes the database
    async with httpx.AsyncClient(transport=transport) as http:
        for when, who, method, what, patch in HISTORY:
            clock.now = when
            url = f"{ITEMS}/${what}" if method == "POST" else f"{ITEMS}/{what}"
            answer = await http.request(
                method,
                url,
                params={"api-version": "7.1"},
                json=patch,
                headers={"Content-Type": "application/json-patch+json"},
                auth=httpx.BasicAuth(who, ""),
            )
            assert answer.status_code == 200, answer.text


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of tests/manifests/golden with its local board seeded; the current folder."""
    for name in ("WITSYNC_ORG_URL", "AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"):
        monkeypatch.delenv(name, raising=False)
    manifests = shutil.copytree(MANIFESTS, tmp_path / "backlog")
    asyncio.run(seed(manifests / ".witsync" / "board.sqlite"))
    monkeypatch.chdir(tmp_path)
    # A pull request's run on GitHub: the Markdown plan links each action to its manifest line.
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "fabrikam/backlog")
    monkeypatch.setenv("GITHUB_SHA", "8f14e45fceea167a5a36dedd4bea2543c1d4e8b2")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path.resolve()))
    return manifests


@pytest.mark.parametrize("format", FORMATS)
def test_the_plan_of_manifests_against_a_live_board(
    seeded: Path, format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["plan", "backlog", "--format", format]) == 0
    out, err = capsys.readouterr()
    assert err.startswith(f"target: local board {seeded / '.witsync' / 'board.sqlite'}")
    check_golden(f"board-plan.{FORMATS[format]}", out)


def test_the_plan_is_the_same_on_every_run(
    seeded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Planning reads only: a second plan of the same board is the same, byte for byte.
    outputs = []
    for _ in range(2):
        assert cli.main(["plan", "backlog", "--format", "json"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
