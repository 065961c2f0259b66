"""The library API (`import witsync`): what it exports, and the README's example run as written."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import served

import witsync
from witsync.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "agile"
EXAMPLE = ROOT / "tests" / "example_library.py"
SAMPLE_ITEMS = 12

PUBLIC = [
    "Action",
    "AuthError",
    "ConfigError",
    "ConflictError",
    "Desired",
    "DesiredItem",
    "Diagnostic",
    "FieldChange",
    "ItemResult",
    "LinkChange",
    "Location",
    "ManifestError",
    "NotFoundError",
    "Plan",
    "PlanFileError",
    "PlanWarning",
    "Result",
    "ServerError",
    "Target",
    "Token",
    "TransientError",
    "WitsyncError",
    "__version__",
    "aapply",
    "aplan",
    "apply",
    "dump_plan",
    "load_manifests",
    "load_plan",
    "plan",
    "render",
]


def test_all_is_pinned() -> None:
    """Adding to or removing from the public API is a decision: change this list with it."""
    assert witsync.__all__ == PUBLIC
    for name in PUBLIC:
        assert getattr(witsync, name) is not None, name
    for module in ("witsync.commands.plan", "witsync.commands.apply", "witsync.emulator"):
        importlib.import_module(module)  # a module loaded later must not shadow a function
    for name in ("load_manifests", "plan", "aplan", "apply", "aapply", "render"):
        assert inspect.isfunction(getattr(witsync, name)), name
    assert issubclass(witsync.ManifestError, witsync.WitsyncError)
    assert issubclass(witsync.AuthError, witsync.ServerError)


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from witsync import *", namespace)
    assert sorted(name for name in namespace if name != "__builtins__") == sorted(PUBLIC)


def readme_example() -> str:
    """The Python block right after `<!-- library:example -->` in README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- library:example -->\s*```python\n(.+?)\n```", text, re.DOTALL)
    assert match, "README has no library:example block"
    return match.group(1)


def project(tmp_path: Path) -> Path:
    """A folder holding a fresh copy of samples/agile (its witsync.yaml, no board)."""
    shutil.copytree(SAMPLE, tmp_path / "samples" / "agile", ignore=shutil.ignore_patterns(".*"))
    return tmp_path


def run_python(args: list[str], cwd: Path, org: str | None) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter, as a user's script runs: no token, the org only if given."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"WITSYNC_ORG_URL", "AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"}
    }
    if org is not None:
        env["WITSYNC_ORG_URL"] = org
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def outcomes(stdout: str) -> list[str]:
    """The `key id outcome` lines the README example prints for the apply."""
    return re.findall(r"^\S+ \d+ (applied|conflict|failed|skipped)", stdout, re.MULTILINE)


def test_the_readme_example_on_the_local_board(tmp_path: Path) -> None:
    folder = project(tmp_path)
    done = run_python(["-c", readme_example()], folder, org=None)
    assert done.returncode == 0, done.stderr
    assert f"{SAMPLE_ITEMS} items for scope fabrikam-web" in done.stdout
    assert outcomes(done.stdout) == ["applied"] * SAMPLE_ITEMS
    assert (folder / "samples/agile/.witsync/board.sqlite").is_file()
    # run again: the board already matches, so nothing is planned or written
    again = run_python(["-c", readme_example()], folder, org=None)
    assert again.returncode == 0, again.stderr
    assert outcomes(again.stdout) == []


def test_the_readme_example_against_witsync_serve(tmp_path: Path, emulator_server: str) -> None:
    folder = project(tmp_path)
    done = run_python(["-c", readme_example()], folder, org=f"{emulator_server}/acme")
    assert done.returncode == 0, done.stderr
    assert outcomes(done.stdout) == ["applied"] * SAMPLE_ITEMS
    assert not (folder / "samples/agile/.witsync").exists(), "the local board was not touched"


@pytest.mark.parametrize("target", ["local board", "witsync serve"])
def test_the_library_example_script(
    tmp_path: Path, target: str, request: pytest.FixtureRequest
) -> None:
    """tests/example_library.py: load, plan, apply, plan again and find it empty."""
    folder = project(tmp_path)
    org = None
    if target == "witsync serve":
        org = f"{request.getfixturevalue('emulator_server')}/acme"
    args = [str(EXAMPLE), "samples/agile", *([org] if org else [])]
    done = run_python(args, folder, org=None)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"planned {SAMPLE_ITEMS} actions (create), 0 unchanged" in done.stdout
    assert f"planned again: nothing to do ({SAMPLE_ITEMS} unchanged)" in done.stdout


# ---------------------------------------------------------------------------------------------
# In-process: the arguments and rules the README promises


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """samples/agile in a temp folder, run from an unrelated working directory."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    for name in ("WITSYNC_ORG_URL", "AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"):
        monkeypatch.delenv(name, raising=False)
    return project(tmp_path) / "samples" / "agile"


def test_a_local_plan_is_applied_to_the_board_it_was_made_against(repo: Path) -> None:
    plan = witsync.plan(repo)  # one path alone, not a list
    assert plan.board == str(repo / ".witsync" / "board.sqlite")
    assert {action.kind for action in plan.actions} == {"create"}
    assert plan.target.project == "Fabrikam"
    assert plan.target.scope == "fabrikam-web"
    result = witsync.apply(plan)
    assert result.ok
    assert len(result.items) == SAMPLE_ITEMS
    assert all(item.id is not None for item in result.items)
    assert witsync.plan([repo]).is_empty()
    assert not Path(".witsync").exists(), "nothing was written in the working directory"


def test_org_none_is_the_local_board_even_when_witsync_yaml_names_an_org(repo: Path) -> None:
    config = repo / "witsync.yaml"
    config.write_text(config.read_text() + "org: https://boards.example.invalid/fabrikam\n")
    plan = witsync.plan([repo])
    assert plan.target.org_url == "http://local-board/local"
    assert len(plan.actions) == SAMPLE_ITEMS


def test_arguments_override_witsync_yaml(repo: Path, tmp_path: Path) -> None:
    board = tmp_path / "other.sqlite"
    plan = witsync.plan([repo], scope="another-team", board=board)
    assert plan.target.scope == "another-team"
    assert plan.board == str(board)
    assert board.is_file()
    assert not (repo / ".witsync").exists()
    assert witsync.load_manifests([repo], project="Contoso").project == "Contoso"


async def test_async_twins_and_the_sync_calls_inside_a_running_loop(repo: Path) -> None:
    """A notebook runs cells inside an event loop: the synchronous calls work there too."""
    plan = witsync.plan([repo])
    assert len(plan.actions) == SAMPLE_ITEMS
    result = await witsync.aapply(plan)
    assert result.ok
    assert (await witsync.aplan([repo])).is_empty()


def test_load_manifests_reports_every_problem(tmp_path: Path) -> None:
    (tmp_path / "witsync.yaml").write_text("scope: web\n")
    (tmp_path / "a.yaml").write_text("apiVersion: witsync/v1\nitems:\n  - key: a\n    type: Epic\n")
    (tmp_path / "b.yaml").write_text(
        "apiVersion: witsync/v1\nitems:\n  - {key: b, title: B, type: Epic, parent: nope}\n"
    )
    with pytest.raises(witsync.ManifestError) as caught:
        witsync.load_manifests([tmp_path])
    files = {d.location.file for d in caught.value.diagnostics if d.location is not None}
    assert {Path(name).name for name in files} == {"a.yaml", "b.yaml"}


def test_load_manifests_reads_witsync_yaml_beside_them(repo: Path) -> None:
    desired = witsync.load_manifests([repo])
    assert isinstance(desired, witsync.Desired)
    assert (desired.scope, desired.project) == ("fabrikam-web", "Fabrikam")
    assert len(desired.items) == SAMPLE_ITEMS


@pytest.mark.parametrize("format", ["text", "markdown", "json"])
def test_render_is_what_witsync_plan_prints(
    repo: Path, format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = witsync.plan([repo])
    assert main(["plan", str(repo), "--format", format]) == 0
    assert witsync.render(plan, format) == capsys.readouterr().out  # type: ignore[arg-type]


def test_render_json_is_the_plan_file(repo: Path) -> None:
    plan = witsync.plan([repo])
    document = json.loads(witsync.render(plan, "json"))
    assert document["summary"]["create"] == SAMPLE_ITEMS
    assert witsync.load_plan(witsync.render(plan, "json")) == plan
    assert witsync.dump_plan(plan) == witsync.render(plan, "json")
    with pytest.raises(ValueError, match="unknown format"):
        witsync.render(plan, "html")  # type: ignore[arg-type]


def test_a_plan_with_errors_is_not_applied(repo: Path) -> None:
    plan = witsync.plan([repo])
    blocked = dataclasses.replace(
        plan,
        warnings=(witsync.PlanWarning("duplicate-key", "two items", key="msa", severity="error"),),
    )
    assert not blocked.is_empty()
    with pytest.raises(witsync.WitsyncError, match="nothing was written"):
        witsync.apply(blocked)
    assert len(witsync.plan([repo]).actions) == SAMPLE_ITEMS


@pytest.fixture
def pat_server(tmp_path: Path) -> Iterator[str]:
    """`witsync serve` that accepts only the token "s3cret"."""
    with served(
        tmp_path / "pat.sqlite", projects=["Fabrikam"], extra_args=["--pat", "s3cret"]
    ) as url:
        yield url


def test_the_token_reaches_the_organization(repo: Path, pat_server: str) -> None:
    """A string token is a PAT; without it a server that wants one says so (AuthError)."""
    org = f"{pat_server}/acme"
    with pytest.raises(witsync.AuthError):
        witsync.plan([repo], org=org)
    plan = witsync.plan([repo], org=org, token="s3cret")
    assert len(plan.actions) == SAMPLE_ITEMS
    assert plan.board is None
    refused = witsync.apply(plan)  # a plan never holds the token: one per item, none written
    assert not refused.ok
    assert {item.outcome for item in refused.items} == {"failed", "skipped"}
    assert all("token" in str(i.message) for i in refused.items if i.outcome == "failed")
    assert witsync.apply(plan, token=witsync.Token("s3cret", "basic")).ok
    assert witsync.plan([repo], org=org, token="s3cret").is_empty()
