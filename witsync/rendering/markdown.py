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
from dataclasses import dataclass
from urllib.parse import urlsplit

from witsync.fields import display_name
from witsync.model import Action, LinkChange, Plan, Target
from witsync.rendering.boardlinks import LOCAL_BOARD_HOST, backlog_link, org_link, work_item_link
from witsync.rendering.common import (
    LINK_NAMES,
    SYMBOLS,
    budget_line,
    is_long,
    key_text,
    summary_line,
)
from witsync.rendering.json import summary
from witsync.rendering.markdown_fields import (
    cell,
    cut,
    escaped,
    html_escaped,
    long_block,
    rich_block,
    rich_in_table,
    rich_text,
    table_row,
)
from witsync.rendering.origin import DRIFT_EXPLAINED, HEADINGS, Origin, edit_text, split_plan
from witsync.rendering.sourcelinks import SourceLinks, safe_url
from witsync.text import one_line, shown

LIMIT = 65_000
DETAILS_SHARE = 0.5
"""The share of the limit that collapsed per-item sections may take when not all fit."""
MAX_WARNINGS = 50
_WORK_ITEM = re.compile(r"(?<![\w\\])\\#(\d+)(?!\w)")
"""`#12` in escaped text (`\\#12`): Azure DevOps writes a work item that way."""


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

    def mentions(self, text: str) -> str:
        """Escaped Markdown `text` with every `#12` in it linked to its work item."""
        return _WORK_ITEM.sub(lambda match: self.md_item(int(match.group(1))), text)


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
    explained = f"_{escaped(DRIFT_EXPLAINED)}._\n\n" if origin == "board" else ""
    return f"#### {HEADINGS[origin]}\n\n{explained}"


def _row(action: Action, links: _Links) -> str:
    where = links.md_item(action.id) if action.id is not None else "new"
    changed = [display_name(change.field) for change in action.field_changes]
    changed += [f"{link.op} {LINK_NAMES.get(link.rel, link.rel)}" for link in action.link_changes]
    return (
        f"| `{SYMBOLS[action.kind]}` {action.kind} | {where} | {escaped(action.key)} "
        f"| {cell(cut(action.title, 60))} | {cell(', '.join(changed))} |\n"
    )


def _head(plan: Plan, links: _Links) -> str:
    counts = summary(plan)
    target = plan.target
    project = escaped(target.project)
    if links.on_board:
        parts = urlsplit(target.org_url.rstrip("/"))
        # Named by its address without the scheme: dev.azure.com/fabrikam, server/tfs/Collection
        org = escaped(parts.netloc.rpartition("@")[2] + parts.path)
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
            message = links.mentions(escaped(warning.message))
            lines.append(f"- `{shown(warning.code)}`: {message}")
        if len(listed) > MAX_WARNINGS:
            lines.append(f"- ... and {len(listed) - MAX_WARNINGS} more (see the plan file)")
        lines.append("")
    return "\n".join(lines) + "\n"


def _section(action: Action, links: _Links) -> str:
    where = f" {links.html_item(action.id)}" if action.id is not None else ""
    summary_text = (
        f"<code>{SYMBOLS[action.kind]}</code> {action.kind} {html_escaped(action.type)}{where} "
        f"<code>{html_escaped(key_text(action))}</code> {html_escaped(cut(action.title, 120))}"
    )
    lines = [f"<details><summary>{summary_text}</summary>", ""]
    if action.location is not None:
        place = escaped(f"{action.location.file}:{action.location.line}")
        url = links.sources.url(action.location) if links.sources else None
        lines += [f"Manifest: [{place}]({url})" if url else f"Manifest: {place}", ""]
    rich = [rich_text(change) for change in action.field_changes]
    in_table = [
        rich_in_table(texts) if texts is not None else not is_long(change)
        for change, texts in zip(action.field_changes, rich, strict=True)
    ]
    if any(in_table):
        lines += ["| Field | Before | After |", "| --- | --- | --- |"]
        for change, texts, row in zip(action.field_changes, rich, in_table, strict=True):
            if row:
                lines.append(table_row(action, change, texts))
        lines.append("")
    for change, texts, row in zip(action.field_changes, rich, in_table, strict=True):
        if not row:
            lines += long_block(change) if texts is None else rich_block(change, texts)
    for link in action.link_changes:
        by = edit_text(link.last_edit, link=link)
        lines.append(f"- {link.op} {_link_text(link, links)}{f' ({escaped(by)})' if by else ''}")
    for note in action.notes:
        lines.append(f"- _{links.mentions(escaped(note))}_")
    while lines[-1] == "":
        lines.pop()
    lines += ["", "</details>", ""]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Fields


def _link_text(change: LinkChange, links: _Links) -> str:
    """`link Parent → #12 (billing)`, the work item linked to the board."""
    name = escaped(one_line(LINK_NAMES.get(change.rel, change.rel)))
    key = escaped(one_line(str(change.target_key)))
    if change.target_id is None:
        other = f"{key} (new)"
    elif change.target_key is not None:
        other = f"{links.md_item(change.target_id)} ({key})"
    else:
        other = links.md_item(change.target_id)
    return f"link {name} → {other}"
