"""The phases of a run that can take a while, as calls: what the console shows while a run waits.

The engine says when a phase starts and ends and how far it got (`Progress.phase`); whoever runs
it decides what that looks like: a spinner or a bar on a terminal, a line per phase in a CI log
(`witsync.console.PhaseFeedback`), or nothing (`SILENT`, the default: the library API and the
tests). No I/O here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class Phase(Protocol):
    """One phase under way."""

    def advance(self, count: int) -> None:
        """`count` more of the phase's total are done (items read, say)."""

    def done(self, summary: str) -> None:
        """What the phase found, for its closing line: `7 types, 82 fields`."""


class Progress(Protocol):
    """Where the engine reports its phases."""

    def phase(
        self, label: str, *, total: int | None = None, unit: str = "items"
    ) -> AbstractContextManager[Phase]:
        """A phase called `label` (`reading the process`), with `total` `unit`s to go if known."""
        ...


class _Nothing:
    def advance(self, count: int) -> None:
        pass

    def done(self, summary: str) -> None:
        pass


class _Silent:
    @contextmanager
    def phase(
        self, label: str, *, total: int | None = None, unit: str = "items"
    ) -> Iterator[Phase]:
        yield _Nothing()


SILENT: Progress = _Silent()
"""Shows nothing."""
