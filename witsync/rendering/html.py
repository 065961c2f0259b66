"""The plan as one self-contained HTML page a reviewer reads at a glance (`--format html`).

The page draws the tree of the items as the plan leaves them (epics, features, stories, tasks),
each marked create, update, reopen, remove or unchanged, with the counts on top. Branches with
no change are collapsed; a changed item shows its field changes (titles and rich text as a
word-level diff of their text), the links it adds and removes, its manifest file:line, a link to
the work item on the board (`{org}/{project}/_workitems/edit/N`), who last changed a drifted
field and when, and its notes and warnings. Filters by action and type and a search by key, id
or title are a small inline script; everything else is plain HTML that works without it.


The file carries its CSS and script inline (witsync.rendering.html_assets) and loads nothing:
it opens from a CI artifact or a disk. Pure: a `Plan` in, a string out. This module writes the
page around the items: head, header and counts, alerts, toolbar, footer. The tree is built in
html_tree, its items written in html_items, their field changes in html_fields.
"""

from __future__ import annotations

from witsync.model import Plan
from witsync.rendering.boardlinks import backlog_link
from witsync.rendering.common import summary_line
from witsync.rendering.html_assets import CSS, JS
from witsync.rendering.html_items import write_tree
from witsync.rendering.html_markup import Emit, warning_text
from witsync.rendering.html_markup import escape as _e
from witsync.rendering.html_tree import MARKS, Node, build_tree, mark_of

SYMBOLS = {"create": "+", "update": "~", "reopen": "↺", "remove": "−", "unchanged": "="}


def render_html(plan: Plan) -> str:
    """The whole page, deterministic for a given plan (no clock, no random ids)."""
    roots, nodes = build_tree(plan)
    out: list[str] = []
    emit = out.append
    counts = _counts(plan)
    target = plan.target
    emit('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    emit('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    # Nothing may be fetched: the page is read from artifacts and disks, often offline.
    emit(
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
    )
    emit('<meta name="generator" content="witsync">\n')
    emit(
        f"<title>witsync plan · {_e(target.project)} · "
        f"{_e(_title_counts(counts))}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
    )
    _header(emit, plan, counts)
    _alerts(emit, plan)
    _toolbar(emit, counts, nodes)
    emit('<main aria-labelledby="tree-heading">\n<h2 id="tree-heading" class="vh">Items</h2>\n')
    emit(
        '<p class="legend">Text diffs: <del>deleted</del> <ins>inserted</ins>. '
        "Select an item to open or close it; unchanged branches start closed.</p>\n"
    )
    if roots:
        write_tree(emit, plan, roots)
    else:
        emit('<p class="empty">No items.</p>\n')
    emit("</main>\n")
    emit(
        f"<footer>witsync plan for {_e(target.project)} (scope {_e(target.scope)}) at "
        f'{_e(target.org_url)}. Manifest digest <span class="mono">'
        f"{_e(plan.manifest_digest or 'none')}</span>. This page is a review copy: "
        "apply the plan file, not this page.</footer>\n"
    )
    emit(f"<script>{JS}</script>\n</body>\n</html>\n")
    return "".join(out)


def _counts(plan: Plan) -> dict[str, int]:
    """Items per mark: every action counted by its mark, and the plan's unchanged count."""
    counts = dict.fromkeys(MARKS, 0)
    for action in plan.actions:
        counts[mark_of(action)] += 1
    counts["unchanged"] = plan.unchanged
    return counts


def _title_counts(counts: dict[str, int]) -> str:
    changed = [f"{counts[m]} {m}" for m in MARKS[:-1] if counts[m]]
    return ", ".join(changed) if changed else "no changes"


def _header(emit: Emit, plan: Plan, counts: dict[str, int]) -> None:
    target = plan.target
    policy = (
        f"prune on: items that left the manifests are {_REMOVAL_WORDS[plan.removal_policy]}"
        if plan.prune
        else f"prune off (with --prune, items that left the manifests would be "
        f"{_REMOVAL_WORDS[plan.removal_policy]})"
    )
    emit('<header>\n<p class="eyebrow">witsync plan</p>\n')
    emit(f'<h1>{_e(target.project)} <span class="scope">scope {_e(target.scope)}</span></h1>\n')
    emit(
        f'<p class="target">Against <a href="{_e(backlog_link(plan.target))}">'
        f"{_e(target.org_url)}</a> · {_e(policy)}</p>\n"
    )
    emit('<ul class="counts" aria-label="Summary of the plan">\n')
    for mark in MARKS:
        if mark == "reopen" and not counts[mark]:
            continue
        word = "unchanged" if mark == "unchanged" else f"to {mark}"
        emit(
            f'<li class="c-{mark}"><span class="n">{counts[mark]:,}</span> '
            f'<span class="sym" aria-hidden="true">{SYMBOLS[mark]}</span> {word}</li>\n'
        )
    emit("</ul>\n")
    if plan.errors:
        verdict = f"The board has {len(plan.errors)} problem(s) that block apply (below)."
    elif not plan.actions:
        verdict = "No changes. The board matches the manifests."
    else:
        verdict = f"Plan: {summary_line(plan)}."
    emit(f'<p class="verdict" role="status">{_e(verdict)}</p>\n</header>\n')


_REMOVAL_WORDS = {
    "close": "closed (state Removed, else Completed)",
    "delete": "deleted (recycle bin)",
    "unmanage": "unmanaged (the marker removed, the work item kept)",
}


def _alerts(emit: Emit, plan: Plan) -> None:
    for heading, severity in (("Errors: apply is blocked", "error"), ("Warnings", "warning")):
        listed = [w for w in plan.warnings if w.severity == severity]
        if not listed:
            continue
        emit(f'<section class="alerts {severity}" aria-label="{heading}">\n')
        emit(f"<h2>{heading} ({len(listed)})</h2>\n<ul>\n")
        for warning in listed:
            emit(f"<li>{warning_text(warning)}</li>\n")
        emit("</ul>\n</section>\n")


def _toolbar(emit: Emit, counts: dict[str, int], nodes: list[Node]) -> None:
    in_tree = dict.fromkeys(MARKS, 0)
    types: dict[str, int] = {}
    for node in nodes:
        in_tree[node.mark] += 1
        types[node.type] = types.get(node.type, 0) + 1
    # Hidden until the script runs: without it the filters could not work.
    emit('<form class="toolbar noprint" id="filters" role="search" hidden '
         'aria-label="Filter and search the items">\n')  # fmt: skip
    emit("<fieldset><legend>Show</legend>\n")
    for mark in MARKS:
        if not in_tree[mark] and mark == "reopen":
            continue
        emit(
            f'<label class="chip"><input type="checkbox" name="a" value="{mark}" checked>'
            f'<span class="sym" aria-hidden="true">{SYMBOLS[mark]}</span> {mark} '
            f'<span class="n">{in_tree[mark]:,}</span></label>\n'
        )
    emit("</fieldset>\n<fieldset><legend>Types</legend>\n")
    for name in sorted(types, key=lambda t: (-types[t], t)):
        emit(
            f'<label class="chip"><input type="checkbox" name="t" value="{_e(name)}" checked>'
            f'{_e(name)} <span class="n">{types[name]:,}</span></label>\n'
        )
    emit("</fieldset>\n")
    emit(
        '<label class="search">Search <input type="search" id="q" '
        'placeholder="key, #id or title  (press /)" autocomplete="off"></label>\n'
        '<button type="button" id="expand">Expand all</button>'
        '<button type="button" id="collapse">Collapse all</button>'
        '<button type="button" id="reset">Show everything</button>\n</form>\n'
        '<p id="shown" role="status" aria-live="polite"></p>\n'
    )
