"""Command-line entry point: parse arguments, run one command, map errors to exit codes."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Protocol

from witsync.ado.transport import redactor_from_env
from witsync.console import stderr_console
from witsync.errors import ManifestError, WitsyncError
from witsync.version import __version__

COMMANDS = {
    "validate": "Check manifests offline: schema, keys, parents, links. Exit 1 on any error.",
    "plan": "Show what would change on the board to make it match the manifests.",
    "apply": "Make the board match the manifests (or a saved plan), with guarded minimal patches.",
    "serve": "Run the local Azure DevOps work item emulator over HTTP.",
}

EPILOG = """\
examples:
  witsync validate samples/agile
  witsync plan samples/agile --format markdown > plan.md
  witsync plan --out plan.json --detailed-exitcode
  witsync apply --plan plan.json --yes
  witsync serve --port 8080 --project Fabrikam:Scrum

With no organization configured (--org, witsync.yaml `org:`, or WITSYNC_ORG_URL), plan and
apply work against the embedded local board stored in .witsync/board.sqlite.
Tokens come from AZURE_DEVOPS_EXT_PAT (a PAT) or SYSTEM_ACCESSTOKEN (Azure Pipelines).
"""


class CommandModule(Protocol):
    """What every `witsync.commands.<verb>` module provides."""

    DESCRIPTION: str
    EXAMPLES: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def _command(name: str) -> CommandModule:
    module: CommandModule = importlib.import_module(f"witsync.commands.{name}")
    return module


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="witsync",
        description="Azure Boards work items as code: plan and apply YAML manifests.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"witsync {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, summary in COMMANDS.items():
        module = _command(name)
        command_parser = sub.add_parser(
            name,
            help=summary,
            description=module.DESCRIPTION,
            epilog=module.EXAMPLES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(command_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run witsync; every user mistake becomes one clear message and exit 1, never a traceback."""
    args = build_parser().parse_args(argv)
    err = stderr_console()
    try:
        return _command(args.command).run(args)
    except ManifestError as error:
        for diagnostic in error.diagnostics:
            err.print(str(diagnostic), markup=False)
        err.print(f"witsync: {error.message}", markup=False, style="bold red")
        return 1
    except WitsyncError as error:
        err.print(f"witsync: error: {error.message}", markup=False, style="bold red")
        if error.hint:
            err.print(f"  hint: {error.hint}", markup=False)
        return 1
    except KeyboardInterrupt:
        err.print("witsync: interrupted", markup=False)
        return 130
    except Exception as error:  # a bug, not a user mistake: say so, with what a report needs
        if os.environ.get("WITSYNC_DEBUG"):
            raise
        # It did not pass through a client's redaction: it may quote a token (a URL, a header).
        shown = redactor_from_env(os.environ)(f"{type(error).__name__}: {error}")
        err.print(
            f"witsync: unexpected error (a bug in witsync {__version__}): {shown}\n"
            "  hint: run again with WITSYNC_DEBUG=1 for the traceback and report it",
            markup=False,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
