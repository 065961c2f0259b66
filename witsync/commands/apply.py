"""`witsync apply`: make the board match the manifests (or a saved plan) with guarded writes."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from rich.console import Console

from witsync.ado.client import Client
from witsync.applying.applier import apply_plan
from witsync.applying.schedule import aborted
from witsync.config import (
    Settings,
    add_manifest_arguments,
    add_planning_arguments,
    settings_from_args,
)
from witsync.connect import LOCAL_ORG_URL, describe_target, open_client
from witsync.console import stderr_console, stdout_console, write_data
from witsync.engine import Options, load_desired, plan_against, with_manifest_target
from witsync.errors import ConfigError, PlanFileError
from witsync.feedback import PhaseFeedback
from witsync.model import Desired, ItemResult, Plan, Result, Target
from witsync.notes import history_note
from witsync.rendering.planfile import ensure_target, load_plan
from witsync.rendering.result import ApplyProgress, item_line, result_document, summary
from witsync.rendering.text import render_text

DESCRIPTION = """\
Make the board match the manifests: plan (or read a saved plan), show the plan, then write it:
parents before children, independent items concurrently, new items together in `$batch`
requests, each update as one JSON patch guarded by `test /rev`.

Every update is guarded by the rev it was planned against: an item somebody changed after the
plan is not written (a conflict); the rest goes on and the run exits 1, naming the items to
plan again. Exit 0 only when everything planned was applied. On a terminal apply asks before
writing; elsewhere (CI) it needs --yes.

Ctrl-C (SIGINT) or SIGTERM while writing: no write starts after it, the requests in flight (at
most --parallelism) finish, every write that landed is reported, and the exit is 130 (143).
A second signal aborts at once.
"""

EXAMPLES = """\
examples:
  witsync apply samples/agile                 plan, show, confirm, apply
  witsync apply --yes --prune                 in a pipeline; also remove what left the manifests
  witsync plan --out plan.json && witsync apply --plan plan.json --yes
  witsync apply --yes --dedupe                keep one work item per key where there are two
  witsync apply --yes --format json > result.json
"""

DEFAULT_PARALLELISM = 8


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_manifest_arguments(parser)
    parser.add_argument(
        "--plan",
        type=Path,
        metavar="FILE",
        help="apply this saved plan (witsync plan --out) exactly, without reading manifests",
    )
    parser.add_argument(
        "--yes", "-y", action="store_true", help="apply without asking (required off a terminal)"
    )
    add_planning_arguments(parser)
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="stdout: text (a line per item and the summary; default) or json (a result "
        "document: per item action, key, id, outcome, message); progress goes to stderr",
    )
    parser.add_argument(
        "--parallelism",
        type=_positive,
        default=DEFAULT_PARALLELISM,
        metavar="N",
        help=f"independent writes in flight at once (default {DEFAULT_PARALLELISM})",
    )
    parser.add_argument(
        "--message",
        "-m",
        metavar="TEXT",
        help="text for the history note every revision witsync writes carries, after the CI "
        "run's commit, PR and run (witsync.yaml `message`; `historyNote: false` writes none)",
    )
    parser.add_argument(
        "--suppress-notifications",
        action="store_true",
        help="send suppressNotifications=true so a bulk apply does not flood inboxes",
    )


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args, os.environ, Path.cwd())
    saved: Plan | None = None
    desired: Desired | None = None
    if args.plan is not None:
        if args.paths or args.prune or args.dedupe or args.no_restore:
            raise ConfigError(
                "a saved plan is applied exactly as it was reviewed: give --plan FILE alone, "
                "not with manifest paths, --prune, --dedupe or --no-restore (they are for "
                "planning; not both)",
                hint="plan again with the paths and flags you want, then apply that plan",
            )
        saved = _read_plan(args.plan)
        settings = _with_plan_target(settings, saved)
        if settings.org_url is None and not settings.board_path.is_file():
            # A plan file holds no board path: a missing board means this is not the folder the
            # plan was made in, and a new empty board would call every planned item deleted.
            raise ConfigError(
                f"there is no local board at {settings.board_path} for this plan",
                hint="run `witsync apply --plan FILE` where `witsync plan` ran (its witsync.yaml "
                "says where the board is), or pass --config with that witsync.yaml",
            )
        if saved.markdown:  # its values are Markdown: written as such, whatever witsync.yaml says
            settings = dataclasses.replace(settings, markdown_native=True)
        # refused before anything is opened, so a wrong target is not even touched
        org = settings.org_url or LOCAL_ORG_URL
        ensure_target(saved, Target(org, str(settings.project), str(settings.scope)))
    else:
        desired = load_desired(list(args.paths) or [Path(".")], Options.from_settings(settings))
        settings = with_manifest_target(settings, desired)
    return asyncio.run(_run(args, settings, saved, desired, stderr_console()))


async def _run(
    args: argparse.Namespace,
    settings: Settings,
    saved: Plan | None,
    desired: Desired | None,
    err: Console,
) -> int:
    # as many requests in flight as writes asked for: a smaller client bound would cap them
    async with open_client(settings, os.environ, max_concurrency=args.parallelism) as client:
        err.print(f"target: {describe_target(settings)}", markup=False, highlight=False)
        if desired is not None:
            options = Options.from_settings(settings, dedupe=args.dedupe)
            plan = await plan_against(client, desired, options, progress=PhaseFeedback(err))
        else:
            assert saved is not None
            plan = saved
        err.print(render_text(plan), highlight=False, end="")
        if plan.errors:
            err.print(
                f"witsync: error: nothing was written: the board has {len(plan.errors)} "
                "problem(s) that apply must not write over (listed above)",
                markup=False,
                style="bold red",
            )
            return 1
        if not plan.actions:  # the plan text has said so
            if args.format == "json":
                write_data(result_document(plan, Result(())))
            else:
                stdout_console().print(summary(Result(())), markup=False, highlight=False)
            return 0
        if not args.yes and not _confirm(err, sys.stdin):
            err.print("Apply cancelled: nothing was written.", markup=False)
            return 1
        note = (
            history_note(plan.target.scope, os.environ, settings.message)
            if settings.history_note
            else None
        )
        return await _apply(client, plan, args, err, note)


async def _apply(
    client: Client, plan: Plan, args: argparse.Namespace, err: Console, note: str | None
) -> int:
    reported: dict[tuple[str, str], ItemResult] = {}
    # text: the result (a line per item, the summary) is the output, on stdout; json: the
    # document is, and the item lines are progress on stderr
    out = stdout_console() if args.format == "text" else None
    progress = ApplyProgress(err, len(plan.actions), lines=out)
    started = time.monotonic()
    with progress, Interrupts(err) as interrupts:

        def report(result: ItemResult) -> None:
            reported[(result.key, result.action)] = result
            progress.report(result)

        writing = asyncio.ensure_future(
            apply_plan(
                client,
                plan,
                parallelism=args.parallelism,
                suppress_notifications=args.suppress_notifications,
                on_event=report,
                cancel=interrupts.stop,
                note=note,
            )
        )
        interrupts.abort = writing.cancel
        await asyncio.wait({writing})
    if writing.cancelled():  # aborted: every action was reported, those under way as unknown
        items = (reported.get((a.key, a.kind)) or aborted(a) for a in plan.actions)
        result = Result(tuple(items))
    else:
        result = writing.result()
    by = interrupts.received.name if interrupts.received else None
    if not err.is_terminal:  # a CI log: the writing phase in one line, as the reading ones
        seconds = time.monotonic() - started
        count = len(plan.actions)
        line = f"writing: {count:,} item{'s' if count != 1 else ''} ({seconds:.1f} s)"
        err.print(line, markup=False, highlight=False)
    if out is not None:
        for item in result.items:  # what the bar only counted, or what an abort left unreported
            if (item.key, item.action) not in progress.shown:
                out.print(item_line(item), markup=False, highlight=False)
        out.print(summary(result, interrupted=by), markup=False, highlight=False)
    else:
        err.print(summary(result, interrupted=by), markup=False, highlight=False)
        write_data(result_document(plan, result, interrupted=by))
    if interrupts.received is not None:
        return 128 + interrupts.received  # the shell's code for "ended by this signal"
    return 0 if result.ok else 1


_Handler = Callable[[int, FrameType | None], Any] | int | None
"""A Python-level signal handler, as `signal.getsignal` returns it."""


class Interrupts:
    """SIGINT (Ctrl-C) and SIGTERM (a cancelled pipeline) while apply writes, from the event loop.

    The first signal sets `stop`: no write request starts after it, those in flight (at most
    --parallelism, a `$batch` of creates counting as one) finish so that their outcome is known
    and reported. The second calls `abort`: the writes in flight are abandoned. Only while
    writing: before (planning, the prompt) and after, the signals do what they did before.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, err: Console) -> None:
        self.err = err
        self.stop = asyncio.Event()
        self.abort: Callable[[], object] | None = None
        self.received: signal.Signals | None = None
        self._previous: dict[signal.Signals, _Handler] = {}

    def __enter__(self) -> Interrupts:
        loop = asyncio.get_running_loop()
        for sig in self.SIGNALS:
            previous = signal.getsignal(sig)
            try:
                loop.add_signal_handler(sig, self._handle, sig)
            except (NotImplementedError, RuntimeError):
                continue  # not on this platform or thread: the signal keeps its default
            self._previous[sig] = previous
        return self

    def __exit__(self, *exc_info: object) -> None:
        loop = asyncio.get_running_loop()
        for sig, previous in self._previous.items():
            loop.remove_signal_handler(sig)
            if previous is not None:  # None: set outside Python, and left as it is now
                signal.signal(sig, previous)  # e.g. asyncio.run's own Ctrl-C handler
        self._previous.clear()

    def _handle(self, sig: signal.Signals) -> None:
        again = "Ctrl-C" if sig == signal.SIGINT else sig.name
        if self.received is None:
            self.received = sig
            self.stop.set()
            self.err.print(
                f"witsync: interrupted ({sig.name}): no more writes start; waiting for the ones "
                f"in flight to finish so that they are reported. {again} again aborts them.",
                markup=False,
                highlight=False,
            )
            return
        self.err.print(
            f"witsync: interrupted again ({sig.name}): aborting; the writes in flight may or may "
            "not land (witsync plan shows the board as it is).",
            markup=False,
            highlight=False,
        )
        if self.abort is not None:
            self.abort()


def _read_plan(path: Path) -> Plan:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PlanFileError(
            f"cannot read the plan file {path}: {error.strerror}",
            hint="make one with witsync plan --out FILE",
        ) from None
    return load_plan(text)


def _confirm(err: Console, stdin: TextIO) -> bool:
    if not (stdin.isatty() and err.is_terminal):
        raise ConfigError(
            "refusing to apply without confirmation: this is not a terminal",
            hint="pass --yes to apply unattended (as in a pipeline)",
        )
    err.print("Apply these changes? Only 'yes' is accepted: ", end="", markup=False)
    try:
        answer = stdin.readline()
    except KeyboardInterrupt:
        return False
    return answer.strip().lower() == "yes"


def _with_plan_target(settings: Settings, plan: Plan) -> Settings:
    """A saved plan's project and scope fill in what flags and witsync.yaml left open, as the
    manifests' do for `witsync plan` (`with_manifest_target`)."""
    return dataclasses.replace(
        settings,
        project=settings.project or plan.target.project,
        scope=settings.scope or plan.target.scope,
    )
