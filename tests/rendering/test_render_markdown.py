"""The Markdown rendering: summary table, a collapsed section per item, and the size limit."""

from __future__ import annotations

import dataclasses
import re

from golden_support import check_golden
from plan_support import showcase_plan

from witsync.model import Action, FieldChange, Step
from witsync.rendering.markdown import LIMIT, render_markdown


def test_golden_markdown():
    check_golden("plan.md", render_markdown(showcase_plan()))


def test_summary_table_and_sections():
    text = render_markdown(showcase_plan())
    assert "| `+` create | 2 |" in text
    assert "| `-` remove | 1 |" in text
    assert text.count("<details>") == 5
    assert text.count("<details>") == text.count("</details>")
    assert "_(create-only)_" in text


def _many(count: int, description: str = "x" * 500):
    base = showcase_plan()
    actions = tuple(
        Action(
            kind="update",
            key=f"item-{n}",
            type="Task",
            title=f"Item {n} | with a pipe",
            id=1000 + n,
            rev=3,
            steps=(Step("update", ()),),
            field_changes=(
                FieldChange("System.Title", "old", f"new {n}"),
                FieldChange("System.Description", description, description + " more"),
            ),
        )
        for n in range(count)
    )
    return dataclasses.replace(base, actions=actions)


def test_two_thousand_items_stay_under_the_limit_with_a_note():
    text = render_markdown(_many(2000), plan_file="plan.json")
    assert len(text) <= LIMIT
    assert "more actions not shown" in text
    assert "The full plan is in `plan.json`." in text
    sections = text.count("<details>")
    rows = text.count("| `~` update | #")
    assert sections > 20
    assert rows > 200  # past the sections' share, one line per item
    assert f"**{2000 - sections - rows} more actions not shown**" in text
    # Every item shown once, in plan order, sections first.
    assert text.index("<code>item-0</code>") < text.index(f"| item-{sections} |")
    assert text.count("<details>") == text.count("</details>")
    assert "| `~` update | 2000 |" in text


def test_without_a_plan_file_the_note_says_how_to_get_one():
    text = render_markdown(_many(2000), limit=20_000)
    assert len(text) <= 20_000
    assert "`witsync plan --out plan.json`" in text


def test_cells_cannot_break_the_table_or_the_fence():
    plan = _many(1, description="```\n| not a column |\n```")
    text = render_markdown(plan)
    assert "Item 0 \\| with a pipe" not in text  # the title is in HTML, where | is harmless
    assert "````diff" in text  # a longer fence than any backtick run in the diff


def test_huge_values_are_cut_in_cells():
    plan = _many(1)
    wide = dataclasses.replace(
        plan.actions[0], field_changes=(FieldChange("Custom.List", None, ["y" * 50] * 10),)
    )
    text = render_markdown(dataclasses.replace(plan, actions=(wide,)))
    row = next(line for line in text.splitlines() if line.startswith("| Custom.List"))
    assert row.endswith("… |")
    assert len(row) < 300


# A title, value or name typed on the board (or in a manifest) reaches the comment, and from
# there e-mail notifications, CI logs and terminals: ESC (CSI), OSC (a hyperlink, a window
# title), BEL and CR must be written out, as the text plan writes them.
OSC_LINK = "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07"
SNEAKY_TITLE = f"Pay\x1b[2K\x1b[1Aok {OSC_LINK}\rFAKE\x9b1m\x9d0;t\x07"
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _sneaky_plan():
    from witsync.model import FieldEdit, LinkChange, PlanWarning

    base = showcase_plan()
    action = Action(
        kind="update",
        key="k\x1bey",  # keys of board items come from their marker URLs: anything
        type="Task\x07",
        title=SNEAKY_TITLE,
        id=7,
        rev=3,
        steps=(Step("update", ()),),
        field_changes=(
            FieldChange(
                "System.Title",
                "old\x1b[31m",
                SNEAKY_TITLE,
                last_edit=FieldEdit("Eve\x1b]0;pwned\x07 <eve@x>", "2026-11-20T09:30:00Z", 2),
            ),
            FieldChange("Custom.Note", None, f"value {OSC_LINK}\r"),
            FieldChange("System.Description", "a\nb", "a\nb\x1b[2Kc\r\n" + "x" * 80),
        ),
        link_changes=(LinkChange("add", "System.LinkTypes.Related", "t\x1bk", 9),),
        notes=("note \x1b[8mhidden\x07",),
    )
    warning = PlanWarning("missing-from-manifests", f"work item #9 ('{SNEAKY_TITLE}') left", id=9)
    return dataclasses.replace(base, actions=(action,), warnings=(warning,))


def test_control_characters_are_written_out_everywhere_in_the_markdown_plan() -> None:
    text = render_markdown(_sneaky_plan())
    assert RAW_CONTROL.findall(text) == []
    summary = next(line for line in text.splitlines() if line.startswith("<details><summary>"))
    assert "Pay\\x1b[2K\\x1b[1Aok \\x1b]8;;https://evil.example\\x07click" in summary
    assert "\\x0dFAKE\\x9b1m\\x9d0;t\\x07" in summary
    assert "<code>k\\x1bey</code>" in summary
    assert "Task\\x07" in summary
    # In Markdown (outside the HTML line) the backslash is escaped itself, so that it shows.
    assert "by Eve\\\\x1b\\]0;pwned\\\\x07 &lt;eve@x&gt;" in text  # who last set it
    assert '"value \\\\x1b\\]8;;https://evil.example\\\\x07click' in text  # a table cell
    assert "+b\\x1b[2Kc" in text  # the diff of a long value (a fenced block: no escaping)
    assert "→ \\#9 (t\\\\x1bk)" in text  # a link target's key
    assert "- _note \\\\x1b\\[8mhidden\\\\x07_" in text
    warning = next(line for line in text.splitlines() if line.startswith("- `missing"))
    assert "('Pay\\\\x1b\\[2K\\\\x1b\\[1Aok \\\\x1b\\]8;;" in warning
    assert "\\\\x07\\\\x0dFAKE\\\\x9b1m\\\\x9d0;t\\\\x07')" in warning


def test_control_characters_are_written_out_in_the_one_line_rows() -> None:
    text = render_markdown(_sneaky_plan(), limit=1400)  # too small for the section: a row
    assert "**More changes**" in text
    assert RAW_CONTROL.findall(text) == []
    row = next(line for line in text.splitlines() if line.startswith("| `~` update | #7"))
    assert row.startswith("| `~` update | #7 | k\\\\x1bey | Pay\\\\x1b\\[2K\\\\x1b\\[1Aok")


def test_a_line_break_in_a_title_cannot_end_the_summary_html_block() -> None:
    plan = _sneaky_plan()
    action = dataclasses.replace(plan.actions[0], title="one\n\n**two**")
    text = render_markdown(dataclasses.replace(plan, actions=(action,)))
    summary = "<summary><code>~</code> update Task\\x07 #7 <code>k\\x1bey</code> one<br><br>**two**"
    assert summary in text
    assert "\n\n**two**" not in text


def test_errors_are_listed_apart_from_warnings():
    plan = showcase_plan()
    error = dataclasses.replace(plan.warnings[0], code="duplicate-key", severity="error")
    text = render_markdown(dataclasses.replace(plan, warnings=(error, *plan.warnings)))
    errors, warnings = text.index("**Errors (apply is blocked) (1)**"), text.index("**Warnings (")
    assert errors < text.index("`duplicate-key`") < warnings
