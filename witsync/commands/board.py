"""`witsync board`: the embedded local board as web pages, served on this machine."""

from __future__ import annotations

import argparse
import os
import webbrowser
from pathlib import Path
from urllib.parse import quote, urlsplit

from witsync.config import settings_from_args
from witsync.connect import LOCAL_ORG_URL, custom_processes
from witsync.console import stderr_console, write_data
from witsync.errors import ConfigError
from witsync.listening import listen
from witsync.rendering.boardlinks import LOCAL_BOARD_PORT

DESCRIPTION = f"""\
Serve the embedded local board (the .witsync/board.sqlite that `plan` and `apply` use when no
organization is configured) as web pages, and print the address of its backlog. The pages
have Azure Boards' URL shapes, so the work item links in a local plan (`witsync plan --format
html`) open here: /local/PROJECT/_boards/backlog is the backlog tree (types, states, assignees,
tags; open and close branches; filter), /local/PROJECT/_workitems/edit/ID one work item with its
fields, rich text, links and history. Read-only. Ctrl-C stops it.

PATH is a manifest folder or file: the witsync.yaml beside it (or in the nearest parent) says
where the board file is and which project to show, as for `witsync plan PATH`. The default port,
{LOCAL_BOARD_PORT}, is the one local plans link to.
"""

EXAMPLES = """\
examples:
  witsync board                          the board of the current folder's witsync.yaml
  witsync board samples/agile --open     and open the backlog in a browser
  witsync board --port 9000 --host 0.0.0.0
For a `witsync serve` server the same pages are at http://HOST:PORT/ORG/PROJECT/_boards/backlog.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        metavar="PATH",
        help="a manifest folder or file whose witsync.yaml names the board (default: here)",
    )
    parser.add_argument("--project", metavar="NAME", help="the project to show first")
    parser.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help="witsync.yaml to use (default: beside PATH, or in this folder or the nearest parent)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument(
        "--port",
        type=int,
        default=LOCAL_BOARD_PORT,
        help=f"TCP port (default {LOCAL_BOARD_PORT}, where local plans link)",
    )
    parser.add_argument(
        "--open", action="store_true", help="open the backlog in the default web browser"
    )


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from witsync.emulator import create_app

    given = argparse.Namespace(
        paths=[args.path] if args.path else [], config=args.config, project=args.project
    )
    settings = settings_from_args(given, os.environ, Path.cwd())
    board = settings.board_path
    if not board.is_file():
        raise ConfigError(
            f"there is no local board at {board}",
            hint="it is made by the first `witsync plan` or `witsync apply` without an "
            "organization (e.g. `witsync apply samples/agile --yes`); for an organization, "
            "open its own web pages",
        )
    org = urlsplit(LOCAL_ORG_URL).path.strip("/")
    # No project is created here: the pages show what the board file holds.
    app = create_app(str(board), projects=[], processes=custom_processes(settings.board_process))
    names = [project.name for project in app.state.emulator.store.projects(org)]
    project = settings.project
    chosen = next((n for n in names if project and n.casefold() == project.casefold()), None)
    if chosen is None and project is None and len(names) == 1:
        chosen = names[0]
    base = f"http://{_host(args.host)}:{args.port}/{org}"
    url = f"{base}/{quote(chosen)}/_boards/backlog" if chosen else base
    sock = listen(args.host, args.port)  # before the address is printed: nothing else answers
    err = stderr_console()
    if project and chosen is None:
        err.print(
            f"witsync board: project {project!r} is not on this board yet; "
            f"it has: {', '.join(names) or 'none'}",
            markup=False,
        )
    err.print(
        f"witsync board: serving {board} (read-only pages) at {base}; Ctrl-C stops",
        markup=False,
    )
    write_data(url)  # stdout: the address alone, for scripts
    if args.open:
        webbrowser.open(url)
    try:
        uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
    finally:
        sock.close()
    return 0


def _host(host: str) -> str:
    """The address a browser on this machine uses for `--host`."""
    if host in ("0.0.0.0", "", "::"):  # noqa: S104 - naming it, not binding to it
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
