"""`witsync apply` from the command line, on the embedded local board in a temporary folder."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from cli_support import cli_repo
from rich.console import Console

from witsync.ado.client import Client
from witsync.cli import main
from witsync.commands import apply as apply_command
from witsync.config import Settings
from witsync.connect import open_client
from witsync.errors import INTERRUPTED
from witsync.model import ItemResult
from witsync.rendering.result import ApplyProgress

CONFIG = "project: Proj\nscope: web\nremoval: delete\n"
BACKLOG = """\
apiVersion: witsync/v1
items:
  - key: epic
    type: Epic
    title: The epic
    children:
      - key: story
        type: User Story
        title: A story
        priority: 2
  - key: loose
    type: User Story
    title: On its own
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return cli_repo(tmp_path, monkeypatch, CONFIG, BACKLOG)


def board_items(repo: Path) -> dict[str, dict[str, object]]:
    """Titles (and ids) of every item on the local board, by title."""

    async def read() -> dict[str, dict[str, object]]:
        settings = Settings(project="Proj", board_path=repo / ".witsync/board.sqlite")
        async with open_client(settings, {}) as client:
            ids = await client.query_ids(
                "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project"
                " ORDER BY [System.Id]"
            )
            return {
                str(item.title): {"id": item.id, **item.fields}
                for item in await client.get_items(ids)
            }

    return asyncio.run(read())


def edit_title(repo: Path, item_id: int, title: str) -> None:
    async def edit() -> None:
        settings = Settings(project="Proj", board_path=repo / ".witsync/board.sqlite")
        async with open_client(settings, {}) as client:
            op = {"op": "replace", "path": "/fields/System.Title", "value": title}
            await client.update_item(item_id, [op])

    asyncio.run(edit())


def test_apply_off_a_terminal_needs_yes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apply"]) == 1
    err = capsys.readouterr().err
    assert "--yes" in err
    assert "3 to create" in err  # the plan was shown before refusing
    assert board_items(repo) == {}


def test_apply_yes_writes_shows_each_item_and_a_second_run_has_nothing_to_do(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "--yes"]) == 0
    captured = capsys.readouterr()
    # text mode: the result (a line per item, the summary) is the output, on stdout, as the
    # README promises; the plan shown first and the target go to stderr
    lines = captured.out.splitlines()
    assert sorted(line.split()[2] for line in lines[:3]) == ["epic", "loose", "story"]
    assert all(line.startswith("applied  create") for line in lines[:3])
    assert lines[3:] == ["Apply complete: 3 applied, 0 conflict, 0 failed, 0 skipped."]
    assert "applied  create" not in captured.err
    assert "3 to create" in captured.err
    assert set(board_items(repo)) == {"The epic", "A story", "On its own"}
    assert main(["apply", "--yes"]) == 0
    captured = capsys.readouterr()
    assert "No changes" in captured.err
    assert captured.out == "Apply complete: 0 applied, 0 conflict, 0 failed, 0 skipped.\n"


def test_format_json_prints_only_the_result_document(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "--yes", "--format", "json", "--parallelism", "2"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is True
    assert document["summary"] == {"applied": 3, "conflict": 0, "failed": 0, "skipped": 0}
    assert {i["key"] for i in document["items"]} == {"epic", "story", "loose"}
    assert all(i["action"] == "create" and isinstance(i["id"], int) for i in document["items"])
    assert document["target"]["scope"] == "web"


def test_parallelism_is_the_clients_bound_on_requests_in_flight(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--parallelism 16 would stop at the client's default of 8 unless the client is opened
    with it (test_connect checks that the bound holds on the wire)."""
    bounds: list[int] = []

    def recording_open_client(
        settings: Settings, environ: Mapping[str, str], *, max_concurrency: int = 8
    ) -> Client:
        bounds.append(max_concurrency)
        return open_client(settings, environ, max_concurrency=max_concurrency)

    monkeypatch.setattr(apply_command, "open_client", recording_open_client)
    assert main(["apply", "--yes", "--parallelism", "16"]) == 0
    assert main(["apply", "--yes"]) == 0
    assert bounds == [16, apply_command.DEFAULT_PARALLELISM]
    assert set(board_items(repo)) == {"The epic", "A story", "On its own"}


def test_a_saved_plan_is_applied_exactly_and_guards_against_later_edits(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "--yes"]) == 0
    (repo / "backlog.yaml").write_text(
        BACKLOG.replace("The epic", "The epic, renamed").replace("On its own", "Renamed too")
    )
    assert main(["plan", "--out", "plan.json"]) in (0, 2)
    # the manifests change again after the plan: the saved plan, not the manifests, is applied
    (repo / "backlog.yaml").write_text(BACKLOG.replace("A story", "Not in the plan"))
    loose = board_items(repo)["On its own"]
    edit_title(repo, int(str(loose["id"])), "A person's title")
    capsys.readouterr()
    assert main(["apply", "--plan", "plan.json", "--yes"]) == 1
    out = capsys.readouterr().out  # the result, conflicts included
    titles = set(board_items(repo))
    assert "The epic, renamed" in titles
    assert "A story" in titles  # the later manifest change was not applied
    assert "A person's title" in titles  # the person's edit was not overwritten
    assert "plan again" in out
    assert f"#{loose['id']}" in out


def test_a_saved_plan_for_another_target_is_refused(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "--out", "plan.json"]) in (0, 2)
    capsys.readouterr()
    assert main(["apply", "--plan", "plan.json", "--yes", "--project", "Other"]) == 1
    err = capsys.readouterr().err
    assert "the plan was made for" in err
    assert "'Other'" in err
    assert not (repo / ".witsync/board.sqlite").exists() or board_items(repo) == {}


def test_a_saved_local_plan_applied_elsewhere_finds_no_board_and_makes_none(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["apply", "--yes"]) == 0
    (repo / "backlog.yaml").write_text(BACKLOG.replace("The epic", "The epic, renamed"))
    assert main(["plan", "--out", "plan.json"]) in (0, 2)
    elsewhere = repo.parent / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    capsys.readouterr()
    assert main(["apply", "--plan", str(repo / "plan.json"), "--yes"]) == 1
    err = capsys.readouterr().err
    assert f"there is no local board at {Path('.witsync') / 'board.sqlite'}" in err
    assert "where `witsync plan` ran" in err
    assert not (elsewhere / ".witsync").exists()  # no empty board that calls every item deleted
    assert "The epic" in board_items(repo)  # the plan's board was not touched


def test_plan_and_paths_together_are_refused(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "--plan", "plan.json", "backlog.yaml", "--yes"]) == 1
    assert "not both" in capsys.readouterr().err


def test_a_missing_plan_file_is_a_clear_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "--plan", "nope.json", "--yes"]) == 1
    assert "nope.json" in capsys.readouterr().err


def test_prune_removes_what_left_the_manifests_only_when_asked(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "--yes"]) == 0
    (repo / "backlog.yaml").write_text(BACKLOG.split("  - key: loose")[0])
    assert main(["apply", "--yes"]) == 0
    assert "On its own" in board_items(repo)  # reported, not removed
    assert main(["apply", "--yes", "--prune"]) == 0
    assert "On its own" not in board_items(repo)  # removal: delete (recycle bin)
    assert {"The epic", "A story"} <= set(board_items(repo))


class FakeTerminal(io.StringIO):
    """stdin of a person at a terminal who types `answer`."""

    def __init__(self, answer: str) -> None:
        super().__init__(answer + "\n")

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "code", "written"), [("no", 1, False), ("yes", 0, True)])
def test_on_a_terminal_apply_asks_first_and_shows_a_progress_bar(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    answer: str,
    code: int,
    written: bool,
) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(sys, "stdin", FakeTerminal(answer))
    monkeypatch.setattr(
        apply_command,
        "stderr_console",
        lambda: Console(file=screen, force_terminal=True, width=120, highlight=False),
    )
    assert main(["apply"]) == code
    text = screen.getvalue()
    assert "Only 'yes' is accepted" in text
    assert bool(board_items(repo)) == written
    out = capsys.readouterr().out
    if written:
        assert "Apply complete: 3 applied" in out  # the result, on stdout
        assert "Apply complete" not in text
        assert "applying" in text  # the bar, on stderr
    else:
        assert "Apply cancelled: nothing was written." in text
        assert out == ""


def test_a_saved_plan_of_new_items_links_them_by_the_ids_they_get(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "--out", "plan.json"]) in (0, 2)
    assert main(["apply", "--plan", "plan.json", "--yes"]) == 0
    items = board_items(repo)
    assert items["A story"]["System.Parent"] == items["The epic"]["id"]
    capsys.readouterr()
    assert main(["plan", "--detailed-exitcode"]) == 0


TITLES = {"epic": "The epic", "story": "A story", "loose": "On its own"}


@pytest.mark.parametrize("signals", [1, 2], ids=["once", "twice"])
def test_ctrl_c_while_writing_reports_what_landed_and_exits_130(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, signals: int
) -> None:
    """Once: no write starts after it, each result is known. Twice: aborted at once, and what
    was under way is reported as maybe written. Either way the JSON document is printed and the
    signal handlers are the ones from before."""
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)

    class CtrlCAtTheFirstResult(ApplyProgress):
        def report(self, result: ItemResult) -> None:
            super().report(result)
            if not getattr(self, "sent", False):
                self.sent = True
                for _ in range(signals):
                    os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(apply_command, "ApplyProgress", CtrlCAtTheFirstResult)
    assert main(["apply", "--yes", "--format", "json"]) == 130
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["interrupted"] == "SIGINT"
    assert "Apply interrupted (SIGINT)" in captured.err
    on_board = set(board_items(repo))
    outcome = {i["key"]: (i["outcome"], i["message"]) for i in document["items"]}
    assert set(outcome) == set(TITLES)
    for key, (result, message) in outcome.items():
        if result == "applied":
            assert TITLES[key] in on_board
        elif signals == 1 or "may or may not" not in str(message):
            assert (result, message) == ("skipped", INTERRUPTED)
            assert TITLES[key] not in on_board
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers


def test_ctrl_c_while_planning_writes_nothing_and_exits_130(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the writes, Ctrl-C keeps its usual meaning: stop now (nothing was written)."""
    plan_against = apply_command.plan_against

    async def interrupted_plan(*args: object, **kwargs: object) -> object:
        os.kill(os.getpid(), signal.SIGINT)
        return await plan_against(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(apply_command, "plan_against", interrupted_plan)
    assert main(["apply", "--yes", "--format", "json"]) == 130
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "witsync: interrupted" in captured.err
    assert board_items(repo) == {}
