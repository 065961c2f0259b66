"""Composition root: the client for the configured target, a real organization or the local board.

This is the only module that imports both the client and the emulator; the two otherwise share
nothing but the wire format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from witsync.ado.client import Client, display_url, parse_org_url
from witsync.ado.markdown import MarkdownClient
from witsync.ado.transport import Token, timeouts, token_from_env
from witsync.config import DEFAULT_BOARD, LocalIteration, Settings
from witsync.errors import ConfigError
from witsync.version import __version__

if TYPE_CHECKING:
    from witsync.emulator.processdefs import ProcessDef

LOCAL_ORG_URL = "http://local-board/local"
LOCAL_PROJECT = "Local"
"""The project on the embedded board when none is configured (created on first use)."""

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
        board_areas=settings.board_areas,
        board_iterations=settings.board_iterations,
        max_concurrency=max_concurrency,
        transport=transport,
        timeout=settings.timeout,
        markdown=settings.markdown_native,
    )


def open_target(
    org_url: str | None,
    project: str | None,
    *,
    token: Token | None = None,
    board: Path = DEFAULT_BOARD,
    board_process: str | None = None,
    board_areas: Sequence[str] = (),
    board_iterations: Sequence[LocalIteration] = (),
    max_concurrency: int = MAX_CONCURRENCY,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float | None = None,
    markdown: bool = False,
) -> Client:
    """`open_client` from plain values (the library has no Settings): `org_url` None is the local
    board in the file `board` (a new project there gets `board_process`; its project holds
    `board_areas` and `board_iterations` too); `token` is only ever sent to an organization;
    `timeout`: seconds to wait for an answer (None: `timeouts()`' defaults); `markdown`: write
    multi-line text as Markdown (api-version 7.2-preview: `MarkdownClient`)."""
    kind = MarkdownClient if markdown else Client
    if org_url is None:
        board_nodes = _LocalNodes(tuple(board_areas), tuple(board_iterations))
        return _local_client(project, board, board_process, board_nodes, max_concurrency, kind)
    if not project:
        raise ConfigError(
            "no project given for " + org_url,
            hint="pass --project NAME, set `project:` in witsync.yaml",
        )
    parse_org_url(org_url)  # a clear ConfigError before any connection is made
    http = httpx.AsyncClient(
        transport=transport,
        timeout=timeouts(timeout),
        verify=True,
        follow_redirects=False,  # a redirect means a sign-in page, never data
        limits=httpx.Limits(
            max_connections=max_concurrency, max_keepalive_connections=max_concurrency
        ),
        headers={"User-Agent": f"witsync/{__version__}"},
    )
    return kind(http, org_url, project, token=token, max_concurrency=max_concurrency)


@dataclass(frozen=True)
class _LocalNodes:
    """The areas and iterations witsync.yaml declares for the local board's project."""

    areas: tuple[str, ...] = ()
    iterations: tuple[LocalIteration, ...] = ()


def _local_client(
    project: str | None,
    board: Path,
    board_process: str | None,
    nodes: _LocalNodes,
    max_concurrency: int,
    kind: type[Client] = Client,
) -> Client:
    # Imported here so that runs against a real organization never load the emulator's stack.
    from witsync.emulator import asgi_transport, create_app

    project = project or LOCAL_PROJECT
    board.parent.mkdir(parents=True, exist_ok=True)
    processes = custom_processes(board_process)
    process = f":{board_process}" if board_process and not processes else ""
    app = create_app(db=board, projects=[project + process], processes=processes)
    emulator = app.state.emulator
    try:
        emulator.add_areas(nodes.areas)
        emulator.add_iterations([(i.path, _dates(i)) for i in nodes.iterations])
    except ValueError:
        emulator.store.close()
        outside = [
            path
            for path in (*nodes.areas, *(i.path for i in nodes.iterations))
            if path.strip("\\").split("\\")[0].casefold() != project.casefold()
        ]
        raise ConfigError(
            f"witsync.yaml declares {', '.join(repr(p) for p in outside)} for the local board, "
            f"whose project is {project}",
            hint=f"start the paths of `areas` and `iterations` with the project: {project}\\...",
        ) from None
    http = httpx.AsyncClient(transport=asgi_transport(app, owns_app=True), timeout=timeouts())
    return kind(http, LOCAL_ORG_URL, project, max_concurrency=max_concurrency)


def custom_processes(board_process: str | None) -> list[ProcessDef]:
    """The custom process a process file (witsync.yaml `process: FILE`) defines, if it names one
    (for the local board, and its pages)."""
    if board_process is None or not board_process.lower().endswith((".yaml", ".yml")):
        return []
    from witsync.emulator.custom_process import ProcessFileError, load_process

    try:
        return [load_process(Path(board_process))]
    except ProcessFileError as error:
        raise ConfigError(
            str(error),
            hint="fix the process file witsync.yaml names (`process:`); see "
            "schemas/process.schema.json",
        ) from None


def _dates(iteration: LocalIteration) -> tuple[str, str] | None:
    """As Azure DevOps gives an iteration's dates: midnight UTC of the first and the last day."""
    if iteration.start is None or iteration.finish is None:
        return None
    return f"{iteration.start.isoformat()}T00:00:00Z", f"{iteration.finish.isoformat()}T00:00:00Z"


def describe_target(settings: Settings) -> str:
    """Where a command works, for stderr: `local board .witsync/board.sqlite (project Local)`."""
    if settings.org_url is None:
        return f"local board {settings.board_path} (project {settings.project or LOCAL_PROJECT})"
    return f"{display_url(settings.org_url)} (project {settings.project or '?'})"
