"""`witsync plan --format html`, `--out-html FILE` and the Markdown comment's `--html-url`."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_golden_board import seeded

from witsync import cli

__all__ = ["seeded"]  # the golden board's fixture: a seeded local board, the current folder


def test_format_html_prints_the_page_and_nothing_else(
    seeded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["plan", "backlog", "--format", "html"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("<!DOCTYPE html>")
    assert out.rstrip().endswith("</html>")
    assert 'id="item-reminders"' in out
    assert 'id="item-billing"' in out
    assert err.startswith("target: local board")


def test_out_html_writes_the_same_page_beside_the_plan_file(
    seeded: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert cli.main(["plan", "backlog", "--format", "html"]) == 0
    printed = capsys.readouterr().out
    page = tmp_path / "plan.html"
    assert cli.main(["plan", "backlog", "--out", str(tmp_path / "plan.json"),
                     "--out-html", str(page)]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    assert page.read_text(encoding="utf-8") == printed
    assert out.startswith("witsync plan for project Fabrikam")  # stdout keeps its format
    assert f"HTML plan saved to {page}" in err


def test_the_markdown_comment_links_the_html_plan_when_told_where(
    seeded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "https://github.com/fabrikam/backlog/actions/runs/42#artifacts"
    assert cli.main(["plan", "backlog", "--format", "markdown", "--html-url", url]) == 0
    with_link = capsys.readouterr().out
    assert f"[the HTML plan]({url})" in with_link
    assert cli.main(["plan", "backlog", "--format", "markdown"]) == 0
    assert "HTML plan" not in capsys.readouterr().out


def test_an_html_plan_that_cannot_be_written_is_an_error(
    seeded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["plan", "backlog", "--out-html", "missing/plan.html"]) == 1
    err = capsys.readouterr().err
    assert "cannot write the HTML plan missing/plan.html" in err
