"""`markdown: native` (Azure DevOps 7.2): descriptions written as Markdown are stored as Markdown,
read back and compared without a perpetual difference; HTML conversion stays the default."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_support import cli_repo, run_main

from witsync.ado.markdown import as_markdown, with_formats
from witsync.emulator import asgi_transport, create_app
from witsync.model import FieldInfo, Process
from witsync.model.markdown import looks_like_html

CONFIG = "project: Fabrikam\nscope: docs\nmarkdown: native\n"
DESCRIPTION = """\
Checkout fits **one page**:

- address
- payment, with `3-D Secure`
"""
BACKLOG = f"""\
apiVersion: witsync/v1
items:
  - key: checkout
    type: User Story
    title: One-page checkout
    description: |
{"".join("      " + line + chr(10) if line else chr(10) for line in DESCRIPTION.splitlines())}\
    acceptanceCriteria: <p>Works on <b>mobile</b></p>
  - key: plain
    type: Task
    title: Nothing multi-line
"""


def _board_items(board: Path) -> list[dict[str, Any]]:
    """The local board's items as a 7.2 client reads them (with `multilineFieldsFormat`)."""
    return asyncio.run(_read(board))


async def _read(board: Path) -> list[dict[str, Any]]:
    app = create_app(db=board)
    async with httpx.AsyncClient(transport=asgi_transport(app, owns_app=True)) as http:
        answer = await http.get(
            "http://board/local/Fabrikam/_apis/wit/workitems?ids=1,2&api-version=7.2-preview"
        )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["value"])


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return cli_repo(tmp_path, monkeypatch, CONFIG, BACKLOG)


def test_plan_apply_plan_is_empty_and_the_board_holds_markdown(repo: Path) -> None:
    code, out = run_main("plan", "backlog.yaml")
    assert code == 0, out
    assert "**one page**" in out  # the plan shows what is sent: the Markdown as written
    assert run_main("apply", "backlog.yaml", "--yes")[0] == 0
    code, out = run_main("plan", "backlog.yaml", "--detailed-exitcode")
    assert code == 0, out
    assert "0 to update" in out

    story, task = _board_items(repo / ".witsync" / "board.sqlite")
    assert story["fields"]["System.Description"] == DESCRIPTION
    assert story["multilineFieldsFormat"] == {
        "System.Description": "markdown",
        "Microsoft.VSTS.Common.AcceptanceCriteria": "html",
    }
    assert story["fields"]["Microsoft.VSTS.Common.AcceptanceCriteria"].startswith("<p>")
    assert "multilineFieldsFormat" not in task


def test_a_changed_description_is_one_update_then_nothing(repo: Path) -> None:
    assert run_main("apply", "backlog.yaml", "--yes")[0] == 0
    (repo / "backlog.yaml").write_text(BACKLOG.replace("- address", "- shipping address"))
    code, out = run_main("plan", "backlog.yaml", "--detailed-exitcode")
    assert code == 2, out
    assert "1 to update" in out
    assert run_main("apply", "backlog.yaml", "--yes")[0] == 0
    assert run_main("plan", "backlog.yaml", "--detailed-exitcode")[0] == 0
    story, _ = _board_items(repo / ".witsync" / "board.sqlite")
    assert "- shipping address" in story["fields"]["System.Description"]


def test_html_conversion_stays_the_default(repo: Path) -> None:
    (repo / "witsync.yaml").write_text(CONFIG.replace("markdown: native\n", ""))
    assert run_main("apply", "backlog.yaml", "--yes")[0] == 0
    assert run_main("plan", "backlog.yaml", "--detailed-exitcode")[0] == 0
    story, _ = _board_items(repo / ".witsync" / "board.sqlite")
    assert story["fields"]["System.Description"].startswith("<p>Checkout fits <strong>")
    assert "multilineFieldsFormat" not in story
    # switching to native later plans nothing: the HTML already means the same
    (repo / "witsync.yaml").write_text(CONFIG)
    assert run_main("plan", "backlog.yaml", "--detailed-exitcode")[0] == 0


def test_each_write_of_a_multiline_field_says_its_format() -> None:
    ops = [
        {"op": "test", "path": "/rev", "value": 3},
        {"op": "replace", "path": "/fields/System.Description", "value": "# Title"},
        {"op": "add", "path": "/fields/Custom.Notes", "value": "<div>x</div>"},
        {"op": "remove", "path": "/fields/Microsoft.VSTS.TCM.ReproSteps"},
        {"op": "add", "path": "/fields/System.Title", "value": "# not multi-line"},
    ]
    multiline = {"System.Description", "Custom.Notes", "Microsoft.VSTS.TCM.ReproSteps"}
    assert with_formats(ops, multiline)[len(ops) :] == [
        {"op": "add", "path": "/multilineFieldsFormat/System.Description", "value": "markdown"},
        {"op": "add", "path": "/multilineFieldsFormat/Custom.Notes", "value": "html"},
    ]
    process = Process(
        types={},
        fields={
            "System.Description": FieldInfo("System.Description", "Description", "html"),
            "System.Title": FieldInfo("System.Title", "Title", "string"),
        },
    )
    types = {ref: info.type for ref, info in as_markdown(process).fields.items()}
    assert types == {"System.Description": "markdown", "System.Title": "string"}
    assert json.dumps(with_formats([], multiline)) == "[]"


def test_html_is_a_value_that_starts_with_an_element_or_a_comment() -> None:
    """The one test the planner renders by and the 7.2 client labels a write's format by
    (model/markdown.py): autolinks and a `<` in prose are Markdown."""
    html = ["<p>x</p>", " <div\n>", "<!-- c -->x", "<br/>"]
    markdown = ["# Title", "<https://a.b>", "<a@b.c>", "2 < 3", "<3 cats>"]
    assert [text for text in html + markdown if looks_like_html(text)] == html


def test_export_writes_a_markdown_description_as_it_is_stored(repo: Path) -> None:
    assert run_main("apply", "backlog.yaml", "--yes")[0] == 0
    code, out = run_main("export", "--out", "exported")
    assert code == 0, out
    written = "".join(path.read_text() for path in sorted((repo / "exported").glob("*.yaml")))
    assert "payment, with `3-D Secure`" in written
    assert "<li>" not in written


def test_a_saved_native_plan_is_written_as_markdown_whatever_the_apply_config_says(
    repo: Path,
) -> None:
    assert run_main("plan", "backlog.yaml", "--out", "plan.json")[0] == 0
    assert json.loads((repo / "plan.json").read_text(encoding="utf-8"))["markdown"] is True
    # the pipeline that applies it has lost the setting: the plan still knows what it holds
    (repo / "witsync.yaml").write_text(CONFIG.replace("markdown: native\n", ""), encoding="utf-8")
    assert run_main("apply", "--plan", "plan.json", "--yes")[0] == 0
    story, _ = _board_items(repo / ".witsync" / "board.sqlite")
    assert story["fields"]["System.Description"] == DESCRIPTION
    assert story["multilineFieldsFormat"]["System.Description"] == "markdown"


def test_a_plan_for_html_says_nothing_of_markdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli_repo(tmp_path, monkeypatch, CONFIG.replace("markdown: native\n", ""), BACKLOG)
    assert run_main("plan", "backlog.yaml", "--out", "plan.json")[0] == 0
    assert "markdown" not in json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
