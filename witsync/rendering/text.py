"""The plan for terminals and logs, Terraform-like: `+` create, `~` update, `-` remove.

The changes come in two groups, *From the manifests* and *Drift on the board* (people's edits
that applying puts back, with who and when; witsync.rendering.origin), each in apply order.

`render_text` returns rich Text: the command prints it styled on a terminal and writes
`.plain` everywhere else, so colour codes never reach a log or a file.
"""

from __future__ import annotations

from rich.text import Text

from witsync.model import Action, FieldChange, Plan
from witsync.rendering.common import (
    SYMBOLS,
    action_heading,
    budget_line,
    edit_suffix,
    is_long,
    link_suffix,
    link_text,
    mode_suffix,
    summary_line,
    text_diff,
    value_text,
)
from witsync.rendering.origin import DRIFT_EXPLAINED, HEADINGS, split_plan
from witsync.text import one_line

_STYLES = {
    "create": "green",
    "restore": "green",
    "update": "yellow",
    "adopt": "yellow",
    "reopen": "yellow",
    "rekey": "yellow",
    "remove": "red",
}
_INDENT = "      "


def render_text(plan: Plan) -> Text:
    out = Text()
    target = plan.target
    out.append(
        f"witsync plan for project {target.project} (scope {target.scope}) at {target.org_url}\n"
    )
    if plan.actions:
        out.append("\nwitsync will perform these actions, in this order:\n")
    for origin, actions in split_plan(plan).items():
        if not actions:
            continue
        out.append(f"\n{HEADINGS[origin]}:\n", style="bold")
        if origin == "board":
            out.append(f"  ({DRIFT_EXPLAINED})\n", style="dim")
        for action in actions:
            out.append("\n")
            _action(out, action)
    if plan.closed:
        out.append("\nClosed (left the manifests):\n", style="bold")
        for closed in plan.closed:
            out.append(
                f'    #{closed.id} {one_line(closed.type)} "{one_line(closed.title)}" '
                f"(key {one_line(closed.key)}): {one_line(closed.state)}\n",
                style="dim",
            )
    for heading, severity, mark, style in (
        ("Errors (apply is blocked until they are fixed)", "error", "x", "red"),
        ("Warnings", "warning", "!", "magenta"),
    ):
        listed = [warning for warning in plan.warnings if warning.severity == severity]
        if listed:
            out.append(f"\n{heading}:\n", style=f"bold {style}")
        for warning in listed:
            where = f"{warning.location}: " if warning.location else ""
            message = one_line(warning.message)
            out.append(f"  {mark} {where}{warning.code}: {message}\n", style=style)
    out.append("\n")
    if plan.budget is not None:
        out.append(f"{budget_line(plan.budget)}\n", style="dim")
    if plan.errors and not plan.actions:
        out.append("No changes planned, but the board has errors (above).\n", style="bold red")
    elif not plan.actions:
        out.append("No changes. The board matches the manifests.\n", style="bold green")
    out.append(f"Plan: {summary_line(plan)}.\n", style="bold")
    return out


def render_plain(plan: Plan) -> str:
    return render_text(plan).plain


def _action(out: Text, action: Action) -> None:
    style = _STYLES[action.kind]
    out.append(f"  {SYMBOLS[action.kind]} ", style=f"bold {style}")
    out.append(action_heading(action), style="bold")
    details = []
    if action.rev is not None:
        details.append(f"rev {action.rev}")
    if action.location is not None:
        details.append(str(action.location))
    out.append(f"  {', '.join(details)}\n" if details else "\n", style="dim")
    for change in action.field_changes:
        _change(out, action, change)
    for link in action.link_changes:
        out.append(
            f"{_INDENT}{'+' if link.op == 'add' else '-'} {link_text(link)}",
            style="green" if link.op == "add" else "red",
        )
        out.append(f"{link_suffix(link)}\n", style="dim")
    for note in action.notes:
        out.append(f"{_INDENT}note: {one_line(note)}\n", style="dim")


def _change(out: Text, action: Action, change: FieldChange) -> None:
    label = f"{_INDENT}{change.field}{mode_suffix(change)}:"
    if is_long(change):
        out.append(f"{label}{edit_suffix(change)}\n")
        for line in text_diff(change):
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
            out.append(f"{_INDENT}    {line}\n", style=style)
        return
    if action.kind == "create":
        out.append(f"{label} {value_text(change.after)}\n")
        return
    out.append(f"{label} ")
    out.append(value_text(change.before), style="red")
    out.append(" → ")
    out.append(value_text(change.after), style="green")
    out.append(f"{edit_suffix(change)}\n", style="dim")
