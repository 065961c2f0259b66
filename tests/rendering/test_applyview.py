"""How an apply is shown: progress on a terminal or as log lines, the summary, the JSON document."""

from __future__ import annotations

import io
import json

from rich.console import Console

from witsync.model import ItemResult, Plan, Result, Target
from witsync.rendering.result import ApplyProgress, item_line, result_document, summary

RESULTS = (
    ItemResult("epic", "create", "applied", 12, "created #12"),
    ItemResult("story", "update", "conflict", 7, "#7 was changed on the board after the plan"),
    ItemResult("task", "create", "skipped", None, "not written: depends on 'story'"),
    ItemResult("bug", "update", "failed", 9, "TF401320: Rule Error for field Priority"),
)


def test_item_line_is_one_stable_line_per_item() -> None:
    assert item_line(RESULTS[0]) == "applied  create epic #12: created #12"
    assert item_line(RESULTS[2]).startswith("skipped  create task -: not written")


def test_summary_counts_and_says_what_to_do() -> None:
    text = summary(Result(RESULTS))
    assert text.splitlines()[0] == "Apply incomplete: 1 applied, 1 conflict, 1 failed, 1 skipped."
    assert "run witsync plan again" in text
    assert "  story #7: #7 was changed" in text
    assert "  bug: TF401320" in text
    assert summary(Result(RESULTS[:1])) == (
        "Apply complete: 1 applied, 0 conflict, 0 failed, 0 skipped."
    )


def test_result_document_is_json_with_every_item() -> None:
    plan = Plan(Target("http://org", "Proj", "web"), (), 0)
    document = json.loads(result_document(plan, Result(RESULTS)))
    assert document["ok"] is False
    assert document["summary"] == {"applied": 1, "conflict": 1, "failed": 1, "skipped": 1}
    assert document["items"][1] == {
        "action": "update",
        "key": "story",
        "id": 7,
        "outcome": "conflict",
        "message": "#7 was changed on the board after the plan",
    }
    assert document["target"] == {"org_url": "http://org", "project": "Proj", "scope": "web"}


def test_off_a_terminal_every_item_is_a_log_line() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200)
    with ApplyProgress(console, len(RESULTS)) as progress:
        for result in RESULTS:
            progress.report(result)
    assert out.getvalue().splitlines() == [item_line(r) for r in RESULTS]


def test_on_a_terminal_a_bar_counts_and_problems_stay_visible() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=200)
    with ApplyProgress(console, len(RESULTS)) as progress:
        for result in RESULTS:
            progress.report(result)
        assert progress._bar is not None
        task = progress._bar.tasks[0]
        assert (task.completed, task.total) == (4, 4)
    text = out.getvalue()
    assert "conflict update story #7" in text
    assert "applied  create epic" not in text  # successes only move the bar


def test_with_lines_given_the_item_lines_go_there_and_the_bar_stays_alone() -> None:
    """`apply --format text`: the item lines are the result (stdout), the bar is progress
    (stderr); off a terminal the lines stream to stdout as items finish."""
    for terminal in (False, True):
        progress_out, result_out = io.StringIO(), io.StringIO()
        console = Console(file=progress_out, force_terminal=terminal, width=200)
        lines = Console(file=result_out, width=200)
        with ApplyProgress(console, len(RESULTS), lines=lines) as progress:
            for result in RESULTS:
                progress.report(result)
        if terminal:
            assert result_out.getvalue() == ""  # written with the summary, after the bar
            assert progress.shown == set()
            assert "conflict update story" not in progress_out.getvalue()
        else:
            assert result_out.getvalue().splitlines() == [item_line(r) for r in RESULTS]
            assert progress.shown == {(r.key, r.action) for r in RESULTS}
            assert progress_out.getvalue() == ""
