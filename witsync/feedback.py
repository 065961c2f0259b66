"""What a command shows on stderr while it waits: a spinner or bar on a terminal, lines in CI.

On a terminal each phase that can take a while has a spinner (a bar with counts when its size is
known); in a CI log each phase ends with one line (`reading work items: 10,000 items (3.4 s)`),
so a slow organization is never a silent wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from witsync.phases import Phase


class _CountColumn(ProgressColumn):
    """`3,400 / 10,000 items`."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        total = f"{int(task.total):,}" if task.total is not None else "?"
        return Text(f"{int(task.completed):,} / {total} {self.unit}", style="progress.download")


class _Counted:
    """A phase under way: how far it got, what it found, and who draws the advance."""

    def __init__(self, on_advance: Callable[[int], None] | None = None) -> None:
        self.completed = 0
        self.summary: str | None = None
        self._on_advance = on_advance

    def advance(self, count: int) -> None:
        self.completed += count
        if self._on_advance is not None:
            self._on_advance(count)

    def done(self, summary: str) -> None:
        self.summary = summary


class PhaseFeedback:
    """`witsync.phases.Progress` on a console (stderr): on a terminal, a spinner for each phase
    (and a bar with counts when its size is known), gone when it ends; elsewhere (CI), one line
    when a phase ends, with what it counted and how long it took. A phase that fails prints
    nothing: the error says what went wrong."""

    def __init__(self, console: Console, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.console = console
        self._clock = clock

    @contextmanager
    def phase(
        self, label: str, *, total: int | None = None, unit: str = "items"
    ) -> Iterator[Phase]:
        started = self._clock()
        if self.console.is_terminal:
            columns: list[ProgressColumn] = [SpinnerColumn(), TextColumn("{task.description}")]
            if total is not None:
                columns += [BarColumn(), _CountColumn(unit)]
            columns.append(TimeElapsedColumn())
            with Progress(*columns, console=self.console, transient=True) as bar:
                task = bar.add_task(label, total=total)
                yield _Counted(lambda count: bar.advance(task, count))
            return
        counted = _Counted()
        yield counted
        seconds = self._clock() - started
        found = counted.summary
        if found is None:
            found = _count(counted.completed, unit) if total is not None else "done"
        self.console.print(f"{label}: {found} ({seconds:.1f} s)", markup=False, highlight=False)


def _count(n: int, unit: str) -> str:
    """`1 item`, `3,400 items`."""
    return f"{n:,} {unit[:-1] if n == 1 and unit.endswith('s') else unit}"
