"""`witsync serve`: run the local Azure DevOps work item emulator over HTTP (uvicorn)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from witsync.console import stderr_console
from witsync.emulator import EmulatorOptions, create_app
from witsync.emulator.faults import DroppedConnection
from witsync.errors import ConfigError

DESCRIPTION = """\
Run a local Azure DevOps work item tracking service: the same emulator the embedded board uses,
over HTTP, so the official clients, scripts and witsync itself (--org http://HOST:PORT/ORG) can
use it. Any organization name in the URL is served, each kept apart; the projects given with
--project exist in every organization. State is kept in --db and survives restarts.

Faults are off by default; turn them on to test a client's resilience (seed them with --seed).
"""

EXAMPLES = """\
examples:
  witsync serve --port 8080 --project Fabrikam:Scrum
  witsync serve --db /tmp/board.sqlite --project Fabrikam --area 'Fabrikam\\Web'
  witsync serve --rate-limit 100 --rate-window 60 --fail-rate 0.05 --seed 7
  witsync serve --pat s3cret        # only this token is accepted (Basic or Bearer)
then: witsync plan --org http://127.0.0.1:8080/myorg --project Fabrikam
"""


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=8080, help="TCP port (default 8080)")
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
        help="a project in every organization (Agile default; Scrum, Basic, CMMI); repeatable",
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


class _QuietDrops(logging.Filter):
    """A dropped connection is a fault the user asked for, not a server error to log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


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
    try:
        app = create_app(str(args.db), projects=args.project, options=options)
        app.state.emulator.add_areas(args.area)
    except ValueError as error:
        raise ConfigError(
            str(error), hint="use --project NAME[:Agile|Scrum|Basic|CMMI] and --area 'NAME\\Sub'"
        ) from None
    err = stderr_console()
    projects = ", ".join(args.project) or "none (pass --project NAME)"
    err.print(
        f"witsync serve: http://{args.host}:{args.port}/<organization>  db {args.db}  "
        f"projects {projects}",
        markup=False,
    )
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
