"""The plan as a pull-request comment: a summary table, then one collapsed section per item.

Written for GitHub-flavoured Markdown (and Azure Repos, which reads the same): fields are named
as the manifests name them (`storyPoints`, the reference name on hover), every work item links
to its page on the board, every action to its manifest line when the CI run says which
repository and commit (`SourceLinks`), and rich text (descriptions, acceptance criteria) reads
as text with the words that change struck through or underlined.

Comments have a size limit (GitHub's is 65,536 characters), so the document never exceeds
`limit` characters: item sections that do not fit are left out, with a note saying how many
and where the full plan is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from witsync.fields import REFERENCE_TO_FRIENDLY, RICH_TEXT_FIELDS, display_name
from witsync.model import Action, FieldChange, LinkChange, Plan, Target
from witsync.model.markdown import looks_like_html
from witsync.rendering.boardlinks import LOCAL_BOARD_HOST, backlog_link, org_link, work_item_link
from witsync.rendering.common import (
    LINK_NAMES,
    LONG,
    SYMBOLS,
    budget_line,
    is_long,
    key_text,
    summary_line,
    text_diff,
    value_text,
)
from witsync.rendering.json import summary
from witsync.rendering.origin import DRIFT_EXPLAINED, HEADINGS, Origin, edit_text, split_plan
from witsync.rendering.richtext import readable, word_diff
from witsync.rendering.sourcelinks import SourceLinks, safe_url
from witsync.text import one_line, shown

LIMIT = 65_000
DETAILS_SHARE = 0.5
"""The share of the limit that collapsed per-item sections may take when not all fit."""
CELL = 200
"""Characters of a value shown in a table cell; longer values are cut (the diff shows them)."""
RICH_DIFF = 3_000
"""Characters of one rich-text diff shown; the plan file has the whole values."""
MAX_WARNINGS = 50
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")
_BLOCK_START = re.compile(r"^(?:\d{1,9}(?=[.)])|(?=[-+]))")
"""What would make a paragraph's first characters a list item (`1.`, `-`, `+`)."""
_WORK_ITEM = re.compile(r"(?<![\w\\])\\#(\d+)(?!\w)")
"""`#12` in escaped text (`\\#12`): Azure DevOps writes a work item that way."""
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Links:
    """What the renderer links to: the plan's board, and the manifests' repository."""

    target: Target
    sources: SourceLinks | None
    html_url: str | None = None
    """Where reviewers find the HTML plan (`--html-url`, e.g. the CI run's artifacts)."""

    @property
    def on_board(self) -> bool:
        """Whether the board has web pages for a reviewer: not the embedded local board, which
        only exists where the plan ran (the CI job's, in a pull request)."""
        return urlsplit(self.target.org_url).hostname != LOCAL_BOARD_HOST

    def item(self, id: int) -> str | None:
        return safe_url(work_item_link(self.target, id)) if self.on_board else None

    def md_item(self, id: int) -> str:
        """`#12` as a Markdown link to the work item (escaped text on the local board)."""
        url = self.item(id)
        return f"[#{id}]({url})" if url else f"\\#{id}"

    def html_item(self, id: int) -> str:
        url = self.item(id)
        return f'<a href="{html.escape(url)}">#{id}</a>' if url else f"#{id}"

    def mentions(self, escaped: str) -> str:
        """Escaped Markdown text with every `#12` in it linked to its work item."""
        return _WORK_ITEM.sub(lambda match: self.md_item(int(match.group(1))), escaped)


def render_markdown(
    plan: Plan,
    *,
    plan_file: str | None = None,
    limit: int = LIMIT,
    sources: SourceLinks | None = None,
    html_url: str | None = None,
) -> str:
    """The comment; `plan_file` (the `--out FILE` path, when there is one) is named if cut;
    `sources` (from the CI run's environment) links each action to its manifest line;
    `html_url` (where the pipeline publishes `--out-html`) gets a line under the summary.

    Every action gets a collapsed section while they fit in the first part of the budget; the
    rest get one table row each (action, id, key, title, fields) while those fit; a note then
    counts what is left out and points to the full plan.
    """
    links = _Links(plan.target, sources, html_url)
    head = _head(plan, links)
    where = (
        f"`{shown(plan_file)}`" if plan_file else "the plan file (`witsync plan --out plan.json`)"
    )
    reserve = 600  # room for the closing note
    parts = [head]
    used = len(head)
    included = 0
    # the two groups, each under its heading: a part of an action per group it has changes in
    entries = [(origin, a) for origin, group in split_plan(plan).items() for a in group]
    shown_origin = None
    for origin, action in entries:
        section = _section(action, links)
        if origin != shown_origin:
            section = _group_heading(origin) + section
        if used + len(section) > DETAILS_SHARE * limit:
            break
        parts.append(section)
        used += len(section)
        included += 1
        shown_origin = origin
    if included < len(entries):
        header = "| | Id | Key | Title | Fields and links |\n| --- | --- | --- | --- | --- |\n"
        header = "\n**More changes** (one line each)\n\n" + header
        rows: list[str] = []
        size = used + len(header)
        for _origin, action in entries[included:]:
            row = _row(action, links)
            if size + len(row) + reserve > limit:
                break
            rows.append(row)
            size += len(row)
        if rows:
            parts += [header, *rows]
            used = size
            included += len(rows)
    text = "".join(parts)
    if included < len(entries):
        left = len(entries) - included
        text += (
            f"\n> **{left} more action{'s' if left != 1 else ''} not shown** to keep this comment "
            f"under {limit:,} characters. The full plan is in {where}.\n"
        )
    return text


def _group_heading(origin: Origin) -> str:
    explained = f"_{_escape(DRIFT_EXPLAINED)}._\n\n" if origin == "board" else ""
    return f"#### {HEADINGS[origin]}\n\n{explained}"


def _row(action: Action, links: _Links) -> str:
    where = links.md_item(action.id) if action.id is not None else "new"
    changed = [display_name(change.field) for change in action.field_changes]
    changed += [f"{link.op} {LINK_NAMES.get(link.rel, link.rel)}" for link in action.link_changes]
    return (
        f"| `{SYMBOLS[action.kind]}` {action.kind} | {where} | {_escape(action.key)} "
        f"| {_cell(_cut(action.title, 60))} | {_cell(', '.join(changed))} |\n"
    )


def _head(plan: Plan, links: _Links) -> str:
    counts = summary(plan)
    target = plan.target
    project = _escape(target.project)
    if links.on_board:
        parts = urlsplit(target.org_url.rstrip("/"))
        # Named by its address without the scheme: dev.azure.com/fabrikam, server/tfs/Collection
        org = _escape(parts.netloc.rpartition("@")[2] + parts.path)
        project = f"[{project}]({safe_url(backlog_link(target))})"
        org = f"[{org}]({safe_url(org_link(target))})"
    else:
        org = "the local board"
    lines = [f"### witsync plan: {project} on {org} (scope `{shown(target.scope)}`)", ""]
    if links.sources is not None:
        commit = links.sources.commit[:12]
        lines += [f"Manifests at commit [`{commit}`]({links.sources.commit_url}).", ""]
    lines += [
        f"**{summary_line(plan)}**" if plan.actions else f"**No changes.** {summary_line(plan)}",
        "",
    ]
    if links.html_url:
        lines += [
            f"The whole tree, with filters and word diffs: [the HTML plan]"
            f"({safe_url(links.html_url)}).",
            "",
        ]
    lines += [
        "| Action | Count |",
        "| --- | ---: |",
        f"| `+` create | {counts['create']} |",
        *([f"| `+` restore | {counts['restore']} |"] if counts.get("restore") else []),
        f"| `~` update | {counts['update']} |",
        f"| `-` remove | {counts['remove']} |",
        f"| unchanged | {counts['unchanged']} |",
        *([f"| closed | {counts['closed']} |"] if counts.get("closed") else []),
        "",
        *([budget_line(plan.budget).capitalize() + ".", ""] if plan.budget is not None else []),
    ]
    for heading, severity in (("Errors (apply is blocked)", "error"), ("Warnings", "warning")):
        listed = [warning for warning in plan.warnings if warning.severity == severity]
        if not listed:
            continue
        lines.append(f"**{heading} ({len(listed)})**")
        lines.append("")
        for warning in listed[:MAX_WARNINGS]:
            message = links.mentions(_escape(warning.message))
            lines.append(f"- `{shown(warning.code)}`: {message}")
        if len(listed) > MAX_WARNINGS:
            lines.append(f"- ... and {len(listed) - MAX_WARNINGS} more (see the plan file)")
        lines.append("")
    return "\n".join(lines) + "\n"


def _section(action: Action, links: _Links) -> str:
    where = f" {links.html_item(action.id)}" if action.id is not None else ""
    summary_text = (
        f"<code>{SYMBOLS[action.kind]}</code> {action.kind} {_html(action.type)}{where} "
        f"<code>{_html(key_text(action))}</code> {_html(_cut(action.title, 120))}"
    )
    lines = [f"<details><summary>{summary_text}</summary>", ""]
    if action.location is not None:
        place = _escape(f"{action.location.file}:{action.location.line}")
        url = links.sources.url(action.location) if links.sources else None
        lines += [f"Manifest: [{place}]({url})" if url else f"Manifest: {place}", ""]
    rich = [_rich_text(change) for change in action.field_changes]
    in_table = [
        _rich_in_table(texts) if texts is not None else not is_long(change)
        for change, texts in zip(action.field_changes, rich, strict=True)
    ]
    if any(in_table):
        lines += ["| Field | Before | After |", "| --- | --- | --- |"]
        for change, texts, row in zip(action.field_changes, rich, in_table, strict=True):
            if row:
                lines.append(_table_row(action, change, texts))
        lines.append("")
    for change, texts, row in zip(action.field_changes, rich, in_table, strict=True):
        if not row:
            lines += _long_block(change) if texts is None else _rich_block(change, texts)
    for link in action.link_changes:
        by = edit_text(link.last_edit, link=link)
        lines.append(f"- {link.op} {_link_text(link, links)}{f' ({_escape(by)})' if by else ''}")
    for note in action.notes:
        lines.append(f"- _{links.mentions(_escape(note))}_")
    while lines[-1] == "":
        lines.pop()
    lines += ["", "</details>", ""]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Fields


def _table_row(action: Action, change: FieldChange, texts: tuple[str, str] | None) -> str:
    if texts is not None:  # rich text short enough for a cell: its text, empty on one side
        before = _cell(texts[0]) if texts[0] else "(empty)"
        after = _cell(texts[1]) if texts[1] else "(empty)"
    else:
        before, after = _cell(value_text(change.before)), _cell(value_text(change.after))
    if action.kind == "create":
        before = ""
    elif edit_text(change.last_edit):
        # Who set the value the board has now: it describes the Before side.
        before += f"<br><sub>{_escape(edit_text(change.last_edit))}</sub>"
    return f"| {_name(change)}{_mode(change)} | {before} | {after} |"


def _name(change: FieldChange) -> str:
    """The field as the manifests name it, its reference name on hover (and in the source)."""
    friendly = REFERENCE_TO_FRIENDLY.get(change.field)
    if friendly is None:
        return _escape(change.field)
    return f'<abbr title="{html.escape(change.field)}">{_escape(friendly)}</abbr>'


def _name_html(change: FieldChange) -> str:
    """`_name` in bold, for the HTML of a `<summary>` line."""
    friendly = REFERENCE_TO_FRIENDLY.get(change.field)
    if friendly is None:
        return f"<b>{_html(change.field)}</b>"
    return f'<b><abbr title="{html.escape(change.field)}">{_html(friendly)}</abbr></b>'


def _long_block(change: FieldChange) -> list[str]:
    lines = [f"**{_name(change)}**{_mode(change)}", ""]
    if edit_text(change.last_edit) and change.before is not None:
        lines += [f"<sub>Before: {_escape(edit_text(change.last_edit))}</sub>", ""]
    return lines + _fenced(text_diff(change, limit=30))


def _rich_text(change: FieldChange) -> tuple[str, str] | None:
    """The text a reader sees on each side of a rich-text (HTML) field; None for other fields.

    Known HTML fields always; a field the name table knows as plain never; any other field when
    every value it has looks like HTML (a custom HTML field)."""
    values = [value for value in (change.before, change.after) if value is not None]
    if not values or not all(isinstance(value, str) for value in values):
        return None
    if change.field not in RICH_TEXT_FIELDS and (
        change.field in REFERENCE_TO_FRIENDLY or not all(looks_like_html(v) for v in values)
    ):
        return None
    texts = readable(change.before), readable(change.after)
    return texts if any(texts) else None  # no text on either side: the markup is the change


def _rich_in_table(texts: tuple[str, str] | None) -> bool:
    """A value added or cleared whose text is one short line reads best in the table."""
    if texts is None or (texts[0] and texts[1]):
        return False
    text = texts[0] or texts[1]
    return len(text) <= LONG and "\n" not in text


def _rich_block(change: FieldChange, texts: tuple[str, str]) -> list[str]:
    """Rich text as text, in its own open `<details>`: words deleted struck through, words
    inserted underlined (`<del>`, `<ins>`), long unchanged runs shortened."""
    before, after = texts
    runs = [(segment.kind, segment.text) for segment in word_diff(before, after)]
    added = sum(len(_WORD.findall(text)) for kind, text in runs if kind == "ins")
    removed = sum(len(_WORD.findall(text)) for kind, text in runs if kind == "del")
    if not before:
        what, body = f"new, {_words(added)}", _diff_paragraph([("same", after)])
    elif not after:
        what, body = f"cleared, {_words(removed)} removed", _diff_paragraph([("del", before)])
    elif added or removed:
        counts = [f"{_words(added)} added"] if added else []
        counts += [f"{removed} removed"] if removed else []
        what, body = ", ".join(counts), _diff_paragraph(runs)
    else:
        what, body = "the same words, other formatting", ""
    heading = f"{_name_html(change)}{_mode_html(change)}: {what}"
    lines = [f"<details open><summary>{heading}</summary>", ""]
    if edit_text(change.last_edit) and before:
        lines += [f"<sub>Before: {_escape(edit_text(change.last_edit))}</sub>", ""]
    if body:
        lines += [body, ""]
    else:  # nothing a reader sees differs: show the markup that does
        lines += _fenced(text_diff(change, limit=30))
    return [*lines, "</details>", ""]


def _words(count: int) -> str:
    return f"{count} word{'s' if count != 1 else ''}"


def _diff_paragraph(runs: Sequence[tuple[str, str]]) -> str:
    """Runs of kept (`same`), deleted (`del`) and inserted (`ins`) text as one Markdown
    paragraph, lines joined by `<br>` so that no line of the text can start a Markdown block;
    at most RICH_DIFF characters of text."""
    out: list[str] = []
    budget = RICH_DIFF
    for kind, whole in runs:
        if budget <= 0:
            out.append(" <i>… (the plan file has the whole text)</i>")
            break
        text = whole if len(whole) <= budget else whole[:budget] + "…"
        budget -= len(text)
        core = text.strip()
        if not core:  # a line break or space alone: as the new text has it
            out.append("" if kind == "del" else _escape(text))
            continue
        start = text.index(core)
        lead, trail = text[:start], text[start + len(core) :]
        if kind == "ins" and not lead and out and out[-1].endswith("</del>"):
            lead = " "  # "for now until Q3", not "for nowuntil Q3"
        inner = _escape(core) if kind == "same" else f"<{kind}>{_escape(core)}</{kind}>"
        out.append(_escape(lead) + inner + _escape(trail))
    paragraph = "".join(out).strip()
    return _BLOCK_START.sub(lambda match: match.group() + "\\", paragraph, count=1)


# ---------------------------------------------------------------------------------------------
# Links and small pieces


def _link_text(change: LinkChange, links: _Links) -> str:
    """`link Parent → #12 (billing)`, the work item linked to the board."""
    name = _escape(one_line(LINK_NAMES.get(change.rel, change.rel)))
    key = _escape(one_line(str(change.target_key)))
    if change.target_id is None:
        other = f"{key} (new)"
    elif change.target_key is not None:
        other = f"{links.md_item(change.target_id)} ({key})"
    else:
        other = links.md_item(change.target_id)
    return f"link {name} → {other}"


def _mode(change: FieldChange) -> str:
    return f" _({change.mode})_" if change.mode != "managed" else ""


def _mode_html(change: FieldChange) -> str:
    return f" <i>({change.mode})</i>" if change.mode != "managed" else ""


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
