"""`witsync validate`: check manifests offline, and against the project's process given a target."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from witsync.config import Settings, add_manifest_arguments, settings_from_args
from witsync.connect import describe_target, open_client
from witsync.console import stderr_console, write_data
from witsync.engine import Options, checked_process, with_manifest_target
from witsync.feedback import PhaseFeedback
from witsync.loading.loader import load_report
from witsync.model import Desired

DESCRIPTION = """\
Check manifests: YAML syntax, the manifest schema (schemas/manifest.schema.json), unique keys
across every file, parents and link targets that exist, no hierarchy cycles, one scope. Every
problem is reported as FILE:LINE:COLUMN with a hint. Exit 0 when the set is valid (warnings do
not fail it), 1 on any error.

Without an organization, that is all (nothing is read from any board, the local one included):
work item types, fields, states, picklist values and area and iteration paths need the project's
process. With one (--org, `org:` in witsync.yaml, or WITSYNC_ORG_URL), validate also reads the
project's process and checks those, as plan does before planning, reporting every problem at
FILE:LINE:COLUMN; it reads no work item and plans nothing.
"""

EXAMPLES = """\
examples:
  witsync validate                       every *.yaml / *.yml below the current folder
  witsync validate samples/agile         one folder, offline
  witsync validate backlog.yaml --scope web-team
  witsync validate backlog --org https://dev.azure.com/fabrikam --project Fabrikam
                                         also against the project's types, fields and paths
"""

BOARD_CHECKS = "work item types, fields, states, picklist values, area and iteration paths"
"""What only the project's process can tell (loading/process.py checks them)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_manifest_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Load and check the set; the one-line summary is this command's output (stdout)."""
    settings = settings_from_args(args, os.environ, Path.cwd())
    paths = list(args.paths) or [Path(".")]
    report = load_report(paths, Options.from_settings(settings).load_options())
    err = stderr_console()
    for warning in report.warnings:
        err.print(str(warning), markup=False)
    desired = report.desired
    if settings.org_url is not None:
        settings = with_manifest_target(settings, desired)
        asyncio.run(_check_process(settings, desired))  # ManifestError lists every problem
        checked = f"; checked against the process of {describe_target(settings)}"
    else:
        err.print(
            f"note: checked offline; {BOARD_CHECKS} need the board: give --org URL (or `org:` "
            "in witsync.yaml, or WITSYNC_ORG_URL) to check them too",
            markup=False,
            highlight=False,
        )
        checked = ""
    items, files = len(desired.items), len(desired.files)
    summary = (
        f"valid: {items} item{'s' if items != 1 else ''} in {files} file"
        f"{'s' if files != 1 else ''}, scope {desired.scope}"
    )
    if desired.project:
        summary += f", project {desired.project}"
    if report.warnings:
        count = len(report.warnings)
        summary += f" ({count} warning{'s' if count != 1 else ''})"
    write_data(summary + checked)
    return 0


async def _check_process(settings: Settings, desired: Desired) -> None:
    async with open_client(settings, os.environ) as client:
        await checked_process(client, desired, progress=PhaseFeedback(stderr_console()))
