"""How a pull's news reads: lines for a terminal, Markdown for a pull-request body, JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from witsync.pulling.change import Change, PullResult
from witsync.text import one_line

FORMAT_VERSION = 1
MAX_MARKDOWN = 65_000
"""A pull-request body holds 65,536 characters on GitHub; Azure Repos takes 4,000 per
description, so the sample pipeline there links to the full text instead."""

_HEADINGS = {
    "value": "Values the board changed",
    "default": "Values the board changed",
    "added": "New work items under managed ones",
    "removed": "Entries removed",
    "closed": "Closed on the board",
    "deleted": "Deleted on the board",
    "skipped": "Not written (do it by hand)",
    "missing": "Entries without a work item",
}
_SECTIONS = (
    ("value", "default"),
    ("added",),
    ("removed",),
    ("closed",),
    ("deleted",),
    ("skipped",),
    ("missing",),
)


def summary(result: PullResult) -> str:
    counts = dict.fromkeys(_HEADINGS, 0)
    for change in result.changes:
        counts[change.kind] += 1
    files = len(result.texts)
    parts = [
        f"{counts['value'] + counts['default']} value(s) written",
        f"{counts['added']} item(s) added",
        f"{counts['removed']} removed",
        f"{counts['closed']} closed and {counts['deleted']} deleted on the board",
    ]
    if counts["skipped"]:
        parts.append(f"{counts['skipped']} not written")
    return f"Pull: {', '.join(parts)}; {files} file{'s' if files != 1 else ''} changed."


def render_text(result: PullResult, *, wrote: bool) -> str:
    """One line per piece of news, `file:line: key (#id): what`, then the summary."""
    lines = []
    for change in result.changes:
        where = f"{change.file}:{change.line}" if change.line else change.file
        who = f" (#{change.id})" if change.id is not None else ""
        by = f"  [board: {change.edit.by}, {change.edit.at}]" if change.edit else ""
        text = f"{where}: {change.key}{who}: {change.message}{by}"
        lines.append(f"{_MARK[change.kind]} {one_line(text)}")
    lines.append(summary(result))
    if result.texts and not wrote:
        lines.append("Nothing was written (--check).")
    return "\n".join(lines) + "\n"


_MARK = {
    "value": "~",
    "default": "~",
    "added": "+",
    "removed": "-",
    "closed": "!",
    "deleted": "!",
    "skipped": "?",
    "missing": ".",
}


def render_markdown(result: PullResult, *, scope: str, target: str) -> str:
    """A pull-request body: what changed on the board, grouped, with who changed it."""
    out = [
        f"## Board news for `{scope}`",
        "",
        f"`witsync pull` read {_escape(target)} and wrote what changed there into the "
        "manifests. Review it like any other change; merging it makes the manifests agree with "
        "the board, so the next plan does not undo these edits.",
        "",
        f"**{summary(result)}**",
    ]
    for kinds in _SECTIONS:
        found = [change for change in result.changes if change.kind in kinds]
        if not found:
            continue
        out += ["", f"### {_HEADINGS[kinds[0]]}", ""]
        if kinds[0] == "value":
            out += _value_table(found)
        else:
            for change in found:
                who = f" (#{change.id})" if change.id is not None else ""
                out.append(
                    f"- `{_code(change.key)}`{who} in `{_code(change.file)}`: "
                    f"{_escape(change.message)}"
                )
    text = "\n".join(out) + "\n"
    if len(text) > MAX_MARKDOWN:
        cut = text[: MAX_MARKDOWN - 200].rsplit("\n", 1)[0]
        text = cut + "\n\n*The rest is cut: run `witsync pull --check` to see it all.*\n"
    return text


def _value_table(changes: Sequence[Change]) -> list[str]:
    rows = [
        "| item | field | was | now | changed on the board by |",
        "|---|---|---|---|---|",
    ]
    for change in changes:
        who = f" #{change.id}" if change.id is not None else ""
        place = f"`{_code(change.key)}`{who}<br>`{_code(change.file)}`" + (
            f":{change.line}" if change.line else ""
        )
        by = (
            f"{_escape(change.edit.by)}, {change.edit.at[:16].replace('T', ' ')}"
            if (change.edit)
            else ""
        )
        if change.kind == "default":
            by = "(the file's default)"
        rows.append(
            f"| {place} | `{_code(change.field or '')}` | {_cell(change.before)} | "
            f"{_cell(change.after)} | {by} |"
        )
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return "*empty*"
    if isinstance(value, list):
        return ", ".join(_escape(str(v)) for v in value) or "*none*"
    text = str(value).strip()
    if "\n" in text or len(text) > 80:
        text = text.split("\n", 1)[0][:77] + "…"
    return _escape(text)


def _escape(text: str) -> str:
    """Text that Markdown shows as written, in a table cell too (no HTML, no pipes)."""
    out = []
    for char in text:
        if char in "\\`*_[]<>|~&":
            out.append("\\" + char)
        elif char in "\r\n":
            out.append(" ")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return "".join(out)


def _code(text: str) -> str:
    return "".join(" " if ord(c) < 0x20 or c == "`" else c for c in text).replace("|", "\\|")


def render_json(result: PullResult, *, scope: str, wrote: bool) -> str:
    """`{"format_version", "scope", "written", "files", "summary", "changes"}`."""
    document = {
        "format_version": FORMAT_VERSION,
        "scope": scope,
        "written": wrote,
        "files": sorted(result.texts),
        "summary": summary(result),
        "changes": [
            {
                "kind": change.kind,
                "file": change.file,
                "line": change.line,
                "key": change.key,
                "id": change.id,
                "field": change.field,
                "before": change.before,
                "after": change.after,
                "message": change.message,
                "changed_by": change.edit.by if change.edit else None,
                "changed_at": change.edit.at if change.edit else None,
            }
            for change in result.changes
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
