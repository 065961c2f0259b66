"""`witsync validate`: check manifests offline (YAML, schema, keys, parents, links)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from witsync.config import add_manifest_arguments, settings_from_args
from witsync.console import stderr_console, write_data
from witsync.engine import Options
from witsync.loading.loader import load_report

DESCRIPTION = """\
Check manifests without touching any board: YAML syntax, the manifest schema (schemas/
manifest.schema.json), unique keys across every file, parents and link targets that exist,
no hierarchy cycles, one scope. Every problem is reported as FILE:LINE:COLUMN with a hint.
Exit 0 when the set is valid (warnings do not fail it), 1 on any error.
"""

EXAMPLES = """\
examples:
  witsync validate                       every *.yaml / *.yml below the current folder
  witsync validate samples/agile         one folder
  witsync validate backlog.yaml --scope web-team
"""


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
    write_data(summary)
    return 0
