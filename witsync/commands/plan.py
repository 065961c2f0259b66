"""`witsync plan`: show what would change on the board to make it match the manifests."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from rich.console import Console

from witsync.config import (
    Settings,
    add_manifest_arguments,
    add_planning_arguments,
    settings_from_args,
)
from witsync.connect import describe_target, open_client
from witsync.console import stderr_console, stdout_console, write_data
from witsync.engine import Options, load_desired, plan_against, validate_plan, with_manifest_target
from witsync.errors import ConfigError, WitsyncError
from witsync.feedback import PhaseFeedback
from witsync.model import Desired, Plan
from witsync.rendering.common import rate_limit_lines
from witsync.rendering.failure import render_failure_markdown
from witsync.rendering.html import render_html
from witsync.rendering.json import render_json
from witsync.rendering.markdown import render_markdown
from witsync.rendering.planfile import dump_plan
from witsync.rendering.sourcelinks import source_links
from witsync.rendering.text import render_text

DESCRIPTION = """\
Compare the manifests with the board and show what `witsync apply` would do: items to create
(+), update (~) and remove (-, only with --prune), field by field, with the exact guarded
patches. Nothing is written to the board.

Output goes to stdout in the format asked for (text, markdown for a pull-request comment,
json, or html: one self-contained page with the tree of items after the plan, filters and word
diffs, for a reviewer's browser or a CI artifact); the target used, warnings and progress go to
stderr. The changes come in two groups: from the manifests (what merging the pull request
changes), and drift on the board (fields and links people changed since witsync wrote them,
which applying puts back), with who made each and when (from the items' histories and the note
every revision witsync writes carries).
"""

EXAMPLES = """\
examples:
  witsync plan                                   manifests below the current folder
  witsync plan samples/agile --format markdown > comment.md
  witsync plan --out plan.json --detailed-exitcode; echo $?   (0 no changes, 2 changes, 1 error)
  witsync plan --validate                        also dry-run every patch on the server
  witsync plan --format html > plan.html         the plan as a page (open it in a browser)
  witsync plan --out plan.json --out-html plan.html --format markdown \
      --html-url "$RUN_URL#artifacts" > comment.md   (the comment links to the HTML plan)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_manifest_arguments(parser)
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="save the plan for `witsync apply --plan FILE`"
    )
    parser.add_argument(
        "--out-html",
        type=Path,
        metavar="FILE",
        help="also write the plan as one self-contained HTML page (as --format html prints it)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "markdown", "json", "html"),
        default="text",
        help="stdout format (default text; markdown for a pull-request comment; html: a page)",
    )
    parser.add_argument(
        "--html-url",
        metavar="URL",
        help="where reviewers find the HTML plan (e.g. the CI run's artifacts): the Markdown "
        "comment links to it",
    )
    parser.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 2 when the plan has changes (0 none, 1 error)",
    )
    add_planning_arguments(parser)
    parser.add_argument(
        "--validate",
        action="store_true",
        help="send every planned patch with validateOnly=true: process-rule errors fail here",
    )


def run(args: argparse.Namespace) -> int:
    settings: Settings | None = None
    try:
        settings = settings_from_args(args, os.environ, Path.cwd())
        options = Options.from_settings(settings, dedupe=args.dedupe)
        desired = load_desired(list(args.paths) or [Path(".")], options)
        settings = with_manifest_target(settings, desired)
        return asyncio.run(_run(args, settings, options, desired, stderr_console()))
    except WitsyncError as error:
        if args.format == "markdown":
            # The pipeline posts whatever is on stdout: a comment that lists the errors (the
            # CLI still prints them on stderr and exits 1).
            project, scope = (settings.project, settings.scope) if settings else (None, None)
            write_data(render_failure_markdown(error, project=project, scope=scope))
        raise


async def _run(
    args: argparse.Namespace, settings: Settings, options: Options, desired: Desired, err: Console
) -> int:
    async with open_client(settings, os.environ) as client:
        err.print(f"target: {describe_target(settings)}", markup=False, highlight=False)
        feedback = PhaseFeedback(err)
        plan = await plan_against(client, desired, options, progress=feedback)
        failures: list[str] = []
        if args.validate:
            with feedback.phase("dry-running the planned writes (validateOnly)") as phase:
                failures = await validate_plan(client, plan)
                phase.done(f"{len(failures)} refused")
    if args.out is not None:
        _save(args.out, plan)
        err.print(f"plan saved to {args.out}", markup=False, highlight=False)
    if args.out_html is not None:
        _write(args.out_html, render_html(plan), "HTML plan")
        err.print(f"HTML plan saved to {args.out_html}", markup=False, highlight=False)
    _show(plan, args, err)
    if getattr(args, "verbose", False) and plan.budget is not None:
        for line in rate_limit_lines(plan.budget):
            err.print(line, markup=False, highlight=False)
    for failure in failures:
        err.print(f"validate: {failure}", markup=False, highlight=False, style="red")
    if failures:
        err.print(
            f"witsync: {len(failures)} planned write(s) would be refused by the server",
            markup=False,
            style="bold red",
        )
        return 1
    if plan.errors:
        err.print(
            f"witsync: the board has {len(plan.errors)} problem(s) that block apply (see above)",
            markup=False,
            style="bold red",
        )
        return 1
    return 2 if args.detailed_exitcode and plan.has_changes else 0


def _save(path: Path, plan: Plan) -> None:
    _write(path, dump_plan(plan), "plan file")


def _write(path: Path, text: str, what: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            f"cannot write the {what} {path}: {error.strerror}",
            hint="check that the folder exists and is writable",
        ) from None


def _show(plan: Plan, args: argparse.Namespace, err: Console) -> None:
    if args.format == "json":
        write_data(render_json(plan))
    elif args.format == "markdown":
        # In CI, each action links to its manifest line at the commit being planned.
        sources = source_links(os.environ, str(Path.cwd()))
        plan_file = str(args.out) if args.out else None
        write_data(
            render_markdown(plan, plan_file=plan_file, sources=sources, html_url=args.html_url)
        )
    elif args.format == "html":
        write_data(render_html(plan))
    else:
        text = render_text(plan)
        out = stdout_console()
        if out.is_terminal:
            out.print(text, end="")
        else:
            write_data(text.plain)
    if args.format != "text":
        for warning in plan.warnings:
            err.print(f"{warning.severity}: {warning.code}: {warning.message}", markup=False)
