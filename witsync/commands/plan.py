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
from witsync.errors import ConfigError
from witsync.model import Desired, Plan
from witsync.rendering.json import render_json
from witsync.rendering.markdown import render_markdown
from witsync.rendering.planfile import dump_plan
from witsync.rendering.text import render_text

DESCRIPTION = """\
Compare the manifests with the board and show what `witsync apply` would do: items to create
(+), update (~) and remove (-, only with --prune), field by field, with the exact guarded
patches. Nothing is written to the board.

Output goes to stdout in the format asked for (text, markdown for a pull-request comment, or
json); the target used, warnings and progress go to stderr. For a field that differs on the
board, the plan says who last set it there and when (from the item's history).
"""

EXAMPLES = """\
examples:
  witsync plan                                   manifests below the current folder
  witsync plan samples/agile --format markdown > comment.md
  witsync plan --out plan.json --detailed-exitcode; echo $?   (0 no changes, 2 changes, 1 error)
  witsync plan --validate                        also dry-run every patch on the server
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_manifest_arguments(parser)
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="save the plan for `witsync apply --plan FILE`"
    )
    parser.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="stdout format (default text; markdown for a pull-request comment)",
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
    settings = settings_from_args(args, os.environ, Path.cwd())
    options = Options.from_settings(settings, dedupe=args.dedupe)
    desired = load_desired(list(args.paths) or [Path(".")], options)
    settings = with_manifest_target(settings, desired)
    return asyncio.run(_run(args, settings, options, desired, stderr_console()))


async def _run(
    args: argparse.Namespace, settings: Settings, options: Options, desired: Desired, err: Console
) -> int:
    async with open_client(settings, os.environ) as client:
        err.print(f"target: {describe_target(settings)}", markup=False, highlight=False)
        plan = await plan_against(client, desired, options)
        failures = await validate_plan(client, plan) if args.validate else []
    if args.out is not None:
        _save(args.out, plan)
        err.print(f"plan saved to {args.out}", markup=False, highlight=False)
    _show(plan, args, err)
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
    try:
        path.write_text(dump_plan(plan), encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            f"cannot write the plan file {path}: {error.strerror}",
            hint="check that the folder exists and is writable",
        ) from None


def _show(plan: Plan, args: argparse.Namespace, err: Console) -> None:
    if args.format == "json":
        write_data(render_json(plan))
    elif args.format == "markdown":
        write_data(render_markdown(plan, plan_file=str(args.out) if args.out else None))
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
