"""The command line as pipelines and new users meet it (issue 12): usage mistakes exit 1 with a
did-you-mean, validate checks against the project's process when it has a target, a failed plan
still writes its pull-request comment, and the local board holds the areas witsync.yaml declares.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cli_support import cli_repo, witsync

from witsync.cli import main

MANIFEST = """\
apiVersion: witsync/v1
project: Fabrikam
scope: web
items:
  - key: story
    type: User Story
    title: A story
"""


# -- 1. a usage mistake exits 1, never 2 (which --detailed-exitcode keeps for "changes") ------


def test_a_mistyped_flag_exits_1_with_the_usage_and_a_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "backlog").mkdir()
    (tmp_path / "backlog" / "a.yaml").write_text(MANIFEST)
    done = witsync("plan", "backlog", "--detailed-exitcode", "--fromat", "json", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0].startswith("usage: witsync plan ")  # the command's usage, not the top one
    assert "witsync plan: error: unrecognized arguments: --fromat json" in lines
    assert lines[-1] == "  hint: did you mean '--format'?"


@pytest.mark.parametrize(
    ("argv", "error", "hint"),
    [
        (["plan", "--format", "jsn"], "argument --format: invalid choice: 'jsn'", "'json'"),
        (["aply", "--yes"], "argument COMMAND: invalid choice: 'aply'", "'apply'"),
        (["apply", "--yse"], "unrecognized arguments: --yse", "'--yes'"),
        (["plan", "--detailed-exitcodes"], "--detailed-exitcodes", "'--detailed-exitcode'"),
        (["plan", "--bogus"], "unrecognized arguments: --bogus", None),
        (["serve", "--port", "http"], "argument --port: not a port number: 'http'", None),
        ([], "the following arguments are required: COMMAND", None),
    ],
)
def test_every_usage_mistake_exits_1(
    argv: list[str], error: str, hint: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("usage: witsync")
    assert error in err
    if hint is not None:
        assert err.endswith(f"  hint: did you mean {hint}?\n")
    else:
        assert "did you mean '--out'" not in err  # nothing far-fetched
        assert "--help" in err.splitlines()[-1] or "did you mean" in err


# -- 4. validate: offline it says what it could not check; with a target it checks the process


def test_validate_offline_says_which_checks_need_the_board(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_repo(tmp_path, monkeypatch, "scope: web\n", MANIFEST.replace("User Story", "user story"))
    assert main(["validate"]) == 0
    out, err = capsys.readouterr()
    assert out == "valid: 1 item in 1 file, scope web, project Fabrikam\n"
    assert (
        "checked offline; work item types, fields, states, picklist values, area and iteration "
        "paths need the board: give --org URL" in err
    )


WRONG = """\
apiVersion: witsync/v1
project: Fabrikam
scope: web
items:
  - key: typo-type
    type: user story
    title: The type in the wrong case
  - key: checks
    type: User Story
    title: Everything else wrong
    state: Started
    area: Fabrikam\\Nowhere
    iteration: Fabrikam\\Sprint 99
    fields:
      Custom.Nope: 1
"""


@pytest.mark.parametrize("target", ["flag", "config", "environment"])
def test_validate_with_a_target_checks_the_process_and_reports_every_problem_at_its_place(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    emulator_server: str,
    target: str,
) -> None:
    org = f"{emulator_server}/validate"
    config = f"scope: web\norg: {org}\n" if target == "config" else "scope: web\n"
    cli_repo(tmp_path, monkeypatch, config, WRONG)
    argv = ["validate", "backlog.yaml"]
    if target == "flag":
        argv += ["--org", org]
    elif target == "environment":
        monkeypatch.setenv("WITSYNC_ORG_URL", org)
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert out == ""
    problems = [line for line in err.splitlines() if ": error: " in line]
    assert problems == [
        "backlog.yaml:5:5: error: unknown work item type 'user story' for 'typo-type'",
        "backlog.yaml:11:5: error: 'Started' is not a state of User Story",
        "backlog.yaml:12:5: error: unknown area path 'Fabrikam\\Nowhere'",
        "backlog.yaml:13:5: error: unknown iteration path 'Fabrikam\\Sprint 99'",
        "backlog.yaml:15:7: error: unknown field Custom.Nope",
    ]
    assert "  hint: did you mean 'User Story'?" in err

    (tmp_path / "backlog.yaml").write_text(MANIFEST)
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out == (
        "valid: 1 item in 1 file, scope web, project Fabrikam; checked against the process of "
        f"{org} (project Fabrikam)\n"
    )
    assert "checked offline" not in err


# -- 5. invalid manifests: the pull-request comment lists the errors ----------------------------


def test_plan_markdown_with_invalid_manifests_writes_a_comment_listing_the_errors(
    tmp_path: Path,
) -> None:
    (tmp_path / "backlog").mkdir()
    (tmp_path / "backlog" / "a.yaml").write_text(
        MANIFEST.replace("title", "titel") + "  - key: task\n    type: Task\n    titel: Twice\n"
    )
    done = witsync("plan", "backlog", "--format", "markdown", cwd=tmp_path)
    assert done.returncode == 1
    comment = done.stdout
    assert comment.startswith("### witsync plan: 2 errors in the manifests\n")
    for line in (7, 10):
        row = f"| `backlog/a.yaml:{line}:5` | unknown property 'titel' in an entry of items | did "
        assert row + "you mean 'title'? |" in comment
    assert "backlog/a.yaml:10:5: error: unknown property 'titel'" in done.stderr  # the log too


def test_plan_markdown_lists_what_the_process_refuses_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_repo(
        tmp_path, monkeypatch, "scope: web\n", MANIFEST + "    area: Fabrikam\\Nowhere\n"
    )
    assert main(["plan", "--format", "markdown"]) == 1
    comment = capsys.readouterr().out
    assert "unknown area path 'Fabrikam\\\\Nowhere'" in comment
    assert comment.startswith("### witsync plan for project Fabrikam, scope `web`: 1 error in")
    assert "| `backlog.yaml:8:5` |" in comment


def test_plan_text_and_json_write_nothing_to_stdout_when_the_manifests_are_invalid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_repo(tmp_path, monkeypatch, "scope: web\n", MANIFEST.replace("title", "titel"))
    for output in ("text", "json"):
        assert main(["plan", "--format", output]) == 1
        assert capsys.readouterr().out == ""


# -- 13. the local board holds the areas and iterations witsync.yaml declares ------------------

ACME = """\
apiVersion: witsync/v1
project: Acme
scope: web
items:
  - key: checkout
    type: User Story
    title: Checkout
    area: Acme\\Web
    iteration: Acme\\Release 1\\Sprint 7
"""


def test_the_local_board_holds_the_areas_and_iterations_witsync_yaml_declares(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_repo(tmp_path, monkeypatch, "scope: web\n", ACME)
    assert main(["apply", "--yes"]) == 1  # undeclared: the board does not have them
    err = capsys.readouterr().err
    assert "unknown area path 'Acme\\Web'" in err
    assert "unknown iteration path 'Acme\\Release 1\\Sprint 7'" in err

    (tmp_path / "witsync.yaml").write_text(
        "scope: web\n"
        "areas: [Acme\\Web]\n"
        "iterations:\n"
        "  - path: Acme\\Release 1\\Sprint 7\n"
        "    startDate: 2026-01-05\n"
        "    finishDate: 2026-01-16\n"
    )
    assert main(["apply", "--yes"]) == 0
    assert "Apply complete: 1 applied" in capsys.readouterr().out
    assert main(["plan", "--detailed-exitcode"]) == 0


# -- 2. waiting: timeouts, feedback per phase, -v ----------------------------------------------


@contextmanager
def never_answering() -> Iterator[str]:
    """An organization URL on a loopback port that accepts connections (the kernel completes the
    handshake) and never answers a request."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/silent"


@pytest.mark.parametrize("where", ["flag", "config"])
def test_an_org_that_never_answers_is_a_clear_error_after_the_timeout(
    tmp_path: Path, where: str
) -> None:
    (tmp_path / "backlog").mkdir()
    (tmp_path / "backlog" / "a.yaml").write_text(MANIFEST)
    with never_answering() as org:
        if where == "flag":
            done = witsync("plan", "backlog", "--org", org, "--timeout", "0.5", cwd=tmp_path)
        else:
            (tmp_path / "backlog" / "witsync.yaml").write_text(f"org: {org}\ntimeout: 0.5\n")
            done = witsync("plan", "backlog", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    # tried once more (with a warning), not six times: no six minutes of silence
    retried = rf"witsync: GET {org}/\S+: no answer within 0.5 s, retry 1 in \S+ s"
    assert any(re.fullmatch(retried, line) for line in lines), done.stderr
    error = [line for line in lines if line.startswith("witsync: error:")]
    assert len(error) == 1
    assert re.fullmatch(
        rf"witsync: error: no answer within 0.5 s for GET {org}/Fabrikam/_apis/wit/\S+ "
        r"\(tried 2 times\)",
        error[0],
    ), error
    assert "--timeout SECONDS" in lines[-1]
    assert "Traceback" not in done.stderr


def test_off_a_terminal_each_phase_is_a_line_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_repo(tmp_path, monkeypatch, "scope: web\n", MANIFEST + "    priority: 2\n")
    assert main(["apply", "--yes"]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if re.search(r"\(\d+\.\d s\)$", line)]
    phases = {line.split(":")[0]: line for line in lines}
    expected = ["reading the process", "querying the managed set", "reading work items", "writing"]
    assert [name for name in phases if name in expected] == expected  # in this order
    process = r"reading the process: 6 work item types, \d+ fields, 1 area, 7 iterations \("
    assert re.match(process, phases["reading the process"])
    assert phases["querying the managed set"].startswith("querying the managed set: 0 managed i")
    assert phases["writing"].startswith("writing: 1 item (")
    assert main(["plan"]) == 0
    err = capsys.readouterr().err
    assert "querying the managed set: 1 managed item (" in err
    assert "reading work items: 1 item (" in err


def test_verbose_logs_every_request_and_never_the_token(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    emulator_server: str,
) -> None:
    secret = "pat-that-never-shows"
    org = f"{emulator_server}/verbose"
    cli_repo(tmp_path, monkeypatch, f"scope: web\norg: {org}\n", MANIFEST)
    monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", secret)
    assert main(["plan"]) == 0
    assert f"witsync: GET {org}" not in capsys.readouterr().err  # without -v: no request lines
    assert main(["plan", "-v"]) == 0
    err = capsys.readouterr().err
    request = r"witsync: \w+ \S+ \d{3} \d+ ms"
    requests = [line for line in err.splitlines() if re.fullmatch(request, line)]
    assert f"witsync: POST {org}/Fabrikam/_apis/wit/wiql 200" in "\n".join(requests)
    assert any(f"GET {org}/Fabrikam/_apis/wit/workitemtypes 200" in line for line in requests)
    assert secret not in err

    # validate reads the process and nothing else: no query, no work item
    assert main(["validate", "-v"]) == 0
    err = capsys.readouterr().err
    logged = [line for line in err.splitlines() if re.match(r"witsync: [A-Z]+ http", line)]
    assert logged
    process = r"/_apis/wit/(workitemtypes|fields|classificationnodes) "
    assert all(re.search(process, line) for line in logged), logged


def test_validate_checks_picklist_values_against_the_board(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    emulator_server: str,
) -> None:
    cli_repo(
        tmp_path,
        monkeypatch,
        f"scope: web\norg: {emulator_server}/picklists\n",
        MANIFEST + "    risk: 4 - None\n    valueArea: business\n",
    )
    assert main(["validate"]) == 1
    err = capsys.readouterr().err
    assert (
        "backlog.yaml:8:5: error: '4 - None' is not an allowed value of risk "
        "(Microsoft.VSTS.Common.Risk) for User Story\n"
        "  hint: allowed values: '1 - High', '2 - Medium', '3 - Low'"
    ) in err
    assert (
        "backlog.yaml:9:5: error: 'business' is not an allowed value of valueArea "
        "(Microsoft.VSTS.Common.ValueArea) for User Story\n  hint: did you mean 'Business'?"
    ) in err
