"""What a command shows while it waits: a line per phase in a CI log, a spinner or bar on a
terminal, nothing for a phase that failed (its error says what happened)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from rich.console import Console

from witsync.feedback import PhaseFeedback
from witsync.phases import SILENT


def clock(*times: float) -> Iterator[float]:
    return iter(times)


def test_off_a_terminal_each_phase_is_one_line_with_its_counts_and_seconds() -> None:
    out = io.StringIO()
    ticks = clock(0.0, 0.4, 1.0, 4.5, 5.0, 5.25)
    feedback = PhaseFeedback(Console(file=out, width=200), clock=lambda: next(ticks))
    with feedback.phase("reading the process") as phase:
        phase.done("7 types, 82 fields")
    with feedback.phase("reading work items", total=10_000) as phase:
        for _ in range(50):
            phase.advance(200)
    with feedback.phase("querying the managed set"):
        pass
    assert out.getvalue().splitlines() == [
        "reading the process: 7 types, 82 fields (0.4 s)",
        "reading work items: 10,000 items (3.5 s)",
        "querying the managed set: done (0.2 s)",
    ]


def test_a_phase_that_fails_prints_nothing() -> None:
    out = io.StringIO()
    feedback = PhaseFeedback(Console(file=out, width=200))
    with pytest.raises(TimeoutError), feedback.phase("querying the managed set"):
        raise TimeoutError
    assert out.getvalue() == ""


def test_on_a_terminal_a_bar_counts_the_items_and_then_goes() -> None:
    out = io.StringIO()
    feedback = PhaseFeedback(Console(file=out, force_terminal=True, width=120))
    with feedback.phase("reading work items", total=10_000) as phase:
        phase.advance(3_400)
    text = out.getvalue()
    assert "reading work items" in text
    assert "3,400 / 10,000 items" in text
    assert text.endswith("\x1b[2K")  # transient: the line is cleared when the phase ends


def test_silent_shows_nothing_and_accepts_everything() -> None:
    with SILENT.phase("reading work items", total=3) as phase:
        phase.advance(3)
        phase.done("3 items")
