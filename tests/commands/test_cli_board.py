"""`witsync board`: the embedded local board served as web pages, its address on stdout."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest
from browser_support import board_served

from witsync import cli
from witsync.emulator import asgi_transport, create_app


async def seed(board: Path, project: str, title: str) -> None:
    """A board file with one work item, made through the REST API as the CLI would."""
    app = create_app(board, projects=[project])
    async with httpx.AsyncClient(transport=asgi_transport(app, owns_app=True)) as http:
        answer = await http.post(
            f"http://local-board/local/{project}/_apis/wit/workitems/$Epic",
            params={"api-version": "7.1"},
            json=[{"op": "add", "path": "/fields/System.Title", "value": title}],
            headers={"Content-Type": "application/json-patch+json"},
        )
        assert answer.status_code == 200, answer.text


@pytest.fixture
def backlog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("WITSYNC_ORG_URL", raising=False)
    folder = tmp_path / "backlog"
    folder.mkdir()
    (folder / "witsync.yaml").write_text("project: Fabrikam Web\nscope: web\n")
    return folder


def test_board_prints_the_backlogs_address_and_serves_it(backlog: Path) -> None:
    asyncio.run(seed(backlog / ".witsync" / "board.sqlite", "Fabrikam Web", "Paperless billing"))
    with board_served(backlog) as (url, base):
        assert url == f"{base}/local/Fabrikam%20Web/_boards/backlog"
        page = httpx.get(url)
        assert page.status_code == 200
        assert "Paperless billing" in page.text
        item = httpx.get(f"{base}/local/Fabrikam%20Web/_workitems/edit/1")
        assert "Paperless billing" in item.text
        assert "History" in item.text


def test_board_without_a_board_file_says_how_to_make_one(
    backlog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["board", str(backlog)]) == 1
    err = capsys.readouterr().err
    assert "there is no local board at" in err
    assert "witsync apply" in err
    assert not (backlog / ".witsync").exists()  # nothing was made


def test_board_on_a_taken_port_says_so_before_printing_an_address(
    backlog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(backlog / ".witsync" / "board.sqlite", "Fabrikam Web", "Paperless billing"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["board", str(backlog), "--port", str(port)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert f"port {port} is in use; choose another with --port" in err
    assert "--port" in err


def test_board_help_names_the_pages(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        cli.main(["board", "--help"])
    assert exit.value.code == 0
    text = capsys.readouterr().out
    assert "/local/PROJECT/_boards/backlog" in text
    assert "_workitems/edit/ID" in text
    assert "--open" in text
    assert "8765" in text
