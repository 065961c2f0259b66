"""Small pieces every part of the HTML plan writes: escaping, file:line, board links, warnings."""

from __future__ import annotations

import html
from collections.abc import Callable

from witsync.model import Location, Plan, PlanWarning
from witsync.rendering.boardlinks import work_item_link

Emit = Callable[[str], None]
"""Where the page's parts go (`list.append`)."""


def board_link(plan: Plan, work_item_id: int) -> str:
    """`{org}/{project}/_workitems/edit/{id}`: the work item's page, as Azure Boards shapes it."""
    return work_item_link(plan.target, work_item_id)


def file_line(location: Location | None) -> str:
    """`file:line` of a manifest location; empty without one."""
    return f"{location.file}:{location.line}" if location is not None else ""


def warning_text(warning: PlanWarning) -> str:
    """A warning or an error of the plan as one line: its word, code, message and where."""
    word = "error" if warning.severity == "error" else "warning"
    where = ""
    if warning.location:
        where = f' <span class="where">{escape(file_line(warning.location))}</span>'
    return (
        f'<strong><span aria-hidden="true">{"✖" if word == "error" else "⚠"}</span> {word}</strong>'
        f" <code>{escape(warning.code)}</code>: {escape(warning.message)}{where}"
    )


def escape(text: str) -> str:
    """Text safe inside an element and inside a quoted attribute."""
    return html.escape(text, quote=True)
