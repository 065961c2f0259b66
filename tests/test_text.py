"""Board and file text made safe to print: what a terminal would obey is written out instead."""

from __future__ import annotations

from witsync.text import one_line, shown


def test_one_line_writes_out_line_breaks_and_control_characters() -> None:
    assert one_line("a\nb\r\x1b\x9b\tc") == "a\\nb\\r\\x1b\\x9b\tc"
    assert shown("a\nb\x1b") == "a\nb\\x1b"  # multi-line text keeps its lines
