"""The scheduled `witsync pull` samples: weekday mornings, the board's news into one pull request.

tests/test_samples.py checks every pipeline sample against its CI system's schema and parses
its witsync command lines; here the pull samples' behaviour: they run on a schedule, pull with
a Markdown description, and open one pull request or update the open one. The GitHub workflow's
scripts run as GitHub runs them, against the local board, a real git remote and a stand-in `gh`;
the Azure pipeline's, with a stand-in `curl` for the Azure Repos pull-request API.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from test_samples import (
    SAMPLES,
    load_pipeline,
    path_with_witsync,
    run_bash,
    steps_of,
    witsync_commands,
)

from witsync import cli
from witsync.config import Settings
from witsync.connect import open_client

FAKE_GH = '''\
"""A stand-in for the GitHub CLI: the pull-request commands the pull workflow runs."""
import argparse, json, os, sys

state_file = os.environ["FAKE_GH_STATE"]
state = json.load(open(state_file)) if os.path.exists(state_file) else {"prs": []}
parser = argparse.ArgumentParser(prog="gh")
parser.add_argument("noun")
parser.add_argument("verb")
parser.add_argument("number", nargs="?", type=int)
for option in ("--head", "--state", "--json", "--jq", "--body-file", "--title"):
    parser.add_argument(option)
args = parser.parse_args()
if (args.noun, args.verb) == ("pr", "list"):
    assert (args.json, args.jq) == ("number", ".[0].number // empty"), (args.json, args.jq)
    found = [p for p in state["prs"] if p["head"] == args.head and p["state"] == args.state]
    if found:
        print(found[0]["number"])
elif (args.noun, args.verb) == ("pr", "create"):
    state["prs"].append({"number": len(state["prs"]) + 1, "head": args.head, "state": "open",
                         "title": args.title, "body": open(args.body_file).read(), "edits": 0})
elif (args.noun, args.verb) == ("pr", "edit"):
    pr = next(p for p in state["prs"] if p["number"] == args.number)
    pr["body"] = open(args.body_file).read()
    pr["edits"] += 1
else:
    sys.exit(f"fake gh: {sys.argv[1:]} is not a command the pull workflow runs")
json.dump(state, open(state_file, "w"))
'''

FAKE_CURL = '''\
"""A stand-in for curl against the Azure Repos pull-request API: list, create, update."""
import json, os, sys

state_file = os.environ["FAKE_CURL_STATE"]
state = json.load(open(state_file)) if os.path.exists(state_file) else {"prs": []}
args = sys.argv[1:]
method = args[args.index("-X") + 1] if "-X" in args else "GET"
url = args[-1]
body = json.loads(args[args.index("-d") + 1]) if "-d" in args else None
assert "/_apis/git/repositories/" in url and "/pullrequests" in url, url
if method == "GET":
    source = url.split("searchCriteria.sourceRefName=")[1].split("&")[0]
    found = [p for p in state["prs"] if p["sourceRefName"] == source and p["status"] == "active"]
    print(json.dumps({"value": found, "count": len(found)}))
elif method == "POST":
    state["prs"].append({**body, "pullRequestId": len(state["prs"]) + 1, "status": "active",
                         "edits": 0})
elif method == "PATCH":
    number = int(url.split("/pullrequests/")[1].split("?")[0])
    pr = next(p for p in state["prs"] if p["pullRequestId"] == number)
    pr.update(body)
    pr["edits"] += 1
json.dump(state, open(state_file, "w"))
'''


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout


def repository(tmp_path: Path) -> tuple[Path, Path]:
    """A clone of a remote holding the Agile sample as `backlog`, applied to its local board."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "-b", "main", str(remote)], check=True)
    repo = tmp_path / "repo"
    shutil.copytree(SAMPLES / "agile", repo / "backlog")
    (repo / ".gitignore").write_text(".witsync/\n")
    git(repo, "init", "--quiet", "-b", "main")
    git(repo, "config", "user.name", "Test")
    git(repo, "config", "user.email", "test@example.invalid")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "backlog")
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "--quiet", "origin", "main")
    assert cli.main(["apply", str(repo / "backlog"), "--yes"]) == 0
    return repo, remote


def burn_down(repo: Path, title: str, remaining: float) -> None:
    """What a person does on the board: remaining work of a task goes down."""

    async def edit() -> None:
        settings = Settings(project="Fabrikam", board_path=repo / "backlog/.witsync/board.sqlite")
        async with open_client(settings, {}) as client:
            ids = await client.query_ids(
                "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project"
            )
            (item,) = [i for i in await client.get_items(ids) if i.title == title]
            path = "/fields/Microsoft.VSTS.Scheduling.RemainingWork"
            await client.update_item(item.id, [{"op": "replace", "path": path, "value": remaining}])

    asyncio.run(edit())


def fake(tmp_path: Path, name: str, source: str) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / name).write_text(f"#!{sys.executable}\n{source}")
    (bin_dir / name).chmod(0o755)
    return bin_dir


def test_github_pulls_weekday_mornings_into_one_pull_request(tmp_path: Path) -> None:
    workflow = load_pipeline("github-actions-pull.yml")
    assert workflow["on"]["schedule"] == [{"cron": "23 5 * * 1-5"}]
    assert "workflow_dispatch" in workflow["on"]
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert job["concurrency"]
    scripts = [step["run"] for step in job["steps"] if "run" in step]
    pull_step = next(script for script in scripts if witsync_commands(script))
    (pulled,) = witsync_commands(pull_step)
    assert (pulled.command, pulled.format, pulled.new_children) == ("pull", "markdown", True)
    assert not pulled.check  # it writes the files the pull request proposes
    (pr_step,) = [script for script in scripts if "gh pr" in script]

    repo, remote = repository(tmp_path)
    bin_dir = fake(tmp_path, "gh", FAKE_GH)
    (tmp_path / "runner").mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if k != "WITSYNC_ORG_URL"},
        # a variable not set in the repository is empty: witsync then uses the local board
        **{key: "" if "${{" in str(v) else str(v) for key, v in workflow["env"].items()},
        "PATH": path_with_witsync(bin_dir),
        "FAKE_GH_STATE": str(tmp_path / "gh.json"),
        "RUNNER_TEMP": str(tmp_path / "runner"),
    }

    def morning() -> None:
        """One run: a fresh checkout of main, the pull, then the pull-request step."""
        git(repo, "checkout", "--quiet", "--force", "main")
        for step in (pull_step, pr_step):
            done = run_bash(step, repo, env)
            assert done.returncode == 0, done.stderr

    def prs() -> list[dict[str, Any]]:
        state = tmp_path / "gh.json"
        return list(json.loads(state.read_text())["prs"]) if state.exists() else []

    morning()
    assert prs() == []  # no news: no pull request, no branch
    assert "witsync/board-news" not in git(repo, "ls-remote", "--heads", str(remote))

    burn_down(repo, "Billing preferences API", 2.5)
    morning()
    (pr,) = prs()
    assert (pr["head"], pr["state"]) == ("witsync/board-news", "open")
    assert "remainingWork" in pr["body"]
    assert "2.5" in pr["body"]
    git(repo, "fetch", "--quiet", "origin", "witsync/board-news")
    diff = git(repo, "diff", "main", "FETCH_HEAD")
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in "+++---"]
    assert changed == ["-        remainingWork: 6", "+        remainingWork: 2.5"]

    burn_down(repo, "Confirmation e-mail when paper billing stops", 1)
    morning()
    (pr,) = prs()  # still one pull request: updated, on the rebuilt branch
    assert pr["edits"] == 1
    git(repo, "fetch", "--quiet", "origin", "witsync/board-news")
    diff = git(repo, "diff", "main", "FETCH_HEAD")
    assert diff.count("\n+        remainingWork:") == 2


def test_azure_pulls_weekday_mornings_into_one_pull_request(tmp_path: Path) -> None:
    pipeline = load_pipeline("azure-pipelines-pull.yml")
    assert (pipeline["trigger"], pipeline["pr"]) == ("none", "none")
    (schedule,) = pipeline["schedules"]
    assert schedule["cron"] == "23 5 * * 1-5"
    assert schedule["always"] == "true"  # the board changes without commits
    steps = steps_of(pipeline)
    assert steps[0] == {"checkout": "self", "persistCredentials": "true"}
    scripts = [step["script"] for step in steps if "script" in step]
    pull_step = next(script for script in scripts if witsync_commands(script))
    (pulled,) = witsync_commands(pull_step)
    assert (pulled.command, pulled.format, pulled.new_children) == ("pull", "markdown", True)
    (pr_step,) = [script for script in scripts if "pullrequests" in script]

    repo, remote = repository(tmp_path)
    bin_dir = fake(tmp_path, "curl", FAKE_CURL)
    (tmp_path / "agent").mkdir()
    macros = {
        "$(MANIFESTS)": "backlog",
        "$(WITSYNC_PIP_SPEC)": "unused",
        "$(BRANCH)": pipeline["variables"]["BRANCH"],
        "$(Agent.TempDirectory)": str(tmp_path / "agent"),
        "$(System.CollectionUri)": "https://dev.azure.com/fabrikam/",
        "$(System.TeamProject)": "Fabrikam",
        "$(Build.Repository.ID)": "repo-guid",
    }
    env = {
        **{k: v for k, v in os.environ.items() if k != "WITSYNC_ORG_URL"},
        "PATH": path_with_witsync(bin_dir),
        "FAKE_CURL_STATE": str(tmp_path / "curl.json"),
        "SYSTEM_ACCESSTOKEN": "token",
    }

    def expanded(script: str) -> str:
        for macro, value in macros.items():
            script = script.replace(macro, value)
        assert "$(" not in script.replace("$(git", "").replace("$(python3", "").replace(
            "$(curl", ""
        ), script
        return script

    def morning() -> None:
        git(repo, "checkout", "--quiet", "--force", "main")
        for step in (pull_step, pr_step):
            done = run_bash(expanded(step), repo, env)
            assert done.returncode == 0, done.stderr

    def prs() -> list[dict[str, Any]]:
        state = tmp_path / "curl.json"
        return list(json.loads(state.read_text())["prs"]) if state.exists() else []

    morning()
    assert prs() == []
    burn_down(repo, "Billing preferences API", 2.5)
    morning()
    (pr,) = prs()
    assert pr["sourceRefName"] == "refs/heads/witsync/board-news"
    assert pr["targetRefName"] == "refs/heads/main"
    assert "remainingWork" in pr["description"]
    burn_down(repo, "Billing preferences API", 1)
    morning()
    (pr,) = prs()
    assert pr["edits"] == 1
    assert "witsync/board-news" in git(repo, "ls-remote", "--heads", str(remote))
