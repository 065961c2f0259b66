"""Pieces every rendering shares: how one value is written on one line."""

from __future__ import annotations

import dataclasses

import pytest
from plan_support import showcase_plan

from witsync.model import FieldChange, FieldEdit, LinkChange
from witsync.rendering.common import (
    action_heading,
    edit_suffix,
    link_text,
    text_diff,
    value_text,
)


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


def test_control_characters_from_the_board_cannot_drive_a_terminal() -> None:
    # A value someone typed on the board is printed in plans and CI logs: an escape sequence in
    # it must be shown, not obeyed (it could hide or rewrite lines of the plan).
    sneaky = "ok\x1b[2K\x1b[1Ahidden\x07\x9b"
    assert value_text(sneaky) == '"ok\\x1b[2K\\x1b[1Ahidden\\x07\\x9b"'
    change = FieldChange("System.Description", "a\n" + sneaky, "b\nc")
    assert not any("\x1b" in line for line in text_diff(change))
    action = dataclasses.replace(showcase_plan().actions[0], title=sneaky)
    assert "\x1b" not in action_heading(action)


def test_names_from_the_board_are_written_out_in_both_renderings() -> None:
    # Who last set a field, a link target's key (from a marker URL) and a key or type are board
    # text too; the text and Markdown plans both take them from here.
    edit = FieldEdit("Eve\x1b]0;pwned\x07 <eve@x>", "2026-11-20\r", 2)
    change = FieldChange("System.Title", "a", "b", last_edit=edit)
    assert edit_suffix(change) == (
        "  (last set on the board by Eve\\x1b]0;pwned\\x07 <eve@x> at 2026-11-20\\r, rev 2)"
    )
    link = LinkChange("add", "Custom.Link\x1b", "k\x1b\n", 4)
    assert link_text(link) == "link Custom.Link\\x1b → #4 (k\\x1b\\n)"
    action = dataclasses.replace(
        showcase_plan().actions[0], key="k\x07", type="Task\x1b", title="one\ntwo"
    )
    assert action_heading(action) == 'create Task\\x1b "one\\ntwo" (key k\\x07)'
