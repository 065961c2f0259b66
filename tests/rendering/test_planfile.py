"""Plan files: exact round trip, schema validation, unknown versions refused, target checked."""

from __future__ import annotations

import json

import pytest
from plan_support import TARGET, showcase_plan

from witsync.errors import PlanFileError
from witsync.model import Target
from witsync.rendering.planfile import dump_plan, ensure_target, load_plan


def test_round_trip_is_exact():
    plan = showcase_plan()
    assert load_plan(dump_plan(plan)) == plan
    assert dump_plan(load_plan(dump_plan(plan))) == dump_plan(plan)


def test_plan_file_carries_what_apply_needs():
    document = json.loads(dump_plan(showcase_plan()))
    assert document["target"] == {"org_url": TARGET.org_url, "project": "Fabrikam", "scope": "web"}
    assert document["manifest_digest"] == "sha256:test"
    assert all(a["rev"] is not None for a in document["actions"] if a["action"] != "create")
    assert all(a["steps"] for a in document["actions"])


def test_unknown_format_version_is_refused():
    document = json.loads(dump_plan(showcase_plan()))
    document["format_version"] = "2"
    with pytest.raises(PlanFileError, match="format_version '2'") as raised:
        load_plan(json.dumps(document))
    assert raised.value.hint


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d["actions"][0].update(action="explode"), "actions/0/action"),
        (
            lambda d: d["actions"][2]["steps"][0]["patch"][0].update(op="move"),
            "actions/2/steps/0/patch/0/op",
        ),
        (lambda d: d.pop("target"), "(top level)"),
        (lambda d: d["summary"].update(create=-1), "summary/create"),
        (lambda d: d.update(token="secret"), "(top level)"),
    ],
)
def test_invalid_documents_are_refused_with_the_place(mutate, where):
    document = json.loads(dump_plan(showcase_plan()))
    mutate(document)
    with pytest.raises(PlanFileError, match="invalid at") as raised:
        load_plan(json.dumps(document))
    assert where in raised.value.message


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", '{"format_version": "1"}'])
def test_damaged_files_are_refused(text):
    with pytest.raises(PlanFileError):
        load_plan(text)


def test_a_plan_for_another_target_is_refused():
    plan = showcase_plan()
    ensure_target(plan, TARGET)
    with pytest.raises(PlanFileError, match="scope 'web'"):
        ensure_target(plan, Target(TARGET.org_url, TARGET.project, "mobile"))
