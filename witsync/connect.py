"""Composition root: the client for the configured target, a real organization or the local board.

This is the only module that imports both the client and the emulator; the two otherwise share
nothing but the wire format.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import httpx

from witsync.ado.client import Client, display_url, parse_org_url
from witsync.ado.transport import Token, token_from_env
from witsync.config import DEFAULT_BOARD, Settings
from witsync.errors import ConfigError
from witsync.version import __version__

LOCAL_ORG_URL = "http://local-board/local"
LOCAL_PROJECT = "Local"
"""The project on the embedded board when none is configured (created on first use)."""

TIMEOUT = httpx.Timeout(60.0, connect=15.0)
"""Generous reads: a WIQL query may take up to 30 s on the server before it gives up (VS402335)."""
MAX_CONCURRENCY = 8


def open_client(
    settings: Settings,
    environ: Mapping[str, str],
    *,
    max_concurrency: int = MAX_CONCURRENCY,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Client:
    """A client for `settings`: the organization it names, or the embedded local board.
    `max_concurrency` bounds the requests in flight (and the connections kept open for them);
    `transport` carries the requests to an organization instead of the network (tests put a
    misbehaving server or proxy there)."""
    return open_target(
        settings.org_url,
        settings.project,
        token=None if settings.org_url is None else token_from_env(environ),
        board=settings.board_path,
        board_process=settings.board_process,
        max_concurrency=max_concurrency,
        transport=transport,
    )


def open_target(
    org_url: str | None,
    project: str | None,
    *,
    token: Token | None = None,
    board: Path = DEFAULT_BOARD,
    board_process: str | None = None,
    max_concurrency: int = MAX_CONCURRENCY,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Client:
    """`open_client` from plain values (the library has no Settings): `org_url` None is the local
    board in the file `board` (a new project there gets `board_process`); `token` is only ever
    sent to an organization."""
    if org_url is None:
        return _local_client(project, board, board_process, max_concurrency)
    if not project:
        raise ConfigError(
            "no project given for " + org_url,
            hint="pass --project NAME, set `project:` in witsync.yaml",
        )
    parse_org_url(org_url)  # a clear ConfigError before any connection is made
    http = httpx.AsyncClient(
        transport=transport,
        timeout=TIMEOUT,
        verify=True,
        follow_redirects=False,  # a redirect means a sign-in page, never data
        limits=httpx.Limits(
            max_connections=max_concurrency, max_keepalive_connections=max_concurrency
        ),
        headers={"User-Agent": f"witsync/{__version__}"},
    )
    return Client(http, org_url, project, token=token, max_concurrency=max_concurrency)


def _local_client(
    project: str | None, board: Path, board_process: str | None, max_concurrency: int
) -> Client:
    # Imported here so that runs against a real organization never load the emulator's stack.
    from witsync.emulator import asgi_transport, create_app

    project = project or LOCAL_PROJECT
    board.parent.mkdir(parents=True, exist_ok=True)
    process = f":{board_process}" if board_process else ""
    app = create_app(db=board, projects=[project + process])
    http = httpx.AsyncClient(transport=asgi_transport(app, owns_app=True), timeout=TIMEOUT)
    return Client(http, LOCAL_ORG_URL, project, max_concurrency=max_concurrency)


def describe_target(settings: Settings) -> str:
    """Where a command works, for stderr: `local board .witsync/board.sqlite (project Local)`."""
    if settings.org_url is None:
        return f"local board {settings.board_path} (project {settings.project or LOCAL_PROJECT})"
    return f"{display_url(settings.org_url)} (project {settings.project or '?'})"
