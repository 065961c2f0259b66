"""The Markdown rendering: summary table, a collapsed section per item, and the size limit."""

from __future__ import annotations

import dataclasses

from golden_support import check_golden
from plan_support import showcase_plan

from witsync.model import Action, FieldChange, Step
from witsync.render.markdown import LIMIT, render_markdown


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
