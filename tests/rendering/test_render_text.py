"""The text rendering: symbols, before → after, compact diffs, summary, colour on terminals."""

from __future__ import annotations

import io

from golden_support import check_golden
from plan_support import TARGET, Board, desired, item, process, showcase_plan
from rich.console import Console

from witsync.model import FieldChange, FieldEdit
from witsync.planning.planner import make_plan
from witsync.rendering.common import edit_suffix, text_diff
from witsync.rendering.text import render_plain, render_text


def test_golden_text():
    check_golden("plan.txt", render_plain(showcase_plan()))


def test_same_plan_same_bytes():
    assert render_plain(showcase_plan()) == render_plain(showcase_plan())


def test_symbols_and_summary_line():
    text = render_plain(showcase_plan())
    assert '  + create Epic "Customers can sign in" (key sign-in)' in text
    assert '  ~ update User Story #101 "Opt out of paper billing" (key paper)' in text
    assert '  ~ adopt Epic #100 "Billing" (key billing)' in text
    assert '  - remove Task #103 "Print the letters" (key letters)' in text
    assert text.endswith("Plan: 2 to create, 2 to update, 1 to remove, 0 unchanged.\n")


def test_field_before_after_mode_and_drift():
    text = render_plain(showcase_plan())
    assert 'System.Title: "Paper billing (edited)" → "Opt out of paper billing"' in text
    assert (
        "changed on the board by Carol <carol@fabrikam.com> at 2026-11-20T09:30:00Z, rev 2" in text
    )
    assert "Microsoft.VSTS.Scheduling.RemainingWork (create-only): 4" in text
    assert "+ link Parent → sign-in (new)" in text
    assert "- link Parent → #102" in text


def test_the_changes_are_split_into_the_manifests_and_drift_on_the_board():
    text = render_plain(showcase_plan())
    ours, _, theirs = text.partition("\nDrift on the board:\n")
    assert "\nFrom the manifests:\n" in ours
    # the pull request's own changes, and no drift among them
    assert 'System.AssignedTo: "Ann <ann@fabrikam.com>" → "bob@fabrikam.com"' in ours
    assert "System.Title: \"Paper billing (edited)\"" not in ours
    assert "- link Parent → #102" not in ours
    # a person's edits that merging puts back, with who and when
    theirs = theirs.partition("\nWarnings:")[0]
    assert '~ update User Story #101 "Opt out of paper billing" (key paper)' in theirs
    assert (
        'System.Title: "Paper billing (edited)" → "Opt out of paper billing"  (changed on the '
        "board by Carol <carol@fabrikam.com> at 2026-11-20T09:30:00Z, rev 2)" in theirs
    )
    assert (
        "- link Parent → #102  (added on the board by Carol <carol@fabrikam.com> at "
        "2026-11-20T09:31:00Z)" in theirs
    )
    assert "System.AssignedTo" not in theirs


def test_a_value_witsync_wrote_last_is_not_attributed_and_a_persons_never_overwritten_one_is():
    ours = FieldEdit("Build <build@x>", "2026-11-20T09:30:00Z", 3, by_witsync=True)
    person = FieldEdit("Ann <ann@x>", "2026-11-20T09:30:00Z", 3)
    assert edit_suffix(FieldChange("System.Title", "a", "b", last_edit=ours)) == ""
    assert edit_suffix(FieldChange("System.Title", "a", "b", last_edit=person)) == (
        "  (last set on the board by Ann <ann@x> at 2026-11-20T09:30:00Z, rev 3)"
    )


def test_empty_plan_says_no_changes():
    board = Board()
    board.add("Task", {"System.Title": "Title of a"}, key="a")
    plan = make_plan(desired(item("a")), board.live(), process(), TARGET)
    text = render_plain(plan)
    assert "No changes. The board matches the manifests." in text
    assert text.endswith("Plan: 0 to create, 0 to update, 0 to remove, 1 unchanged.\n")


def test_long_text_is_a_compact_diff():
    before = "\n".join(f"line {n}" for n in range(100))
    after = before.replace("line 50", "line fifty")
    lines = text_diff(FieldChange("System.Description", before, after))
    assert lines == ["@@ -50,3 +50,3 @@", " line 49", "-line 50", "+line fifty", " line 51"]
    huge = text_diff(FieldChange("System.Description", before, None), limit=10)
    assert len(huge) == 11
    assert huge[-1] == "... 90 more lines"
    assert huge[0] == "-line 0"


def test_colour_only_when_the_console_is_a_terminal():
    text = render_text(showcase_plan())
    plain = io.StringIO()
    Console(file=plain, force_terminal=False).print(text, soft_wrap=True)
    assert "\x1b[" not in plain.getvalue()
    tty = io.StringIO()
    Console(file=tty, force_terminal=True, color_system="standard").print(text, soft_wrap=True)
    assert "\x1b[" in tty.getvalue()
    assert "\x1b[" not in render_plain(showcase_plan())


def test_a_duplicate_key_is_listed_as_an_error_that_blocks_apply():
    board = Board()
    first = board.add("Task", {"System.Title": "Title of a"}, key="a")
    second = board.add("Task", {"System.Title": "Title of a"}, key="a")
    plan = make_plan(desired(item("a")), board.live(), process(), TARGET)
    [error] = plan.errors
    assert (error.code, error.id) == ("duplicate-key", first)
    text = render_plain(plan)
    errors = text.index("Errors (apply is blocked until they are fixed):")
    assert f"duplicate-key: key 'a' has 2 work items: #{first} and #{second}" in text[errors:]
    assert "witsync apply --dedupe" in text
    assert "No changes planned, but the board has errors (above)." in text
    assert "The board matches" not in text
