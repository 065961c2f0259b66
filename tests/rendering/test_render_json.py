"""The JSON rendering: schema-valid, format_version, summary, actions with their patches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

from golden_support import check_golden
from jsonschema import Draft202012Validator
from plan_support import showcase_plan

from witsync.rendering.json import FORMAT_VERSION, render_json

SCHEMA = json.loads(files("witsync.schemas").joinpath("plan.schema.json").read_text("utf-8"))


def test_golden_json():
    check_golden("plan.json", render_json(showcase_plan()))


def test_document_is_valid_against_the_schema():
    Draft202012Validator.check_schema(SCHEMA)
    document = json.loads(render_json(showcase_plan()))
    assert sorted(Draft202012Validator(SCHEMA).iter_errors(document), key=str) == []


def test_summary_and_actions():
    document = json.loads(render_json(showcase_plan()))
    assert document["format_version"] == FORMAT_VERSION
    assert document["summary"] == {
        "create": 2,
        "restore": 0,
        "update": 2,
        "remove": 1,
        "unchanged": 0,
        "closed": 0,
    }
    assert [a["action"] for a in document["actions"]] == [
        "create",
        "create",
        "update",
        "adopt",
        "remove",
    ]
    update = document["actions"][2]
    assert (update["key"], update["id"], update["rev"]) == ("paper", 101, 2)
    patch = update["steps"][0]["patch"]
    assert patch[0] == {"op": "test", "path": "/rev", "value": 2}
    assert patch[1]["op"] == "remove"
    assert "value" not in patch[1]
    assert patch[1]["relation"]["rel"] == "System.LinkTypes.Hierarchy-Reverse"
    title = next(c for c in update["changes"] if c["field"] == "System.Title")
    assert title["last_edit"] == {
        "by": "Carol <carol@fabrikam.com>",
        "at": "2026-11-20T09:30:00Z",
        "rev": 2,
        "by_witsync": False,
        "drift": True,
    }
    assert title["origin"] == "board"
    assigned = next(c for c in update["changes"] if c["field"] == "System.AssignedTo")
    assert assigned["origin"] == "manifests"
    moved = next(link for link in update["links"] if link["op"] == "remove")
    assert moved["origin"] == "board"
    assert moved["last_edit"]["by"] == "Carol <carol@fabrikam.com>"
    create = document["actions"][1]
    assert any(op.get("target") == "sign-in" for op in create["steps"][0]["patch"])
    assert create["depends_on"] == ["sign-in"]


def test_no_token_shaped_fields():
    text = render_json(showcase_plan())
    for word in ("token", "authorization", "password", "pat"):
        assert f'"{word}"' not in text.lower()


def test_renderings_are_byte_identical_across_processes():
    """Set and dict orders change with PYTHONHASHSEED; the plan's renderings must not."""
    script = (
        "import sys; sys.path.insert(0, 'tests')\n"
        "from plan_support import showcase_plan\n"
        "from witsync.rendering.json import render_json\n"
        "from witsync.rendering.markdown import render_markdown\n"
        "from witsync.rendering.text import render_plain\n"
        "plan = showcase_plan()\n"
        "sys.stdout.write(render_json(plan) + render_plain(plan) + render_markdown(plan))\n"
    )
    root = Path(__file__).parent.parent.parent
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
