"""`witsync plan`: show what would change on the board to make it match the manifests."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import os
from pathlib import Path

from rich.console import Console

from witsync.client import Client
from witsync.config import Settings, add_manifest_arguments, settings_from_args
from witsync.connect import LOCAL_ORG_URL, describe_target, open_client
from witsync.console import stderr_console, stdout_console, write_data
from witsync.errors import ConfigError, ManifestError, ServerError
from witsync.fetch import fetch_edits, fetch_live, with_edits
from witsync.loader import check_against_process, load
from witsync.model import JSON, Desired, PatchOp, Plan, Target
from witsync.plan import make_plan
from witsync.planfile import dump_plan
from witsync.render.json import op_json, render_json
from witsync.render.markdown import render_markdown
from witsync.render.text import render_text

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

DRIFT_ITEMS = 50
"""At most this many changed items get their revision history read (one request each)."""


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
    parser.add_argument(
        "--prune",
        action="store_true",
        help="plan the removal of managed items that left the manifests (witsync.yaml `removal`)",
    )
    parser.add_argument(
        "--validate",
        action="store_true",
        help="send every planned patch with validateOnly=true: process-rule errors fail here",
    )


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args, os.environ, Path.cwd())
    paths = list(args.paths) or [Path(".")]
    desired = load(paths, settings)
    settings = with_manifest_target(settings, desired)
    return asyncio.run(_run(args, settings, desired, stderr_console()))


async def _run(args: argparse.Namespace, settings: Settings, desired: Desired, err: Console) -> int:
    async with open_client(settings, os.environ) as client:
        err.print(f"target: {describe_target(settings)}", markup=False, highlight=False)
        plan = await plan_against(client, settings, desired)
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
    return 2 if args.detailed_exitcode and plan.has_changes else 0


async def plan_against(client: Client, settings: Settings, desired: Desired) -> Plan:
    """Check the manifests against the project's process, read the board, plan, and read who
    last changed each drifted field."""
    if desired.project and desired.project.casefold() != client.project.casefold():
        raise ConfigError(
            f"the manifests are for project {desired.project!r}, the target is {client.project!r}",
            hint="pass --project, or fix `project:` in the manifests or witsync.yaml",
        )
    process = await client.get_process()
    problems = check_against_process(desired, process)
    if any(problem.severity == "error" for problem in problems):
        raise ManifestError(problems)
    live = await fetch_live(client, desired)
    target = Target(settings.org_url or LOCAL_ORG_URL, client.project, desired.scope)

    plan_with = functools.partial(
        make_plan,
        desired,
        process=process,
        target=target,
        prune=settings.prune,
        removal=settings.removal,
    )
    plan = plan_with(live)
    wanted = {
        action.id: [change.field for change in action.field_changes if change.before is not None]
        for action in plan.actions
        if action.kind in ("update", "adopt") and action.id is not None
    }
    wanted = dict(sorted((id, refs) for id, refs in wanted.items() if refs)[:DRIFT_ITEMS])
    if not wanted:
        return plan
    edits = await fetch_edits(client, wanted)
    return plan_with(with_edits(live, edits))


async def validate_plan(client: Client, plan: Plan) -> list[str]:
    """Dry-run every step the server can judge now (validateOnly=true); one message per refusal.

    Steps that need an item this plan creates first (its later state move, a link to it)
    cannot be sent before the apply; their other operations still are.
    """
    failures: list[str] = []
    for action in plan.actions:
        for index, step in enumerate(action.steps):
            if step.kind == "delete" or (action.id is None and index > 0):
                continue
            ops = [_wire(op, client) for op in step.ops if op.target is None]
            try:
                if step.kind == "create":
                    await client.create_item(action.type, ops, validate_only=True)
                elif action.id is not None:
                    await client.update_item(action.id, ops, validate_only=True)
            except ServerError as error:
                failures.append(f"{action.key} ({action.kind}): {error.message}")
    return failures


def _wire(op: PatchOp, client: Client) -> dict[str, JSON]:
    wired = op_json(op)
    for annotation in ("target", "target_id", "relation"):
        wired.pop(annotation, None)
    if op.target_id is not None:
        wired["value"] = {**op.value, "url": client.work_item_url(op.target_id)}
    return wired


def with_manifest_target(settings: Settings, desired: Desired) -> Settings:
    """The manifests' project and scope fill in what flags and witsync.yaml left open."""
    return dataclasses.replace(
        settings,
        project=settings.project or desired.project,
        scope=settings.scope or desired.scope,
    )


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
            err.print(f"warning: {warning.code}: {warning.message}", markup=False)
