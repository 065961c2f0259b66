"""The in-process transport: what it owns and closes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from witsync.emulator import asgi_transport, create_app


@pytest.mark.parametrize("owns_app", [False, True])
async def test_closing_the_transport_closes_the_board_only_when_it_owns_the_app(
    tmp_path: Path, owns_app: bool
) -> None:
    app = create_app(db=tmp_path / "board.sqlite", projects=["Fabrikam"])
    async with httpx.AsyncClient(
        transport=asgi_transport(app, owns_app=owns_app), base_url="http://board"
    ) as http:
        answer = await http.get("/org/_apis/projects", params={"api-version": "7.1"})
        assert answer.status_code == 200
    conn = app.state.emulator.store.conn
    if owns_app:
        with pytest.raises(sqlite3.ProgrammingError):
            conn.execute("SELECT 1")
    else:
        assert conn.execute("SELECT 1").fetchone() == (1,)
