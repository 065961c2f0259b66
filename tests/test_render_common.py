"""Pieces every rendering shares: how one value is written on one line."""

from __future__ import annotations

import pytest

from witsync.render.common import value_text


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("Fabrikam\\Sprint 1", '"Fabrikam\\Sprint 1"'),  # a path reads as the board shows it
        ('say "hi"', '"say \\"hi\\""'),
        ("two\nlines", '"two\\nlines"'),
        (2, "2"),
        (2.5, "2.5"),
        (True, "true"),
        (None, "(empty)"),
    ],
)
def test_value_text_keeps_one_line_and_the_value_as_written(value: object, shown: str) -> None:
    assert value_text(value) == shown
