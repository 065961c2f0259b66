"""Command-line entry point: parse arguments, run one command, map errors to exit codes."""

from __future__ import annotations

import argparse
import difflib
import importlib
import logging
import os
import re
import sys
from collections.abc import Sequence
from typing import NoReturn, Protocol

from witsync.ado.transport import redactor_from_env
from witsync.console import stderr_console
from witsync.errors import ManifestError, WitsyncError
from witsync.version import __version__

COMMANDS = {
    "validate": "Check manifests (with --org, also against the project's process). Exit 1 on "
    "any error.",
    "plan": "Show what would change on the board to make it match the manifests.",
    "apply": "Make the board match the manifests (or a saved plan), with guarded minimal patches.",
    "export": "Write manifests for work items already on a board (adopted by id on first plan).",
    "pull": "Write the board's news (states, assignees, new children...) back into the manifests.",
    "serve": "Run the local Azure DevOps work item emulator over HTTP.",
    "board": "Show the embedded local board as web pages (backlog tree, work items, history).",
}

EPILOG = """\
examples:
  witsync validate samples/agile
  witsync plan samples/agile --format markdown > plan.md
  witsync plan --out plan.json --detailed-exitcode
  witsync apply --plan plan.json --yes
  witsync serve --port 8080 --project Fabrikam:Scrum
  witsync board samples/agile

With no organization configured (--org, witsync.yaml `org:`, or WITSYNC_ORG_URL), plan and
apply work against the embedded local board stored in .witsync/board.sqlite.
Tokens come from AZURE_DEVOPS_EXT_PAT (a PAT) or SYSTEM_ACCESSTOKEN (Azure Pipelines).
"""


USAGE_EXIT = 1
"""A usage mistake is an error like any other: 2 belongs to `plan --detailed-exitcode`."""


class Parser(argparse.ArgumentParser):
    """argparse, except that a usage mistake exits 1 (not 2) with a did-you-mean.

    Pipelines read exit 2 of `witsync plan --detailed-exitcode` as "the plan has changes", so a
    mistyped flag must never exit 2. Subcommand parsers are of this class too (argparse makes
    them with the class of their parent).
    """

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras and self._subparsers is not None:
            # argparse reports a subcommand's unknown option with the top-level usage: report it
            # with the usage and options of the subcommand that was given instead.
            command = self._chosen(parsed)
            if command is not None:
                command.error("unrecognized arguments: " + " ".join(extras))
        return parsed, extras

    def _chosen(self, parsed: argparse.Namespace) -> Parser | None:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                chosen = action.choices.get(getattr(parsed, action.dest or "", None) or "")
                return chosen if isinstance(chosen, Parser) else None
        return None

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        hint = self.suggestion(message)
        text = f"{self.prog}: error: {message}\n"
        if hint:
            text += f"  hint: {hint}\n"
        else:
            text += f"  hint: see {self.prog} --help\n"
        self.exit(USAGE_EXIT, text)

    def suggestion(self, message: str) -> str | None:
        """`did you mean '--format'?` for an unknown option or a wrong choice, if one is close."""
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)$", message)
        if choice:
            return _did_you_mean(choice[1], re.findall(r"'([^']*)'", choice[2]))
        unknown = re.match(r"unrecognized arguments: (.*)$", message)
        if unknown:
            options = [o for action in self._actions for o in action.option_strings]
            for word in unknown[1].split():
                if word.startswith("-"):
                    hint = _did_you_mean(word.split("=", 1)[0], options)
                    if hint:
                        return hint
        return None


def _did_you_mean(word: str, known: Sequence[str]) -> str | None:
    # Compared without the dashes, which every option shares: `--bogus` is not close to `--out`.
    bare = {name.lstrip("-"): name for name in known}
    close = difflib.get_close_matches(word.lstrip("-"), list(bare), n=1, cutoff=0.6)
    return f"did you mean '{bare[close[0]]}'?" if close else None


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
    parser = Parser(
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
        command_parser.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            help="log every request to stderr (method, path, status, milliseconds, retries); "
            "never the token",
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run witsync; every user mistake becomes one clear message and exit 1, never a traceback."""
    args = build_parser().parse_args(argv)
    err = stderr_console()
    logs = _log_to_stderr(verbose=getattr(args, "verbose", False))
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
    finally:
        logs.close()


class _StderrLog(logging.Handler):
    """witsync's log records on stderr while one command runs: warnings (a request that timed
    out and is retried) always, every request and retry with -v. Added to the `witsync` logger
    for the run and removed after it, so that runs in one process (tests) do not pile up."""

    def __init__(self, verbose: bool) -> None:
        super().__init__(logging.INFO if verbose else logging.WARNING)
        self.setFormatter(logging.Formatter("witsync: %(message)s"))
        self._logger = logging.getLogger("witsync")
        self._level = self._logger.level
        self._logger.setLevel(self.level)
        self._logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")  # the stderr of now (tests swap it)
            sys.stderr.flush()
        except Exception:  # a log line must never end a run
            self.handleError(record)

    def close(self) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)
        super().close()


def _log_to_stderr(*, verbose: bool) -> _StderrLog:
    return _StderrLog(verbose)


if __name__ == "__main__":
    sys.exit(main())
