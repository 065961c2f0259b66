"""`witsync export`: write manifests for work items already on a board, to start managing them."""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Sequence
from pathlib import Path

from witsync.ado.client import Client, display_url
from witsync.config import Settings, add_target_arguments, settings_from_args
from witsync.connect import LOCAL_PROJECT, describe_target, open_client
from witsync.console import stderr_console
from witsync.errors import ConfigError
from witsync.exporting.entries import STANDARD_FIELDS, type_defaults
from witsync.exporting.layout import Export, Source, export_board
from witsync.loading.fieldnames import DEFAULT_OWNERSHIP, display_name
from witsync.selection import (
    Selection,
    check_fields,
    field_list,
    read_selection,
)

DESCRIPTION = """\
Write manifests for work items that are already on the board, so that a team with a backlog can
start managing it as code. Each entry has `id: N`: the first `witsync plan` adopts the items
(adds the scope marker) and changes nothing else.

What is exported: the items under --under ID (the item and its whole subtree), in an --area or
--iteration (and below), matching --query WIQL, or named by --ids; with none of these, the
whole project. Children are nested under their parent; keys come from titles; the fields people
use are written (title, description as Markdown when it converts cleanly, state, assignedTo as
e-mail, tags, area, iteration, priority, story points and estimates), and any named with
--fields; a value the item would have anyway (its type's first state, the project's root area,
a default of the process) is left out. Links between exported items are written by key, links
to other items by id. A witsync.yaml beside the files names the project and scope.
"""

EXAMPLES = """\
examples:
  witsync export --under 1234 --scope web-team --out backlog/
  witsync export --area 'Fabrikam\\Web' --split area --scope web-team --out backlog/
  witsync export --query "SELECT [System.Id] FROM WorkItems WHERE [System.State] <> 'Closed'" \\
      --scope web-team --out backlog/ --fields acceptanceCriteria,Custom.Risk
  witsync export --ids 12,13,14 --scope web-team --out backlog/ --force
then: witsync plan backlog/        (only adoptions: the marker, no field changes)
"""

EXPORTED_MARK = "# Exported by `witsync export`"
"""The first line of every manifest export writes; --force replaces only such files."""


def _ids(text: str) -> tuple[int, ...]:
    try:
        ids = tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of ids: {text!r}") from None
    if not ids or any(id < 1 for id in ids):
        raise argparse.ArgumentTypeError(f"not a list of ids: {text!r}")
    return ids


def _id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a work item id: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a work item id: {text!r}")
    return value


def add_field_arguments(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument(
        "--fields",
        action="append",
        default=[],
        metavar="NAMES",
        help=help,
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_argument_group("what to export (default: the whole project)")
    only = what.add_mutually_exclusive_group()
    only.add_argument("--under", type=_id, metavar="ID", help="this work item and its subtree")
    only.add_argument("--query", metavar="WIQL", help="the work items a WIQL query returns")
    only.add_argument("--ids", type=_ids, metavar="ID,ID,...", help="these work items")
    what.add_argument("--area", metavar="PATH", help="only items in this area path (or below)")
    what.add_argument(
        "--iteration", metavar="PATH", help="only items in this iteration path (or below)"
    )
    parser.add_argument(
        "--out", type=Path, metavar="DIR", required=True, help="folder to write the manifests in"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into a folder that has files (replaces manifests an earlier export wrote)",
    )
    parser.add_argument(
        "--split",
        choices=("item", "area"),
        default="item",
        help="one file per top-level item (default) or per area",
    )
    add_field_arguments(
        parser,
        "more fields to write, friendly or reference names, comma-separated "
        "(e.g. acceptanceCriteria,Custom.Risk); repeatable",
    )
    add_target_arguments(parser)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args, os.environ, Path.cwd())
    scope = settings.scope
    if not scope:
        raise ConfigError(
            "no scope: export writes manifests for one scope",
            hint="pass --scope NAME (e.g. --scope web-team), or set `scope:` in witsync.yaml",
        )
    out: Path = args.out
    _check_out(out, force=args.force)
    selection = Selection(
        under=args.under,
        area=args.area,
        iteration=args.iteration,
        query=args.query,
        ids=args.ids or (),
    )
    fields = field_list(args.fields)
    err = stderr_console()
    err.print(f"target: {describe_target(settings)}", markup=False, highlight=False)
    started = time.perf_counter()
    export, requests = asyncio.run(_export(settings, scope, selection, fields, args.split, out))
    written = _write(out, export, force=args.force)
    count = sum(file.items for file in export.files)
    for warning in export.warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False)
    err.print(
        f"exported {count} work item{'s' if count != 1 else ''} into {len(export.files)} "
        f"file{'s' if len(export.files) != 1 else ''} in {out} ({requests} requests, "
        f"{time.perf_counter() - started:.1f} s); {len(written)} file(s) written",
        markup=False,
        highlight=False,
    )
    err.print(
        f"next: witsync plan {out}   (adoptions only: the scope marker, no field changes)",
        markup=False,
        highlight=False,
    )
    return 0


async def _export(
    settings: Settings,
    scope: str,
    selection: Selection,
    fields: Sequence[str],
    split: str,
    out: Path,
) -> tuple[Export, int]:
    async with open_client(settings, os.environ) as client:
        process, (ids, items) = await asyncio.gather(
            client.get_process(), read_selection(client, selection)
        )
        refs = list(dict.fromkeys([*STANDARD_FIELDS, *check_fields(fields, process)]))
        source = _source(settings, client, scope, selection, out)
        export = export_board(
            {item.id: item for item in items},
            ids,
            source=source,
            process=process,
            defaults=type_defaults(process, client.project),
            fields=refs,
            split="area" if split == "area" else "item",
        )
        return export, client.request_count


def _source(
    settings: Settings, client: Client, scope: str, selection: Selection, out: Path
) -> Source:
    carried: dict[str, object] = {}
    create_only = [ref for ref, mode in settings.ownership.items() if mode == "create-only"]
    for prop, mode in (("createOnly", "create-only"), ("manage", "managed"), ("ignore", "ignored")):
        names = [
            display_name(ref)
            for ref, owned in settings.ownership.items()
            if owned == mode and DEFAULT_OWNERSHIP.get(ref, "managed") != mode
        ]
        if names:
            carried[prop] = names
    board = None
    if settings.org_url is None:
        target = Path.cwd() / settings.board_path
        board = os.path.relpath(target, (Path.cwd() / out).resolve())
        if settings.board_process:
            carried["process"] = settings.board_process
    where = (
        display_url(settings.org_url)
        if settings.org_url
        else f"the local board {_relative(settings.board_path)}"
    )
    return Source(
        project=settings.project or client.project or LOCAL_PROJECT,
        scope=scope,
        where=where,
        selection=selection.describe(),
        org=settings.org_url,
        board=board.replace(os.sep, "/") if board else None,
        config=carried,
        create_only=tuple(create_only),
    )


def _relative(path: Path) -> str:
    """`path` as seen from the current folder (an absolute path says too much in a header)."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)


def _check_out(out: Path, *, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file", hint="give a folder (it is made if missing)")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ConfigError(
            f"--out {out} is not empty: export does not overwrite files",
            hint="give a new or empty folder, or pass --force to replace an earlier export",
        )


def _write(out: Path, export: Export, *, force: bool) -> list[Path]:
    """Write the files; with --force, an earlier export's manifests that this one does not
    write again are removed (they would hold the same keys twice)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        names = {file.name for file in export.files}
        if force:
            for stale in sorted(out.glob("*.yaml")):
                if stale.name not in names and stale.name != "witsync.yaml" and _exported(stale):
                    stale.unlink()
        written = []
        for file in export.files:
            path = out / file.name
            path.write_text(file.text, encoding="utf-8", newline="\n")
            written.append(path)
        config = out / "witsync.yaml"
        config.write_text(export.config, encoding="utf-8", newline="\n")
        written.append(config)
        return written
    except OSError as error:
        raise ConfigError(
            f"cannot write into {out}: {error.strerror}",
            hint="check that the folder is writable",
        ) from None


def _exported(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as handle:
            return handle.readline().startswith(EXPORTED_MARK)
    except (OSError, UnicodeDecodeError):
        return False
