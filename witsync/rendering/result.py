"""How an apply looks: a progress bar on a terminal, one line per item in logs, a summary, JSON.

The result (`--format text`: one line per item and the summary; `--format json`: the result
document) is the requested output and goes to stdout; the bar and, with JSON, the item lines as
they finish are progress and go to stderr.
"""

from __future__ import annotations

import json
from collections import Counter
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from witsync.errors import INTERRUPTED
from witsync.model import ItemResult, Plan, Result

RESULT_FORMAT_VERSION = 1

_STYLE = {"applied": "green", "conflict": "yellow", "failed": "red", "skipped": "yellow"}


class _RateColumn(ProgressColumn):
    """Items per second so far (rich's own speed column is for bytes)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} items/s" if speed else "-- items/s", style="progress.data.speed")


class ApplyProgress:
    """Reports each finished item: a live bar on a terminal, else one plain line per item.

    Use as a context manager around the apply; pass `report` as `apply_plan(on_event=...)`.
    `lines`: where the item lines go when there is no bar (default `console`); the text result
    streams there, so a long apply shows in a CI log as it goes. With `lines` given, a terminal
    shows the bar alone: the lines come in the result, after it. `shown` holds the items whose
    line went out."""

    def __init__(self, console: Console, total: int, *, lines: Console | None = None) -> None:
        self.console = console
        self.total = total
        self.lines = lines
        self.shown: set[tuple[str, str]] = set()
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        if console.is_terminal:
            self._bar = Progress(
                TextColumn("[bold]applying"),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                _RateColumn(),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )

    def __enter__(self) -> ApplyProgress:
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task("apply", total=self.total)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def report(self, result: ItemResult) -> None:
        if self._bar is not None and self._task is not None:
            # problems stay on screen above the bar; after Ctrl-C the summary counts the rest
            if (
                self.lines is None
                and result.outcome != "applied"
                and result.message != INTERRUPTED
            ):
                self._bar.console.print(item_line(result), markup=False, highlight=False)
            self._bar.advance(self._task)
            return
        (self.lines or self.console).print(item_line(result), markup=False, highlight=False)
        self.shown.add((result.key, result.action))


def item_line(result: ItemResult) -> str:
    """`applied  create  story-1  #42  created #42` — one line per item, stable for logs."""
    where = f"#{result.id}" if result.id is not None else "-"
    line = f"{result.outcome:<8} {result.action:<6} {result.key} {where}"
    return f"{line}: {result.message}" if result.message else line


def summary(result: Result, *, interrupted: str | None = None) -> str:
    """The closing lines: counts, then what to do about anything not applied. `interrupted`:
    the signal that stopped the run, if one did."""
    counts = Counter(item.outcome for item in result.items)
    parts = [f"{counts.get(o, 0)} {o}" for o in ("applied", "conflict", "failed", "skipped")]
    if interrupted is not None:
        state = f"interrupted ({interrupted})"
    else:
        state = "complete" if result.ok else "incomplete"
    lines = [f"Apply {state}: {', '.join(parts)}."]
    conflicts = [item for item in result.items if item.outcome == "conflict"]
    if conflicts:
        lines.append(
            "These items changed on the board after the plan and were not written; "
            "run witsync plan again to review those edits, then apply:"
        )
        lines += [f"  {item.key} #{item.id}: {item.message}" for item in conflicts]
    failed = [item for item in result.items if item.outcome == "failed"]
    if failed:
        lines.append("These items failed:")
        lines += [f"  {item.key}: {item.message}" for item in failed]
    stopped = sum(1 for item in result.items if item.message == INTERRUPTED)
    if stopped:
        lines.append(
            f"{stopped} item(s) were not written because the run was interrupted; "
            "what landed is listed as applied. Apply again to write the rest."
        )
    skipped = sum(1 for i in result.items if i.outcome == "skipped" and i.message != INTERRUPTED)
    if skipped:
        lines.append(
            f"{skipped} item(s) were skipped because something they depend on was not written."
        )
    return "\n".join(lines)


def result_document(plan: Plan, result: Result, *, interrupted: str | None = None) -> str:
    """The `--format json` output: per item what was done and how it went. `interrupted`: the
    signal that stopped the run (`SIGINT`, `SIGTERM`), else null."""
    counts = Counter(item.outcome for item in result.items)
    document = {
        "format_version": RESULT_FORMAT_VERSION,
        "target": {
            "org_url": plan.target.org_url,
            "project": plan.target.project,
            "scope": plan.target.scope,
        },
        "ok": result.ok,
        "interrupted": interrupted,
        "summary": {o: counts.get(o, 0) for o in ("applied", "conflict", "failed", "skipped")},
        "items": [
            {
                "action": item.action,
                "key": item.key,
                "id": item.id,
                "outcome": item.outcome,
                "message": item.message,
            }
            for item in result.items
        ],
    }
    return json.dumps(document, indent=2)
