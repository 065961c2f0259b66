"""The pull-request comment when there is no plan to show: every error, with its place and hint.

`witsync plan --format markdown > comment.md` runs in pull requests and the pipeline posts what
it wrote. When the manifests are invalid (or the plan fails for another reason) the comment says
so, listing each problem at file:line:column with its hint, instead of being empty and leaving
the errors in the CI log only.
"""

from __future__ import annotations

import html
import re

from witsync.errors import Diagnostic, ManifestError, WitsyncError
from witsync.text import one_line

LIMIT = 65_000
"""As the plan comment: under GitHub's 65,536 characters."""
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def render_failure_markdown(
    error: WitsyncError,
    *,
    project: str | None = None,
    scope: str | None = None,
    limit: int = LIMIT,
) -> str:
    """The comment for a plan that could not be made: a heading, then a table of the errors (and
    warnings) of a ManifestError, or the message and hint of any other error."""
    where = []
    if project:
        where.append(f"project {_escape(project)}")
    if scope:
        where.append(f"scope `{_code(scope)}`")
    target = f" for {', '.join(where)}" if where else ""
    if isinstance(error, ManifestError):
        errors = [d for d in error.diagnostics if d.severity == "error"]
        warnings = [d for d in error.diagnostics if d.severity != "error"]
        count = len(errors)
        head = [
            f"### witsync plan{target}: {count} error{'s' if count != 1 else ''} in the manifests",
            "",
            "**No plan**: the manifests are invalid. Fix these and push again "
            "(`witsync validate` shows them locally).",
            "",
        ]
        body = _table("Errors", errors) + _table("Warnings", warnings)
    else:
        head = [f"### witsync plan{target}: failed", "", f"**Error**: {_escape(error.message)}"]
        if error.hint:
            head += ["", f"Hint: {_escape(error.hint)}"]
        head.append("")
        body = []
    return _fit([*head, *body], limit)


def _table(title: str, diagnostics: list[Diagnostic]) -> list[str]:
    if not diagnostics:
        return []
    lines = [
        f"**{title} ({len(diagnostics)})**",
        "",
        "| Where | Problem | Hint |",
        "| --- | --- | --- |",
    ]
    for diagnostic in diagnostics:
        place = f"`{_code(str(diagnostic.location))}`" if diagnostic.location else ""
        hint = _escape(diagnostic.hint) if diagnostic.hint else ""
        lines.append(f"| {place} | {_escape(diagnostic.message)} | {hint} |")
    lines.append("")
    return lines


def _fit(lines: list[str], limit: int) -> str:
    """The lines joined, cut at a line boundary with a note when they would exceed `limit`."""
    note = "\n> **{} more line{} not shown** to keep this comment short; the CI log has them all.\n"
    kept: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        if size + len(line) + 1 + len(note) + 10 > limit:
            left = len(lines) - index
            return "\n".join(kept) + "\n" + note.format(left, "s" if left != 1 else "")
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept) + "\n"


def _escape(text: str) -> str:
    """Text that Markdown shows as is, on one line, also inside a table cell."""
    escaped = html.escape(one_line(text), quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)


def _code(text: str) -> str:
    """Text inside a code span: one line, no backquote that would end it."""
    return one_line(text).replace("`", "'").replace("|", "\\|")
