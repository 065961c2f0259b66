"""`witsync pull`: write what changed on the board back into the manifests, in place."""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

from witsync.config import Settings, add_manifest_arguments, settings_from_args
from witsync.connect import describe_target, open_client
from witsync.console import stderr_console, write_data
from witsync.engine import Options, checked_process, load_desired, with_manifest_target
from witsync.errors import ConfigError
from witsync.exporting.entries import type_defaults
from witsync.fetch import fetch_edits, fetch_live
from witsync.model import Desired
from witsync.pulling.change import PullOptions, PullResult
from witsync.pulling.children import new_child_ids
from witsync.pulling.news import edited_ids, pull_news, with_edits
from witsync.pulling.report import render_json, render_markdown, render_text
from witsync.selection import check_fields, field_list, read_subtrees

DESCRIPTION = """\
Bring the board's news back into the manifests: the reverse of apply. For the items the
manifests manage, the values of the fields the board owns (create-only: state, assignedTo,
remainingWork, completedWork by default, and any named with --fields) are written where the
manifests state them; with --drift, so are managed fields people changed on the board, so that
the team accepts the edit instead of reverting it. --new-children adds the work items people
created under a managed item, adopted by id under their parent. Items deleted or closed on the
board are reported (and with --remove-closed, taken out of the manifests).

Edits are minimal and in place: comments, key order, quoting, blank lines and indentation stay
as they are; `git diff` shows only the changed values. A value from a file's `defaults:` is
changed there when every entry that takes it has the new value on the board; otherwise it is
written on the entries it no longer fits.

Output (the news) goes to stdout in the format asked for: text, markdown for a pull-request
body, or json. Exit 0 (with --check: 0 when the files are up to date, 2 when a pull would
change them, and nothing is written); 1 on any error.
"""

EXAMPLES = """\
examples:
  witsync pull                                   manifests below the current folder
  witsync pull backlog --drift --new-children    accept board edits, add new tasks
  witsync pull --check; echo $?                  0 up to date, 2 the board has news
  witsync pull --format markdown > pr-body.md    describe the changes for a pull request
"""

EDIT_HISTORIES = 50
"""At most this many changed items get their history read, to say who changed them."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_manifest_arguments(parser)
    parser.add_argument(
        "--drift",
        action="store_true",
        help="also take managed fields changed on the board (accept the edit, do not revert it)",
    )
    parser.add_argument(
        "--new-children",
        action="store_true",
        help="add work items people created under managed items, adopted by id",
    )
    parser.add_argument(
        "--remove-closed",
        action="store_true",
        help="remove the entries of items closed or deleted on the board",
    )
    parser.add_argument(
        "--fields",
        action="append",
        default=[],
        metavar="NAMES",
        help="also take these fields from the board where entries state them "
        "(friendly or reference names, comma-separated; repeatable)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 2 when a pull would change files (for CI)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="how to describe the news on stdout (markdown: a pull-request body)",
    )


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args, os.environ, Path.cwd())
    options = Options.from_settings(settings)
    desired = load_desired(list(args.paths) or [Path(".")], options)
    settings = with_manifest_target(settings, desired)
    texts = _read(desired)
    pull = PullOptions(
        fields=frozenset(field_list(args.fields)),
        drift=args.drift,
        new_children=args.new_children,
        remove_closed=args.remove_closed,
    )
    err = stderr_console()
    err.print(f"target: {describe_target(settings)}", markup=False, highlight=False)
    result = asyncio.run(_pull(settings, desired, texts, pull))
    wrote = bool(result.texts) and not args.check
    if wrote:
        _write(result)
    if args.format == "json":
        write_data(render_json(result, scope=desired.scope, wrote=wrote))
    elif args.format == "markdown":
        write_data(render_markdown(result, scope=desired.scope, target=describe_target(settings)))
    else:
        write_data(render_text(result, wrote=wrote))
    if wrote:
        err.print(
            f"wrote {len(result.texts)} file(s): {', '.join(sorted(result.texts))}",
            markup=False,
            highlight=False,
        )
    return 2 if args.check and result.texts else 0


async def _pull(
    settings: Settings, desired: Desired, texts: dict[str, str], pull: PullOptions
) -> PullResult:
    async with open_client(settings, os.environ) as client:
        process = await checked_process(client, desired)
        pull = PullOptions(
            fields=frozenset(check_fields(sorted(pull.fields), process)),
            drift=pull.drift,
            new_children=pull.new_children,
            remove_closed=pull.remove_closed,
        )
        live = await fetch_live(client, desired)
        extra = {}
        if pull.new_children:
            roots = new_child_ids(desired, live)
            extra = await read_subtrees(client, roots, set(live.items))
        defaults = type_defaults(process, client.project)
        result = pull_news(
            desired, live, process, texts, options=pull, defaults=defaults, extra=extra
        )
        wanted = dict(sorted(edited_ids(result).items())[:EDIT_HISTORIES])
        if wanted:
            result = with_edits(result, await fetch_edits(client, wanted))
        return result


def _read(desired: Desired) -> dict[str, str]:
    texts = {}
    for name in desired.files:
        try:
            texts[name] = Path(name).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"cannot read {name}: {error}") from None
    return texts


def _write(result: PullResult) -> None:
    """Each file replaced whole (a temporary file renamed over it), so a reader never sees half
    of one; its permissions are kept."""
    for name, text in sorted(result.texts.items()):
        path = Path(name)
        try:
            mode = path.stat().st_mode
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
            with os.fdopen(handle, "wb") as out:
                out.write(text.encode("utf-8"))
            os.chmod(temporary, mode)
            os.replace(temporary, path)
        except OSError as error:
            raise ConfigError(
                f"cannot write {name}: {error.strerror}", hint="check that it is writable"
            ) from None
