"""The history note on every revision witsync writes: what ran it, and the mark of witsync.

Every write of an apply carries one `System.History` note (`witsync apply — commit abc123, PR
#42, run <url> [witsync:web-team]`), read from the CI environment (Azure Pipelines, GitHub
Actions) and an optional message. People see it in the work item's history; a later plan reads
the mark back (`is_witsync_revision`) to tell witsync's revisions from people's: which changes
are drift on the board, which tags witsync added. A history note is never edited afterwards, so
the mark stays as it was written. Pure: the environment comes in as a mapping.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from urllib.parse import quote

from witsync.marker import is_prune_note, parse_marker, scope_tag
from witsync.model import JSON, PatchOp

HISTORY_FIELD = "System.History"
HISTORY_PATH = f"/fields/{HISTORY_FIELD}"
MESSAGE_LIMIT = 500
"""The most characters of `--message` a note carries (the rest is cut, with an ellipsis)."""
_MARK = re.compile(r"\[witsync:([^\[\]\s]+)\]", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
_PULL_REF = re.compile(r"^refs/pull/(\d+)/")


def mark(scope: str) -> str:
    """The machine-readable mark a note carries: the scope tag in brackets."""
    return f"[{scope_tag(scope)}]"


def run_context(env: Mapping[str, str]) -> list[str]:
    """What ran witsync, from the CI variables: `commit …`, `PR #…`, `run <url>` (those known)."""
    parts: list[str] = []
    if env.get("TF_BUILD") or env.get("BUILD_BUILDID"):  # Azure Pipelines
        commit = env.get("BUILD_SOURCEVERSION")
        pull = env.get("SYSTEM_PULLREQUEST_PULLREQUESTNUMBER") or env.get(
            "SYSTEM_PULLREQUEST_PULLREQUESTID"
        )
        collection, project = env.get("SYSTEM_COLLECTIONURI"), env.get("SYSTEM_TEAMPROJECT")
        build = env.get("BUILD_BUILDID")
        run = (
            f"{collection.rstrip('/')}/{quote(project)}/_build/results?buildId={quote(build)}"
            if collection and project and build
            else None
        )
    elif env.get("GITHUB_ACTIONS") or env.get("GITHUB_RUN_ID"):  # GitHub Actions
        commit = env.get("GITHUB_SHA")
        found = _PULL_REF.match(env.get("GITHUB_REF", ""))
        pull = found.group(1) if found else None
        server, repository = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
        run_id = env.get("GITHUB_RUN_ID")
        run = (
            f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}"
            if server and repository and run_id
            else None
        )
    else:
        return parts
    if commit:
        parts.append(f"commit {commit[:12]}")
    if pull:
        parts.append(f"PR #{pull}")
    if run:
        parts.append(f"run {run}")
    return parts


def note_text(scope: str, env: Mapping[str, str], message: str | None = None) -> str:
    """The note as people read it: `witsync apply — commit abc123, PR #42, run <url> — message
    [witsync:scope]` (parts that are unknown are left out)."""
    parts = ["witsync apply"]
    context = run_context(env)
    if context:
        parts.append(", ".join(context))
    if message and message.strip():
        text = " ".join(message.split())
        parts.append(text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…")
    return f"{' — '.join(parts)} {mark(scope)}"


def history_note(scope: str, env: Mapping[str, str], message: str | None = None) -> str:
    """The note as sent: `note_text` escaped for the HTML field System.History."""
    return html.escape(note_text(scope, env, message), quote=False)


def with_note(patch: Sequence[Mapping[str, JSON]], note: str | None) -> list[Mapping[str, JSON]]:
    """`patch` (wire operations) carrying `note`: added as one more operation, or appended to the
    history note a step writes already (prune's close), so the patch sets System.History once."""
    ops = list(patch)
    if not note:
        return ops
    for index, op in enumerate(ops):
        if str(op.get("path", "")).lower() == HISTORY_PATH.lower() and op.get("op") != "remove":
            ops[index] = {**op, "value": f"{op.get('value') or ''}<br>{note}"}
            return ops
    ops.append(PatchOp("add", HISTORY_PATH, note).as_sent())
    return ops


def revision_note(update: Mapping[str, JSON]) -> str:
    """The history note of one update (GET …/updates) as plain text; "" when it has none."""
    changed = update.get("fields")
    if not isinstance(changed, Mapping):
        return ""
    note = next(
        (change for name, change in changed.items() if str(name).lower() == "system.history"),
        None,
    )
    text = note.get("newValue") if isinstance(note, Mapping) else None
    if not isinstance(text, str):
        return ""
    return " ".join(html.unescape(_TAGS.sub(" ", text)).split())


def is_witsync_note(text: str, scope: str) -> bool:
    """Whether a history note is one witsync wrote for `scope`: it carries the mark, or it is
    prune's close note (written before notes carried the mark)."""
    wanted = scope_tag(scope).casefold()
    if any(f"witsync:{found}".casefold() == wanted for found in _MARK.findall(text)):
        return True
    return is_prune_note(text, scope)


def is_witsync_revision(update: Mapping[str, JSON], scope: str) -> bool:
    """Whether witsync wrote this revision for `scope`: its history note carries the mark, or it
    added the scope's marker hyperlink (a create or an adoption by a witsync that wrote no notes
    yet). A link-only update of the other end of a link witsync wrote carries neither."""
    if is_witsync_note(revision_note(update), scope):
        return True
    relations = update.get("relations")
    added = relations.get("added") if isinstance(relations, Mapping) else None
    for relation in added if isinstance(added, list) else ():
        url = relation.get("url") if isinstance(relation, Mapping) else None
        found = parse_marker(str(url)) if url else None
        if found is not None and found[0] == scope:
            return True
    return False
