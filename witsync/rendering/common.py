"""Small pieces both human renderings share: value text, compact diffs of long text, link names."""

from __future__ import annotations

import difflib
import json
import re

from witsync.model import JSON, Action, FieldChange, LinkChange, Plan, RequestBudget
from witsync.rendering.json import summary
from witsync.rendering.origin import edit_text
from witsync.text import one_line, shown

LINK_NAMES = {
    "System.LinkTypes.Hierarchy-Reverse": "Parent",
    "System.LinkTypes.Hierarchy-Forward": "Child",
    "System.LinkTypes.Related": "Related",
    "System.LinkTypes.Dependency-Forward": "Successor",
    "System.LinkTypes.Dependency-Reverse": "Predecessor",
}
SYMBOLS = {
    "create": "+",
    "restore": "+",
    "update": "~",
    "adopt": "~",
    "reopen": "~",
    "rekey": "~",
    "remove": "-",
}
LONG = 60
"""A text value longer than this (or with several lines) is shown as a diff."""
_BETWEEN_TAGS = re.compile(r">\s*<")


def summary_line(plan: Plan) -> str:
    """`2 to create, 1 to update, 0 to remove, 5 unchanged`; restores and closed items are
    named only when there are some."""
    counts = summary(plan)
    parts = [f"{counts['create']} to create"]
    if counts.get("restore"):
        parts.append(f"{counts['restore']} to restore")
    parts += [
        f"{counts['update']} to update",
        f"{counts['remove']} to remove",
        f"{counts['unchanged']} unchanged",
    ]
    if counts.get("closed"):
        parts.append(f"{counts['closed']} closed")
    return ", ".join(parts)


def budget_line(budget: RequestBudget) -> str:
    """`requests: 509 to read the board`, the one figure every plan shows of what it cost."""
    return f"requests: {budget.requests:,} to read the board (retries included)"


def rate_limit_lines(budget: RequestBudget) -> list[str]:
    """What the server's rate-limit headers said of the run, for `-v`: the TSTUs it used of the
    organization's window, or that the server never said (the run stayed well below it)."""
    use = budget.rate_limit
    if use is None:
        return [
            "rate limit: no answer carried X-RateLimit-* headers (Azure DevOps sends them as a "
            "user nears its limit of 200 TSTUs per 5 minutes): this run stayed well below it"
        ]
    per_request = use.used / max(1, use.answers - 1)
    lines = [
        f"rate limit: about {use.used:g} of {use.limit:g} TSTUs used while planning "
        f"(X-RateLimit-Remaining {use.remaining_first:g} → {use.remaining_last:g} over "
        f"{use.answers:,} answers; about {per_request:.2g} TSTU a request)"
    ]
    if use.delayed_s:
        lines.append(f"rate limit: the server delayed requests by {use.delayed_s:g} s in all")
    return lines


def value_text(value: JSON) -> str:
    """One value on one line: strings quoted, numbers bare, empty as (empty).

    Strings keep their backslashes (`"Fabrikam\\Sprint 1"` would misstate an area path to a
    reviewer); only quotes and line breaks are escaped, so the value stays on one line.
    """
    if value is None:
        return "(empty)"
    if isinstance(value, str):
        escaped = one_line(value.replace('"', '\\"'))
        return f'"{escaped}"'
    return json.dumps(value, ensure_ascii=False)


def is_long(change: FieldChange) -> bool:
    return any(
        isinstance(value, str) and (len(value) > LONG or "\n" in value)
        for value in (change.before, change.after)
    )


def _lines(value: JSON) -> list[str]:
    if value is None:
        return []
    text = str(value)
    if text.lstrip().startswith("<"):
        text = _BETWEEN_TAGS.sub(">\n<", text)
    return [shown(line) for line in text.splitlines()]


def text_diff(change: FieldChange, limit: int = 40) -> list[str]:
    """A compact unified diff (one line of context) of a long value, at most `limit` lines."""
    before, after = _lines(change.before), _lines(change.after)
    if not before or not after:
        # All added or all removed: the lines themselves say it, a hunk header adds nothing.
        lines = [f"+{line}" for line in after] or [f"-{line}" for line in before]
    else:
        lines = list(difflib.unified_diff(before, after, lineterm="", n=1))[2:]
    if len(lines) > limit:
        lines = [*lines[:limit], f"... {len(lines) - limit} more lines"]
    return lines


def action_heading(action: Action) -> str:
    """`create Task "Title" (key k)` / `update Bug #12 "Title" (key k)` / `rekey Task #12
    "Title" (key old → new)`."""
    where = f" #{action.id}" if action.id is not None else ""
    return (
        f'{action.kind} {one_line(action.type)}{where} "{one_line(action.title)}" '
        f"(key {key_text(action)})"
    )


def key_text(action: Action) -> str:
    """The action's key; for a rekey, `old → new`."""
    if action.previous_key is not None:
        return f"{one_line(action.previous_key)} → {one_line(action.key)}"
    return one_line(action.key)


def link_text(change: LinkChange) -> str:
    """`link Parent → #12 (billing)`; the caller says whether it is added or removed."""
    name = one_line(LINK_NAMES.get(change.rel, change.rel))
    key = one_line(str(change.target_key))  # a board item's key comes from its marker URL
    if change.target_id is None:
        other = f"{key} (new)"
    elif change.target_key is not None:
        other = f"#{change.target_id} ({key})"
    else:
        other = f"#{change.target_id}"
    return f"link {name} → {other}"


def mode_suffix(change: FieldChange) -> str:
    return f" ({change.mode})" if change.mode != "managed" else ""


def edit_suffix(change: FieldChange) -> str:
    """`  (changed on the board by …)` for drift, `  (last set on the board by …)` for a value a
    person set that witsync never wrote (witsync.rendering.origin); "" otherwise."""
    text = edit_text(change.last_edit)
    return f"  ({text})" if text else ""


def link_suffix(change: LinkChange) -> str:
    """`  (removed on the board by … at …)` for a link drift."""
    text = edit_text(change.last_edit, link=change)
    return f"  ({text})" if text else ""
