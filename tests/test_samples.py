"""Every sample backlog validates, applies cleanly to the local board, and then plans clean;
the pipeline samples are valid for their CI system (its own schema, shipped by check-jsonschema),
install witsync from its repository, plan on pull requests (posting the errors when the manifests
are invalid), publish the plan file, and apply that plan one run at a time; the drift samples run
nightly and keep one issue (one work item) open while the board differs from the manifests, as
their scripts show when run against the local board and a `witsync serve`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for
from ruamel.yaml import YAML

from witsync import cli
from witsync.cli import build_parser
from witsync.config import Settings
from witsync.connect import open_client
from witsync.model import LiveItem

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
BACKLOGS = sorted(path.name for path in SAMPLES.iterdir() if (path / "witsync.yaml").is_file())


def test_there_is_a_sample_for_each_common_process() -> None:
    assert BACKLOGS == ["agile", "scrum"]


@pytest.mark.parametrize("name", BACKLOGS)
def test_sample_validates_applies_and_then_plans_clean(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backlog = shutil.copytree(SAMPLES / name, tmp_path / name)
    assert cli.main(["validate", str(backlog)]) == 0
    validated = capsys.readouterr().out
    items = int(validated.split("valid: ")[1].split(" items")[0])
    assert items >= 8

    assert cli.main(["apply", str(backlog), "--yes"]) == 0
    applied = capsys.readouterr().out
    assert f"Apply complete: {items} applied, 0 conflict, 0 failed, 0 skipped." in applied

    assert cli.main(["plan", str(backlog), "--detailed-exitcode"]) == 0
    assert f"0 to create, 0 to update, 0 to remove, {items} unchanged" in capsys.readouterr().out
    assert (backlog / ".witsync" / "board.sqlite").is_file()


# -- the pipeline samples ---------------------------------------------------------------------

PIPELINES = SAMPLES / "pipelines"
Document = dict[str, Any]


def load_pipeline(name: str) -> Document:
    document = YAML(typ="safe").load(PIPELINES / name)
    assert isinstance(document, dict)
    return document


def vendored_schema(name: str) -> Document:
    """A CI system's own schema as check-jsonschema ships it: offline, pinned with the package."""
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    schema: Document = json.loads(vendor.joinpath(name).read_text(encoding="utf-8"))
    return schema


def schema_errors(schema: Document, document: Document) -> list[str]:
    validator = validator_for(schema)(schema)
    return sorted(
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    )


def azure_task_inputs_canonical(document: Any, schema: Document) -> Any:
    """`document` with task inputs under their canonical names. The Azure schema lists the other
    names a task input accepts (`source` for `buildType`...) in `aliases`, a keyword of its own
    that the Azure Pipelines language server resolves and a JSON-schema validator does not know."""
    if isinstance(document, list):
        return [azure_task_inputs_canonical(item, schema) for item in document]
    if not isinstance(document, dict):
        return document
    document = {key: azure_task_inputs_canonical(value, schema) for key, value in document.items()}
    task, inputs = document.get("task"), document.get("inputs")
    if isinstance(task, str) and isinstance(inputs, dict):
        for variant in schema["definitions"]["task"]["anyOf"]:
            pattern = variant["properties"]["task"].get("pattern", "")
            if re.fullmatch(pattern.strip("^$"), task, re.IGNORECASE):
                props = variant["properties"]["inputs"]["properties"]
                names = {a.lower(): n for n, p in props.items() for a in p.get("aliases", ())}
                document["inputs"] = {names.get(k.lower(), k): v for k, v in inputs.items()}
    return document


def witsync_commands(script: str) -> list[argparse.Namespace]:
    """Every `witsync ...` line of a shell script, parsed by witsync's own command-line parser
    (an option the CLI does not have fails here, as it would in the pipeline)."""
    parser = build_parser()
    commands = []
    for line in script.splitlines():
        if not line.strip().startswith("witsync "):
            continue  # other lines need not split alone (a quote may span lines)
        words = shlex.split(line, comments=True)[1:]
        words = words[: words.index(">")] if ">" in words else words
        commands.append(parser.parse_args(words))
    return commands


def commands_of(steps: list[Document], key: str) -> list[argparse.Namespace]:
    return [command for step in steps for command in witsync_commands(step.get(key, ""))]


GITHUB_SCHEMA = "github-workflows.json"
AZURE_SCHEMA = "azure-pipelines.json"


def test_the_github_workflow_is_valid_for_github() -> None:
    schema = vendored_schema(GITHUB_SCHEMA)
    workflow = load_pipeline("github-actions.yml")
    assert schema_errors(schema, workflow) == []
    # the schema has teeth: a concurrency group must be a string or a mapping
    workflow["jobs"]["apply"]["concurrency"] = ["witsync-apply"]
    assert schema_errors(schema, workflow) != []


def azure_document(name: str, schema: Document) -> Document:
    document: Document = azure_task_inputs_canonical(load_pipeline(name), schema)
    return document


def test_the_azure_pipeline_is_valid_for_azure_pipelines() -> None:
    schema = vendored_schema(AZURE_SCHEMA)
    pipeline = azure_document("azure-pipelines.yml", schema)
    assert schema_errors(schema, pipeline) == []
    pipeline["stages"][1]["lockBehavior"] = "sequentially"  # not a lock behaviour
    assert any("lockBehavior" in error for error in schema_errors(schema, pipeline))


def test_github_plans_pull_requests_and_applies_the_reviewed_plan_one_at_a_time() -> None:
    workflow = load_pipeline("github-actions.yml")
    assert set(workflow["on"]) == {"pull_request", "push"}
    assert workflow["on"]["push"]["branches"] == ["main"]
    plan, apply = workflow["jobs"]["plan"], workflow["jobs"]["apply"]
    assert plan["if"] == "github.event_name == 'pull_request'"
    assert apply["if"] == "github.event_name == 'push'"

    # plan: a markdown comment on stdout, the plan file saved and published as an artifact
    (planned,) = commands_of(plan["steps"], "run")
    assert (planned.command, planned.format, planned.out) == ("plan", "markdown", Path("plan.json"))
    uploads = [s for s in plan["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert [upload["with"]["path"] for upload in uploads] == ["plan.json", "plan.html"]
    # ... and the HTML plan too, which the comment links to (the run's artifacts)
    assert planned.out_html == Path("plan.html")
    assert planned.html_url == "$HTML_URL"
    assert next(s for s in plan["steps"] if "HTML_URL" in s.get("env", {}))["env"][
        "HTML_URL"
    ].endswith("/actions/runs/${{ github.run_id }}#artifacts")
    artifact = uploads[0]["with"]["name"]
    assert artifact == "witsync-plan-${{ github.event.pull_request.number }}"

    # apply: one run at a time (a queued run waits; none is cancelled halfway)
    concurrency = apply["concurrency"]
    group = concurrency if isinstance(concurrency, str) else concurrency["group"]
    assert group
    assert isinstance(concurrency, str) or not concurrency.get("cancel-in-progress", False)
    # ... fetches the merged pull request's artifact and applies exactly that plan, unprompted
    fetch = next(step for step in apply["steps"] if step.get("id") == "reviewed")
    assert 'gh run download "$run" -n "witsync-plan-$pr"' in fetch["run"]
    applied = commands_of(apply["steps"], "run")
    assert [command.command for command in applied] == ["apply", "apply"]
    assert [command.plan for command in applied] == [Path("plan.json"), None]
    assert all(command.yes for command in applied)


def test_azure_plans_pull_requests_and_applies_the_reviewed_plan_one_at_a_time() -> None:
    pipeline = load_pipeline("azure-pipelines.yml")
    assert pipeline["pr"]["branches"]["include"] == ["main"]
    assert pipeline["trigger"]["branches"]["include"] == ["main"]
    stages = {stage["stage"]: stage for stage in pipeline["stages"]}
    plan, apply = stages["plan"], stages["apply"]
    assert plan["condition"] == "eq(variables['Build.Reason'], 'PullRequest')"
    assert apply["condition"] == (
        "and(eq(variables['Build.SourceBranch'], 'refs/heads/main'), "
        "ne(variables['Build.Reason'], 'PullRequest'))"
    )

    # plan: a markdown comment on stdout, the plan file saved and published as an artifact
    (plan_job,) = plan["jobs"]
    (planned,) = commands_of(plan_job["steps"], "script")
    assert (planned.command, planned.format, planned.out) == ("plan", "markdown", Path("plan.json"))
    published = [step for step in plan_job["steps"] if "publish" in step]
    assert planned.out_html == Path("plan.html")
    assert planned.html_url == "$html_url"
    assert [(step["publish"], step["artifact"]) for step in published] == [
        ("plan.json", "witsync-plan-$(System.PullRequest.PullRequestId)"),
        ("plan.html", "witsync-plan-html-$(System.PullRequest.PullRequestId)"),
    ]

    # apply: one run at a time, in a deployment to an environment (where the lock check lives)
    assert apply["lockBehavior"] == "sequential"
    (deployment,) = apply["jobs"]
    assert deployment["environment"]
    steps = deployment["strategy"]["runOnce"]["deploy"]["steps"]
    (download,) = [s for s in steps if s.get("task") == "DownloadPipelineArtifact@2"]
    assert download["inputs"]["artifact"] == "witsync-plan-$(MERGED_PR)"
    applied = commands_of(steps, "script")
    assert [command.command for command in applied] == ["apply", "apply"]
    reviewed = Path(download["inputs"]["path"]) / "plan.json"
    assert [command.plan for command in applied] == [reviewed, None]
    assert all(command.yes for command in applied)


# -- every pipeline sample: valid, installable, and what it runs is witsync's own command line ---

SAMPLE_PIPELINES = {
    "github-actions.yml": GITHUB_SCHEMA,
    "github-actions-drift.yml": GITHUB_SCHEMA,
    "github-actions-pull.yml": GITHUB_SCHEMA,
    "azure-pipelines.yml": AZURE_SCHEMA,
    "azure-pipelines-drift.yml": AZURE_SCHEMA,
    "azure-pipelines-pull.yml": AZURE_SCHEMA,
}


def test_every_pipeline_sample_is_listed_here() -> None:
    assert sorted(path.name for path in PIPELINES.glob("*.yml")) == sorted(SAMPLE_PIPELINES)


def steps_of(document: Any) -> list[Document]:
    """Every step of a workflow or pipeline, wherever it sits (jobs, stages, deployments)."""
    if isinstance(document, list):
        return [step for item in document for step in steps_of(item)]
    if not isinstance(document, dict):
        return []
    found = list(document["steps"]) if isinstance(document.get("steps"), list) else []
    return found + [s for key, value in document.items() if key != "steps" for s in steps_of(value)]


def scripts_of(document: Any) -> list[str]:
    return [
        str(step.get("run") or step.get("script"))
        for step in steps_of(document)
        if step.get("run") or step.get("script")
    ]


@pytest.mark.parametrize("name", sorted(SAMPLE_PIPELINES))
def test_each_pipeline_sample_is_valid_and_runs_only_commands_witsync_has(name: str) -> None:
    schema = vendored_schema(SAMPLE_PIPELINES[name])
    document = azure_document(name, schema) if "azure" in name else load_pipeline(name)
    assert schema_errors(schema, document) == []
    for script in scripts_of(document):
        witsync_commands(script)  # an option witsync does not have fails here
        done = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
        assert done.returncode == 0, f"{name}: not valid bash:\n{script}\n{done.stderr}"
    assert any(witsync_commands(script) for script in scripts_of(document))


@pytest.mark.parametrize("name", sorted(SAMPLE_PIPELINES))
def test_pipelines_install_witsync_from_its_repository_not_from_an_index(name: str) -> None:
    """`pip install witsync` fails wherever witsync is not published: every sample installs
    WITSYNC_PIP_SPEC, a git URL pinned to a tag or commit, and says what to change."""
    document = load_pipeline(name)
    installs = [
        line.strip()
        for script in scripts_of(document)
        for line in script.splitlines()
        if "pip install" in line
    ]
    expected = 'pip install "$(WITSYNC_PIP_SPEC)"' if "azure" in name else (
        'pip install "$WITSYNC_PIP_SPEC"'
    )
    assert installs
    assert set(installs) == {expected}
    variables = document["variables"] if "azure" in name else document["env"]
    assert re.fullmatch(r"git\+https://[^@\s]+@[\w.\-]+", variables["WITSYNC_PIP_SPEC"])
    text = (PIPELINES / name).read_text(encoding="utf-8")
    assert "not published on PyPI" in text
    assert "Change YOUR-ORG" in text


def test_the_pull_request_comment_is_posted_also_when_the_manifests_are_invalid() -> None:
    """`plan --format markdown` then writes the errors as the comment and exits 1: the posting
    step runs after a failed plan too, and skips only when nothing was written."""
    github = load_pipeline("github-actions.yml")
    (post,) = [s for s in github["jobs"]["plan"]["steps"] if "gh pr comment" in s.get("run", "")]
    assert post["if"] == "${{ !cancelled() }}"
    assert post["run"].startswith("[ -s plan.md ] || exit 0")
    azure = load_pipeline("azure-pipelines.yml")
    (post,) = [s for s in steps_of(azure) if "pullRequests" in s.get("script", "")]
    assert post["condition"] == "succeededOrFailed()"
    assert "[ -s plan.md ] || exit 0" in post["script"]


# -- the nightly drift check ------------------------------------------------------------------

FAKE_GH = '''\
"""A stand-in for the GitHub CLI: the issue commands the drift workflow runs, kept in a file."""
import argparse, json, os, sys

state_file = os.environ["FAKE_GH_STATE"]
state = json.load(open(state_file)) if os.path.exists(state_file) else {"issues": [], "labels": []}
parser = argparse.ArgumentParser(prog="gh")
parser.add_argument("noun")
parser.add_argument("verb")
parser.add_argument("number", nargs="?", type=int)
for option in ("--state", "--label", "--json", "--jq", "--body-file", "--body", "--title",
               "--comment", "--color", "--description"):
    parser.add_argument(option)
args = parser.parse_args()
issue = next((i for i in state["issues"] if i["number"] == args.number), None)
if (args.noun, args.verb) == ("label", "create"):
    if args.label in state["labels"]:
        sys.exit(1)
    state["labels"].append(args.label)
elif (args.noun, args.verb) == ("issue", "list"):
    assert (args.json, args.jq) == ("number", ".[0].number // empty"), (args.json, args.jq)
    found = [i for i in state["issues"] if i["state"] == args.state and args.label in i["labels"]]
    if found:
        print(found[0]["number"])
elif (args.noun, args.verb) == ("issue", "create"):
    state["issues"].append({"number": len(state["issues"]) + 1, "title": args.title,
                            "labels": [args.label], "state": "open", "comments": [],
                            "body": open(args.body_file).read()})
elif (args.noun, args.verb) == ("issue", "edit"):
    issue["body"] = open(args.body_file).read()
elif (args.noun, args.verb) == ("issue", "comment"):
    issue["comments"].append(args.body)
elif (args.noun, args.verb) == ("issue", "close"):
    issue["state"] = "closed"
    issue["comments"].append(args.comment)
else:
    sys.exit(f"fake gh: {sys.argv[1:]} is not a command the drift workflow runs")
json.dump(state, open(state_file, "w"))
'''


def drift_backlog(tmp_path: Path) -> Path:
    """A repository with the Agile sample as its `backlog` folder (project Fabrikam)."""
    repo = tmp_path / "repo"
    shutil.copytree(SAMPLES / "agile", repo / "backlog")
    return repo


def path_with_witsync(bin_dir: Path) -> str:
    return os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]])


def rename_on_board(settings: Settings, title: str, new_title: str) -> None:
    """What a person does in the web UI: a managed field changed on the board."""

    async def rename() -> None:
        async with open_client(settings, {}) as client:
            ids = await client.query_ids(
                "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project"
            )
            (item,) = [i for i in await client.get_items(ids) if i.title == title]
            op = {"op": "replace", "path": "/fields/System.Title", "value": new_title}
            await client.update_item(item.id, [op])

    asyncio.run(rename())


def test_github_checks_drift_nightly_and_keeps_one_issue_open_while_it_lasts(
    tmp_path: Path,
) -> None:
    workflow = load_pipeline("github-actions-drift.yml")
    assert workflow["on"]["schedule"] == [{"cron": "17 3 * * *"}]
    assert "workflow_dispatch" in workflow["on"]
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    assert job["concurrency"]
    plan_step = next(step for step in job["steps"] if step.get("id") == "plan")
    (planned,) = witsync_commands(plan_step["run"])
    assert (planned.command, planned.detailed_exitcode) == ("plan", True)
    conditional = [step for step in job["steps"] if "if" in step]
    on_exit: dict[int, str] = {}
    for step in conditional:
        condition = re.fullmatch(r"steps\.plan\.outputs\.exitcode == '(\d)'", step["if"])
        assert condition, step["if"]
        on_exit[int(condition[1])] = step["run"]
    assert set(on_exit) == {0, 2}

    # run the scripts as GitHub does, against the local board, with a stand-in `gh`
    repo = drift_backlog(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(f"#!{sys.executable}\n{FAKE_GH}")
    (bin_dir / "gh").chmod(0o755)
    env = {
        **{k: v for k, v in os.environ.items() if k != "WITSYNC_ORG_URL"},
        # a variable not set in the repository is empty: witsync then uses the local board
        **{key: "" if "${{" in str(v) else str(v) for key, v in workflow["env"].items()},
        "PATH": path_with_witsync(bin_dir),
        "FAKE_GH_STATE": str(tmp_path / "gh.json"),
        "RUN_URL": "https://github.com/o/r/actions/runs/1",
    }

    def nightly() -> int:
        """One night's run: the plan step, then the step its exit code selects."""
        outputs = tmp_path / "outputs"
        outputs.write_text("")
        plan = run_bash(plan_step["run"], repo, {**env, "GITHUB_OUTPUT": str(outputs)})
        code = int(outputs.read_text().split("exitcode=")[1])
        assert plan.returncode == (1 if code == 1 else 0), plan.stderr
        if code in on_exit:
            then = run_bash(on_exit[code], repo, env)
            assert then.returncode == 0, then.stderr
        return code

    def issues() -> list[dict[str, Any]]:
        state = tmp_path / "gh.json"
        return json.loads(state.read_text())["issues"] if state.exists() else []

    board = Settings(project="Fabrikam", board_path=repo / "backlog/.witsync/board.sqlite")
    assert cli.main(["apply", str(repo / "backlog"), "--yes"]) == 0
    assert nightly() == 0
    assert issues() == []  # in sync: no issue

    rename_on_board(board, "Customers can sign in", "Sign-in, renamed on the board")
    assert nightly() == 2
    (issue,) = issues()
    assert issue["state"] == "open"
    assert issue["labels"] == ["witsync-drift"]
    assert "Sign-in, renamed on the board" in issue["body"]  # the plan, as a Markdown comment

    assert nightly() == 2  # the next night: the same issue, updated, and a comment
    (issue,) = issues()
    assert issue["state"] == "open"
    assert len(issue["comments"]) == 1
    assert issue["comments"][0].startswith("Still drifted on ")

    assert cli.main(["apply", str(repo / "backlog"), "--yes"]) == 0  # the team puts it back
    assert nightly() == 0
    (issue,) = issues()
    assert issue["state"] == "closed"


def run_bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A `run:` step as GitHub runs it (bash -eo pipefail), or a `script:` as Azure does with
    `set -e` in the script."""
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_azure_checks_drift_nightly_and_keeps_one_work_item_open_while_it_lasts(
    tmp_path: Path, emulator_server: str
) -> None:
    pipeline = load_pipeline("azure-pipelines-drift.yml")
    assert (pipeline["trigger"], pipeline["pr"]) == ("none", "none")
    (schedule,) = pipeline["schedules"]
    assert schedule["cron"] == "17 3 * * *"
    assert schedule["always"] == "true"  # the board drifts without commits
    assert schedule["branches"]["include"] == ["main"]
    (job,) = pipeline["jobs"]
    plan_step, report_step = [
        step
        for step in job["steps"]
        if "DRIFT_EXIT" in step.get("script", "") + step.get("condition", "")
    ]
    (planned,) = witsync_commands(plan_step["script"])
    assert (planned.command, planned.detailed_exitcode) == ("plan", True)
    assert report_step["condition"] == "and(succeeded(), in(variables['DRIFT_EXIT'], '0', '2'))"

    # run the scripts as Azure Pipelines does, against a `witsync serve` as the organization
    repo = drift_backlog(tmp_path)
    org = f"{emulator_server}/nightly/"
    variables = {**pipeline["variables"], "System.CollectionUri": org}

    def macros(script: str) -> str:
        return re.sub(r"\$\(([\w.]+)\)", lambda m: str(variables.get(m[1], m[0])), script)

    env = {
        **{k: v for k, v in os.environ.items() if k != "WITSYNC_ORG_URL"},
        **{name.upper(): macros(str(value)) for name, value in pipeline["variables"].items()},
        "PATH": path_with_witsync(tmp_path),
        "SYSTEM_ACCESSTOKEN": "the-pipeline-token",
        "SYSTEM_COLLECTIONURI": org,
        "SYSTEM_TEAMPROJECT": "Fabrikam",
        "BUILD_BUILDID": "7",
    }

    def nightly() -> int:
        plan = run_bash(macros(plan_step["script"]), repo, env)
        code = int(plan.stdout.split("##vso[task.setvariable variable=DRIFT_EXIT]")[1].split()[0])
        assert plan.returncode == (1 if code == 1 else 0), plan.stderr
        if code in (0, 2):
            report = run_bash(macros(report_step["script"]), repo, {**env, "DRIFT_EXIT": str(code)})
            assert report.returncode == 0, report.stderr
        return code

    board = Settings(org_url=org.rstrip("/"), project="Fabrikam")

    def drift_items() -> list[LiveItem]:
        async def read() -> list[LiveItem]:
            async with open_client(board, {}) as client:
                ids = await client.query_ids(
                    "SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS 'witsync-drift'"
                )
                return await client.get_items(ids)

        return asyncio.run(read())

    def apply_backlog() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["witsync", "apply", "backlog", "--yes"],
            cwd=repo,
            env={**env, "WITSYNC_ORG_URL": org},
            capture_output=True,
            text=True,
            check=False,
        )

    applied = apply_backlog()
    assert applied.returncode == 0, applied.stderr
    assert nightly() == 0
    assert drift_items() == []

    rename_on_board(board, "Customers can sign in", "Sign-in, renamed on the board")
    assert nightly() == 2
    (item,) = drift_items()
    assert item.fields["System.WorkItemType"] == "Task"
    assert item.fields["System.State"] == "New"
    assert "Sign-in, renamed on the board" in str(item.fields["System.Description"])

    assert nightly() == 2  # the next night: the same work item, updated
    (again,) = drift_items()
    assert (again.id, again.rev) == (item.id, item.rev + 1)

    fixed = apply_backlog()
    assert fixed.returncode == 0, fixed.stderr
    assert nightly() == 0
    (closed,) = drift_items()
    assert closed.fields["System.State"] == "Closed"
