"""Every sample backlog validates, applies cleanly to the local board, and then plans clean;
the pipeline samples are valid for their CI system (its own schema, shipped by check-jsonschema)
and plan on pull requests, publish the plan file, and apply that plan one run at a time."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for
from ruamel.yaml import YAML

from witsync import cli
from witsync.cli import build_parser

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
    applied = capsys.readouterr().err
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


def test_the_azure_pipeline_is_valid_for_azure_pipelines() -> None:
    schema = vendored_schema(AZURE_SCHEMA)
    pipeline = azure_task_inputs_canonical(load_pipeline("azure-pipelines.yml"), schema)
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
    assert [upload["with"]["path"] for upload in uploads] == ["plan.json"]
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
    assert [(step["publish"], step["artifact"]) for step in published] == [
        ("plan.json", "witsync-plan-$(System.PullRequest.PullRequestId)")
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
