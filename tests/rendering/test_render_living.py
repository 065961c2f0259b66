"""Reopen, restore and rekey actions, and the closed items of a plan, in every rendering: text,
Markdown, JSON (valid against schemas/plan.schema.json) and the plan file (an exact round trip)."""

from __future__ import annotations

import json
from importlib.resources import files

from jsonschema import Draft202012Validator
from plan_support import TARGET

from witsync.model import (
    Action,
    ClosedItem,
    FieldChange,
    Location,
    PatchOp,
    Plan,
    Step,
)
from witsync.rendering.json import plan_document, render_json
from witsync.rendering.markdown import render_markdown
from witsync.rendering.planfile import dump_plan, load_plan
from witsync.rendering.text import render_plain

HERE = Location("backlog.yaml", 3, 5)
MARKER_OLD = "https://witsync.invalid/web/alert-oncall"
MARKER_NEW = "https://witsync.invalid/web/alert-oncall-rotation"


def living_plan() -> Plan:
    reopen = Action(
        kind="reopen",
        key="billing",
        type="User Story",
        title="Opt out of paper billing",
        id=12,
        rev=4,
        steps=(
            Step(
                "update",
                (
                    PatchOp("test", "/rev", 4),
                    PatchOp("replace", "/fields/System.State", "New"),
                ),
            ),
        ),
        field_changes=(FieldChange("System.State", "Removed", "New", "create-only"),),
        notes=("reopened: witsync closed it when it left the manifests (prune)",),
        location=HERE,
    )
    restore = Action(
        kind="restore",
        key="sign-in",
        type="Epic",
        title="Customers can sign in",
        id=13,
        rev=2,
        steps=(Step("restore", (), note="from the recycle bin"),),
        notes=("restored from the recycle bin, where someone deleted it",),
        location=HERE,
    )
    rekey = Action(
        kind="rekey",
        key="alert-oncall-rotation",
        type="Task",
        title="Rotate the on-call alert",
        id=14,
        rev=7,
        previous_key="alert-oncall",
        steps=(
            Step(
                "update",
                (
                    PatchOp("test", "/rev", 7),
                    PatchOp("remove", "/relations/1", relation=("Hyperlink", MARKER_OLD)),
                    PatchOp("add", "/relations/-", {"rel": "Hyperlink", "url": MARKER_NEW}),
                ),
            ),
        ),
        location=HERE,
    )
    return Plan(
        target=TARGET,
        actions=(restore, reopen, rekey),
        unchanged=3,
        manifest_digest="sha256:test",
        closed=(ClosedItem("letters", 15, "Task", "Print the letters", "Removed"),),
    )


def test_text_marks_each_kind_and_lists_the_closed_items() -> None:
    text = render_plain(living_plan())
    assert '  + restore Epic #13 "Customers can sign in" (key sign-in)' in text
    assert '  ~ reopen User Story #12 "Opt out of paper billing" (key billing)' in text
    assert (
        '  ~ rekey Task #14 "Rotate the on-call alert" (key alert-oncall → alert-oncall-rotation)'
        in text
    )
    assert 'System.State (create-only): "Removed" → "New"' in text
    assert "Closed (left the manifests):" in text
    assert '    #15 Task "Print the letters" (key letters): Removed' in text
    assert text.endswith(
        "Plan: 0 to create, 1 to restore, 2 to update, 0 to remove, 3 unchanged, 1 closed.\n"
    )


def test_markdown_marks_each_kind_and_counts_the_closed_items() -> None:
    text = render_markdown(living_plan())
    assert "<code>+</code> restore Epic" in text
    assert "<code>~</code> reopen User Story" in text
    assert "<code>~</code> rekey Task" in text
    assert "alert-oncall → alert-oncall-rotation" in text
    assert "| closed | 1 |" in text
    assert "| `+` restore | 1 |" in text


def test_json_is_valid_and_says_each_kind() -> None:
    document = plan_document(living_plan())
    schema = json.loads(files("witsync.schemas").joinpath("plan.schema.json").read_text("utf-8"))
    assert not list(Draft202012Validator(schema).iter_errors(document))
    assert [a["action"] for a in document["actions"]] == ["restore", "reopen", "rekey"]
    assert document["actions"][2]["previous_key"] == "alert-oncall"
    assert document["actions"][0]["steps"][0]["kind"] == "restore"
    assert document["summary"] == {
        "create": 0,
        "restore": 1,
        "update": 2,
        "remove": 0,
        "unchanged": 3,
        "closed": 1,
    }
    assert document["closed"] == [
        {
            "key": "letters",
            "id": 15,
            "type": "Task",
            "title": "Print the letters",
            "state": "Removed",
        }
    ]
    assert json.loads(render_json(living_plan())) == document


def test_the_plan_file_round_trip_is_exact() -> None:
    plan = living_plan()
    assert load_plan(dump_plan(plan)) == plan
