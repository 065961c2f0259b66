"""`witsync export` against `witsync serve` over a real socket, on a board people filled.

The board is seeded through the REST API as other users (Carol, Dan), not by witsync: HTML
descriptions (some that read as Markdown, some that do not), identities, tags with odd
characters, related and dependency links, a tree of items in several states, areas and
iterations. The export must validate, read as a person would write it, and make the first plan
an adoption only: the marker, nothing else.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from board_support import seed_team_board
from ruamel.yaml import YAML
from serving import served

from witsync.cli import main

PROJECT = "Fabrikam"
ORG = "exportorg"
SCOPE = "web-team"
PAT = "export-test-pat"


@pytest.fixture
def board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", PAT)
    monkeypatch.delenv("WITSYNC_ORG_URL", raising=False)
    with served(tmp_path / "board.sqlite", projects=[PROJECT]) as base:
        ids = asyncio.run(seed_team_board(f"{base}/{ORG}", PROJECT))
        yield f"{base}/{ORG}", ids


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def entries(document: Any) -> list[dict[str, Any]]:
    found = []
    stack = list(document["items"])
    while stack:
        entry = stack.pop(0)
        found.append(entry)
        stack.extend(entry.get("children", []))
    return found


def test_export_writes_manifests_a_person_could_have_written(board, capsys, tmp_path):
    org, ids = board
    code, _, err = run(
        capsys,
        "export", "--org", org, "--project", PROJECT, "--scope", SCOPE,
        "--area", "Fabrikam\\Web", "--out", "backlog",
    )  # fmt: skip
    assert code == 0, err
    out = tmp_path / "backlog"
    assert sorted(path.name for path in out.iterdir()) == [
        "customers-can-sign-in.yaml",
        "sign-in-redirects-forever-when-cookies-are-blocked.yaml",
        "witsync.yaml",
    ]
    config = load(out / "witsync.yaml")
    assert config == {"org": org, "project": PROJECT, "scope": SCOPE}
    text = (out / "customers-can-sign-in.yaml").read_text()
    assert text.startswith("# Exported by `witsync export` from http://127.0.0.1:")
    assert "\n# Selected: --area 'Fabrikam\\Web'.\n" in text.split("apiVersion")[0]
    document = load(out / "customers-can-sign-in.yaml")
    assert document["defaults"] == {"area": "Fabrikam\\Web"}  # every item there shares it
    epic = document["items"][0]
    assert epic["key"] == "customers-can-sign-in"
    assert epic["id"] == ids["epic"]
    assert epic["priority"] == 1
    assert epic["tags"] == ["c#", "identity", "Q3: planning"]
    assert epic["description"] == (
        "Every customer signs in with the account they **already** have.\n\n"
        "- Microsoft first\n- then GitHub\n"
    )
    feature = epic["children"][0]
    assert feature["assignedTo"] == "dan.park@fabrikam.com"
    assert feature["state"] == "Active"
    assert feature["description"] == "<div>Typed in the web form</div><div><br></div>"
    story = feature["children"][0]
    assert story["tags"] == ['"quoted"', "a/b (x)", "ux"]
    assert story["related"] == [ids["ops"]]  # outside the export: by id
    assert story["iteration"] == "Fabrikam\\Sprint 1"
    build, spike, again = story["children"]
    assert (build["key"], build["id"]) == ("build-the-button", ids["task"])
    assert (again["key"], again["id"]) == (
        f"build-the-button-{ids['same-title']}",
        ids["same-title"],
    )
    assert build["remainingWork"] == 4
    assert build["originalEstimate"] == 6.5
    assert build["assignedTo"] == "carol@fabrikam.com"
    assert spike["state"] == "Closed"
    assert spike["completedWork"] == 2
    # defaults of the type are left out: a new item's state, priority 2, the root iteration
    for entry in entries(document):
        assert entry.get("state") != "New"
        assert "priority" not in entry or entry["priority"] != 2
        assert all(not str(tag).startswith("witsync:") for tag in entry.get("tags", []))
    assert "iteration" not in epic
    assert "state" not in epic
    bug = load(out / "sign-in-redirects-forever-when-cookies-are-blocked.yaml")["items"][0]
    assert bug["area"] == "Fabrikam\\Web\\Checkout"
    # inside the export, by key, once: on the end with the lower id (the task)
    assert build["successors"] == ["sign-in-redirects-forever-when-cookies-are-blocked"]
    assert "predecessors" not in bug
    assert bug["description"].endswith("no HTML here, just text")  # kept as the board has it

    code, out_text, _ = run(capsys, "validate", "backlog")
    assert code == 0
    assert f"valid: {len(entries(document)) + 1} items in 2 files, scope {SCOPE}" in out_text
    assert re.search(r"\((\d+) requests", err)


def test_the_first_plan_only_adopts_and_after_apply_nothing_is_left(board, capsys):
    org, _ = board
    code, _, err = run(
        capsys, "export", "--org", org, "--project", PROJECT, "--scope", SCOPE, "--out", "all"
    )
    assert code == 0, err
    code, out, err = run(capsys, "plan", "all", "--format", "json")
    assert code == 0, err
    plan = json.loads(out)
    actions = plan["actions"]
    assert actions
    assert {action["action"] for action in actions} == {"adopt"}
    for action in actions:
        assert action["links"] == []
        (change,) = action["changes"]  # the scope tag: part of the marker
        assert change["field"] == "System.Tags"
        before = set(filter(None, (change["before"] or "").split("; ")))
        assert set(change["after"].split("; ")) == before | {f"witsync:{SCOPE}"}
    code, _, err = run(capsys, "apply", "all", "--yes")
    assert code == 0, err
    code, out, _ = run(capsys, "plan", "all", "--detailed-exitcode")
    assert code == 0, out
    assert "No changes." in out
    # exported again, now that the items carry the marker: the same files, byte for byte
    code, _, err = run(
        capsys, "export", "--org", org, "--project", PROJECT, "--scope", SCOPE, "--out", "again"
    )
    assert code == 0, err
    first, again = Path("all"), Path("again")
    assert sorted(p.name for p in again.iterdir()) == sorted(p.name for p in first.iterdir())
    for path in first.iterdir():
        assert (again / path.name).read_text() == path.read_text(), path.name


def test_selections_and_file_layouts(board, capsys, tmp_path):
    org, ids = board
    target = ["--org", org, "--project", PROJECT, "--scope", SCOPE]

    code, _, err = run(capsys, "export", *target, "--under", str(ids["feature"]), "--out", "a")
    assert code == 0, err
    (only,) = [path for path in (tmp_path / "a").glob("*.yaml") if path.name != "witsync.yaml"]
    feature = load(only)["items"][0]
    assert feature["id"] == ids["feature"]
    assert feature["parent"] == ids["epic"]  # its parent is outside the export: by id
    assert {e["id"] for e in entries(load(only))} == {
        ids[name] for name in ("feature", "story", "task", "closed", "same-title")
    }

    code, _, err = run(
        capsys, "export", *target, "--ids", f"{ids['bug']},{ids['billing']}", "--out", "b"
    )
    assert code == 0, err
    assert {path.name for path in (tmp_path / "b").iterdir()} == {
        "billing-without-paper.yaml",
        "sign-in-redirects-forever-when-cookies-are-blocked.yaml",
        "witsync.yaml",
    }

    query = (
        "SELECT [System.Id] FROM WorkItems WHERE [System.WorkItemType] = 'Epic' "
        "ORDER BY [System.Id]"
    )
    code, _, err = run(capsys, "export", *target, "--query", query, "--split", "area", "--out", "c")
    assert code == 0, err
    assert {path.name for path in (tmp_path / "c").iterdir()} == {
        "mobile.yaml", "web.yaml", "witsync.yaml",
    }  # fmt: skip
    web = load(tmp_path / "c" / "web.yaml")
    # an area written in `defaults:` needs not be repeated; the epics relate: once, by key
    assert "defaults" not in web  # one item only: nothing to share
    billing = load(tmp_path / "c" / "mobile.yaml")["items"][0]
    assert "related" not in billing  # the lower id (the sign-in epic) holds it
    assert web["items"][0]["related"] == ["billing-without-paper"]

    code, _, err = run(
        capsys, "export", *target, "--iteration", "Fabrikam\\Sprint 1", "--fields",
        "valueArea,Microsoft.VSTS.Common.StackRank", "--out", "d",
    )  # fmt: skip
    assert code == 0, err
    found = {e["id"] for path in (tmp_path / "d").glob("*.yaml") if path.name != "witsync.yaml"
             for e in entries(load(path))}  # fmt: skip
    assert found == {ids["story"], ids["task"]}
    for name in ("a", "b", "c", "d"):
        assert run(capsys, "validate", name)[0] == 0


def test_export_never_overwrites_without_force(board, capsys, tmp_path):
    org, ids = board
    target = ["--org", org, "--project", PROJECT, "--scope", SCOPE]
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    code, _, err = run(capsys, "export", *target, "--ids", str(ids["bug"]), "--out", "out")
    assert code == 1
    assert "is not empty" in err
    assert "--force" in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["notes.txt"]
    assert (
        run(capsys, "export", *target, "--ids", str(ids["epic"]), "--out", "out", "--force")[0] == 0
    )
    assert (tmp_path / "out" / "customers-can-sign-in.yaml").is_file()
    # a second export replaces what the first wrote (no key twice), and leaves other files
    code, _, err = run(
        capsys, "export", *target, "--ids", str(ids["bug"]), "--out", "out", "--force"
    )
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "notes.txt", "sign-in-redirects-forever-when-cookies-are-blocked.yaml", "witsync.yaml",
    ]  # fmt: skip
    code, _, err = run(capsys, "export", *target, "--fields", "nonsense", "--out", "x")
    assert code == 1
    assert "unknown field name 'nonsense'" in err


def test_export_reads_with_one_query_and_batches_of_200(board, capsys):
    org, ids = board
    code, _, err = run(
        capsys, "export", "--org", org, "--project", PROJECT, "--scope", SCOPE, "--out", "all"
    )
    assert code == 0, err
    count = int(re.search(r"exported (\d+) work items", err).group(1))
    requests = int(re.search(r"\((\d+) requests", err).group(1))
    assert count == len(ids)
    # 1 WIQL + ceil(N / 200) batch reads + 3 for the process (types, fields, paths)
    assert requests <= 1 + math.ceil(count / 200) + 3
