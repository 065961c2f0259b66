"""The plan as a pull-request comment: a summary table, then one collapsed section per item.

Comments have a size limit (GitHub's is 65,536 characters), so the document never exceeds
`limit` characters: item sections that do not fit are left out, with a note saying how many
and where the full plan is.
"""

from __future__ import annotations

import html
import re

from witsync.model import Action, FieldChange, Plan
from witsync.rendering.common import (
    LINK_NAMES,
    SYMBOLS,
    edit_suffix,
    is_long,
    link_text,
    summary_line,
    text_diff,
    value_text,
)
from witsync.rendering.json import summary
from witsync.text import shown

LIMIT = 65_000
DETAILS_SHARE = 0.5
"""The share of the limit that collapsed per-item sections may take when not all fit."""
CELL = 200
"""Characters of a value shown in a table cell; longer values are cut (the diff shows them)."""
MAX_WARNINGS = 50
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def render_markdown(plan: Plan, *, plan_file: str | None = None, limit: int = LIMIT) -> str:
    """The comment; `plan_file` (the `--out FILE` path, when there is one) is named if cut.

    Every action gets a collapsed section while they fit in the first part of the budget; the
    rest get one table row each (action, id, key, title, fields) while those fit; a note then
    counts what is left out and points to the full plan.
    """
    head = _head(plan)
    where = (
        f"`{shown(plan_file)}`" if plan_file else "the plan file (`witsync plan --out plan.json`)"
    )
    reserve = 600  # room for the closing note
    parts = [head]
    used = len(head)
    included = 0
    for action in plan.actions:
        section = _section(action)
        if used + len(section) > DETAILS_SHARE * limit:
            break
        parts.append(section)
        used += len(section)
        included += 1
    if included < len(plan.actions):
        header = "| | Id | Key | Title | Fields and links |\n| --- | --- | --- | --- | --- |\n"
        header = "\n**More changes** (one line each)\n\n" + header
        rows: list[str] = []
        size = used + len(header)
        for action in plan.actions[included:]:
            row = _row(action)
            if size + len(row) + reserve > limit:
                break
            rows.append(row)
            size += len(row)
        if rows:
            parts += [header, *rows]
            used = size
            included += len(rows)
    text = "".join(parts)
    if included < len(plan.actions):
        left = len(plan.actions) - included
        text += (
            f"\n> **{left} more action{'s' if left != 1 else ''} not shown** to keep this comment "
            f"under {limit:,} characters. The full plan is in {where}.\n"
        )
    return text


def _row(action: Action) -> str:
    where = f"#{action.id}" if action.id is not None else "new"
    changed = [change.field for change in action.field_changes]
    changed += [f"{link.op} {LINK_NAMES.get(link.rel, link.rel)}" for link in action.link_changes]
    return (
        f"| `{SYMBOLS[action.kind]}` {action.kind} | {where} | {_escape(action.key)} "
        f"| {_cell(_cut(action.title, 60))} | {_cell(', '.join(changed))} |\n"
    )


def _head(plan: Plan) -> str:
    counts = summary(plan)
    target = plan.target
    lines = [
        f"### witsync plan: {_escape(target.project)} (scope `{shown(target.scope)}`)",
        "",
        f"**{summary_line(plan)}**" if plan.actions else f"**No changes.** {summary_line(plan)}",
        "",
        "| Action | Count |",
        "| --- | ---: |",
        f"| `+` create | {counts['create']} |",
        f"| `~` update | {counts['update']} |",
        f"| `-` remove | {counts['remove']} |",
        f"| unchanged | {counts['unchanged']} |",
        "",
    ]
    for heading, severity in (("Errors (apply is blocked)", "error"), ("Warnings", "warning")):
        listed = [warning for warning in plan.warnings if warning.severity == severity]
        if not listed:
            continue
        lines.append(f"**{heading} ({len(listed)})**")
        lines.append("")
        for warning in listed[:MAX_WARNINGS]:
            lines.append(f"- `{shown(warning.code)}`: {_escape(warning.message)}")
        if len(listed) > MAX_WARNINGS:
            lines.append(f"- ... and {len(listed) - MAX_WARNINGS} more (see the plan file)")
        lines.append("")
    return "\n".join(lines) + "\n"


def _section(action: Action) -> str:
    where = f" #{action.id}" if action.id is not None else ""
    summary_text = (
        f"<code>{SYMBOLS[action.kind]}</code> {action.kind} {_html(action.type)}{where} "
        f"<code>{_html(action.key)}</code> {_html(_cut(action.title, 120))}"
    )
    lines = [f"<details><summary>{summary_text}</summary>", ""]
    short = [change for change in action.field_changes if not is_long(change)]
    if short:
        lines += ["| Field | Before | After |", "| --- | --- | --- |"]
        for change in short:
            before = "" if action.kind == "create" else _cell(value_text(change.before))
            after = _cell(value_text(change.after))
            if change.last_edit is not None:
                after += f"<br><sub>{_escape(edit_suffix(change).strip())}</sub>"
            lines.append(f"| {_escape(change.field)}{_mode(change)} | {before} | {after} |")
        lines.append("")
    for change in action.field_changes:
        if is_long(change):
            lines += [
                f"**{_escape(change.field)}**{_mode(change)}{_escape(edit_suffix(change))}",
                "",
            ]
            lines += _fenced(text_diff(change, limit=30))
    for link in action.link_changes:
        lines.append(f"- {link.op} {_escape(link_text(link))}")
    for note in action.notes:
        lines.append(f"- _{_escape(note)}_")
    lines += ["", "</details>", ""]
    return "\n".join(lines) + "\n"


def _mode(change: FieldChange) -> str:
    return f" _({change.mode})_" if change.mode != "managed" else ""


def _fenced(lines: list[str]) -> list[str]:
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}diff", *(_cut(line, 300) for line in lines), fence, ""]


def _cut(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _escape(text: str) -> str:
    """Text that Markdown shows as is, also inside a table cell, control characters written out
    (a comment is also read as plain text: in e-mail notifications, CI logs, terminals)."""
    escaped = html.escape(shown(text), quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escaped).replace("\n", "<br>")


def _html(text: str) -> str:
    """Text inside the HTML of a `<summary>` line: escaped, control characters written out, and
    on one line (a blank line would end the HTML block and spill the rest as Markdown)."""
    return html.escape(shown(text)).replace("\n", "<br>")


def _cell(text: str) -> str:
    return _escape(_cut(text, CELL))
