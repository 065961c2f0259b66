"""`witsync serve`: run the local Azure DevOps work item emulator over HTTP (uvicorn)."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from witsync.console import stderr_console
from witsync.emulator import EmulatorOptions, create_app
from witsync.emulator.custom_process import ProcessFileError, load_process
from witsync.emulator.faults import DroppedConnection
from witsync.emulator.processdefs import ProcessDef
from witsync.errors import ConfigError
from witsync.listening import listen

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080

DESCRIPTION = """\
Run a local Azure DevOps work item tracking service: the same emulator the embedded board uses,
over HTTP, so the official clients, scripts and witsync itself (--org http://HOST:PORT/ORG) can
use it. Any organization name in the URL is served, each kept apart; the projects given with
--project exist in every organization. State is kept in --db and survives restarts.

Who a request acts as: the user name of Basic auth. A name with an e-mail ('Jamal Hartnett
<jamal@fabrikam.com>') or an e-mail alone becomes the identity that creates and changes work
items (System.CreatedBy, System.ChangedBy, the history); any other user name, an empty one (as
witsync and the Azure CLI send a PAT) or a Bearer token acts as 'Local User
<local.user@local-board.invalid>'. Any password or token is accepted, unless --pat names the only
one that is.

The board is also served as read-only web pages, in Azure Boards' URL shapes:
/ORG/PROJECT/_boards/backlog (the backlog tree) and /ORG/PROJECT/_workitems/edit/ID (one work
item, its links and history), so the links of a plan made against this server open in a browser.

Custom processes: --process FILE serves an inherited process (a YAML file: base process, added
fields with their types and picklists, per type added or hidden fields, required fields, defaults
and added states, new types; see schemas/process.schema.json) through the same metadata endpoints,
with its rules enforced on every write. A project given without a process gets it.

Faults are off by default; turn them on to test a client's resilience (seed them with --seed).
"""

EXAMPLES = """\
examples:
  witsync serve --port 8080 --project Fabrikam:Scrum
  witsync serve --port 0 --project Fabrikam        # any free port; the banner says which
  witsync serve --db /tmp/board.sqlite --project Fabrikam --area 'Fabrikam\\Web'
  witsync serve --process samples/processes/fabrikam-agile.yaml --project Fabrikam
  witsync serve --rate-limit 100 --rate-window 60 --fail-rate 0.05 --seed 7
  witsync serve --pat s3cret        # only this token is accepted (Basic or Bearer)
  witsync serve --log-requests      # one line per request on stderr: method, path, status, ms
then: witsync plan --org http://127.0.0.1:8080/myorg --project Fabrikam
acting as someone (the Basic user name is the identity):
  curl -u 'Jamal Hartnett <jamal@fabrikam.com>:any' \\
    'http://127.0.0.1:8080/myorg/Fabrikam/_apis/wit/workitems/1?api-version=7.1'
"""


Number = TypeVar("Number", int, float)


def _within(
    convert: Callable[[str], Number], low: Number, high: Number, what: str, bounds: str
) -> Callable[[str], Number]:
    """An argparse `type`: `convert` of the text, refused (as `what`) unless from low to high."""

    def parse(text: str) -> Number:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a {what}: {text!r}") from None
        if not low <= value <= high:  # a NaN is in no range
            raise argparse.ArgumentTypeError(f"must be between {bounds}")
        return value

    return parse


_fraction = _within(float, 0.0, 1.0, "number", "0 and 1")
_port = _within(int, 0, 65535, "port number", "0 and 65535 (0: any free port)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"interface to listen on (default {DEFAULT_HOST}, this machine only; 0.0.0.0 for "
        "every interface)",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"TCP port (default {DEFAULT_PORT}; 0: any free port, printed at start)",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=Path(".witsync/board.sqlite"),
        help="SQLite file (default .witsync/board.sqlite, the embedded board); ':memory:' for none",
    )
    parser.add_argument(
        "--project",
        action="append",
        default=[],
        metavar="NAME[:PROCESS]",
        help="a project in every organization (Agile default, or the first --process; Scrum, "
        "Basic, CMMI, a --process's name); repeatable",
    )
    parser.add_argument(
        "--process",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="a custom process (YAML, schemas/process.schema.json) to serve; repeatable",
    )
    parser.add_argument(
        "--area",
        action="append",
        default=[],
        metavar="PATH",
        help="an extra area path such as 'Fabrikam\\Web' (parents are created too); repeatable",
    )
    faults = parser.add_argument_group("faults (off by default)")
    faults.add_argument(
        "--latency-ms", type=int, default=0, metavar="N", help="delay before every answer"
    )
    faults.add_argument(
        "--rate-limit", type=int, default=None, metavar="N", help="requests per window before 429"
    )
    faults.add_argument(
        "--rate-window", type=float, default=300.0, metavar="SECONDS", help="seconds (default 300)"
    )
    faults.add_argument(
        "--fail-rate", type=_fraction, default=0.0, metavar="F", help="fraction answered 503"
    )
    faults.add_argument(
        "--drop-rate",
        type=_fraction,
        metavar="F",
        default=0.0,
        help="fraction whose connection drops before processing",
    )
    faults.add_argument(
        "--commit-drop-rate",
        type=_fraction,
        metavar="F",
        default=0.0,
        help="fraction of writes saved, then the connection drops",
    )
    faults.add_argument(
        "--seed", type=int, default=None, metavar="N", help="seed for the random faults"
    )
    parser.add_argument(
        "--link-bumps-rev",
        action="store_true",
        help="work-item link changes give both ends a new rev",
    )
    parser.add_argument(
        "--pat", default=None, metavar="TOKEN", help="accept only this token (default: any token)"
    )
    parser.add_argument(
        "--log-requests",
        action="store_true",
        help="one line per request on stderr: method, path, status, milliseconds (also -v)",
    )


class _QuietDrops(logging.Filter):
    """A dropped connection is a fault the user asked for, not a server error to log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


class RequestLog:
    """ASGI middleware: one line per request once it is answered (method, path, status, ms); a
    connection dropped before an answer (a fault asked for) is logged as such."""

    def __init__(self, app: ASGIApp, out: TextIO | None = None) -> None:
        self.app = app
        self.out = out

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: list[int] = []

        async def logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self._line(scope, str(status[0]) if status else "?", started)

        try:
            await self.app(scope, receive, logged)
        except BaseException:
            if not status:
                self._line(scope, "dropped", started)
            raise

    def _line(self, scope: Scope, status: str, started: float) -> None:
        ms = (time.perf_counter() - started) * 1000
        # the path only: the query holds no secret, but a line per request stays short
        out = self.out or sys.stderr
        out.write(f"{scope.get('method', '?')} {scope.get('path', '')} {status} {ms:.0f} ms\n")
        out.flush()


def read_processes(files: list[Path]) -> list[ProcessDef]:
    """The custom processes in `files`; one ConfigError naming every problem of every file."""
    processes: list[ProcessDef] = []
    problems: list[str] = []
    for file in files:
        try:
            processes.append(load_process(file))
        except ProcessFileError as error:
            problems.extend(error.problems)
    if problems:
        raise ConfigError(
            "\n".join(problems),
            hint="see schemas/process.schema.json for what a process file holds",
        )
    return processes


def run(args: argparse.Namespace) -> int:
    import uvicorn

    options = EmulatorOptions(
        latency_ms=args.latency_ms,
        rate_limit=args.rate_limit,
        rate_window_s=args.rate_window,
        fail_rate=args.fail_rate,
        drop_rate=args.drop_rate,
        commit_drop_rate=args.commit_drop_rate,
        seed=args.seed,
        link_bumps_rev=args.link_bumps_rev,
        pat=args.pat,
    )
    processes = read_processes(args.process)
    try:
        app = create_app(str(args.db), projects=args.project, options=options, processes=processes)
        app.state.emulator.add_areas(args.area)
    except ValueError as error:
        raise ConfigError(
            str(error), hint="use --project NAME[:Agile|Scrum|Basic|CMMI] and --area 'NAME\\Sub'"
        ) from None
    try:
        sock = listen(args.host, args.port)  # before the banner: a port in use is one line
    except ConfigError:
        app.state.emulator.store.close()
        raise
    try:
        port = sock.getsockname()[1]
        host = f"[{args.host}]" if ":" in args.host else args.host
        err = stderr_console()
        projects = (
            ", ".join(f"{name} ({process})" for name, process in app.state.emulator.projects)
            or "none (pass --project NAME)"
        )
        err.print(
            f"witsync serve: http://{host}:{port}/<organization>  db {args.db}  "
            f"projects {projects}",
            markup=False,
            highlight=False,
        )
        err.print(
            f"board pages: http://{host}:{port}/<organization>/<project>/_boards/backlog",
            markup=False,
            highlight=False,
        )
        served = RequestLog(app) if args.log_requests or args.verbose else app
        logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
        server = uvicorn.Server(uvicorn.Config(served, log_level="warning"))
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0
