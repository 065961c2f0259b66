"""The friendly-name table: reference names, display names, hints, built-in ownership."""

from __future__ import annotations

import json
from pathlib import Path

from witsync.loading.fieldnames import (
    DEFAULT_OWNERSHIP,
    FRIENDLY_FIELDS,
    did_you_mean,
    display_name,
    resolve_field_name,
)

SCHEMA = Path(__file__).parent.parent.parent / "schemas" / "manifest.schema.json"


def test_common_names() -> None:
    assert FRIENDLY_FIELDS["title"] == "System.Title"
    assert FRIENDLY_FIELDS["storyPoints"] == "Microsoft.VSTS.Scheduling.StoryPoints"
    assert FRIENDLY_FIELDS["effort"] == "Microsoft.VSTS.Scheduling.Effort"
    assert FRIENDLY_FIELDS["remainingWork"] == "Microsoft.VSTS.Scheduling.RemainingWork"
    assert FRIENDLY_FIELDS["priority"] == "Microsoft.VSTS.Common.Priority"
    assert FRIENDLY_FIELDS["area"] == "System.AreaPath"
    assert FRIENDLY_FIELDS["iteration"] == "System.IterationPath"
    assert FRIENDLY_FIELDS["reproSteps"] == "Microsoft.VSTS.TCM.ReproSteps"


def test_one_friendly_name_per_reference_name() -> None:
    assert len(set(FRIENDLY_FIELDS.values())) == len(FRIENDLY_FIELDS)


def test_resolve_and_display() -> None:
    assert resolve_field_name("assignedTo") == "System.AssignedTo"
    assert resolve_field_name("Custom.Risk") == "Custom.Risk"
    assert resolve_field_name("asignedTo") is None
    assert display_name("Microsoft.VSTS.Common.Priority") == "priority"
    assert display_name("Custom.Risk") == "Custom.Risk"


def test_did_you_mean_is_case_insensitive() -> None:
    assert did_you_mean("TITEL", FRIENDLY_FIELDS) == "did you mean 'title'?"
    assert did_you_mean("zzzz", FRIENDLY_FIELDS) is None


def test_builtin_create_only_fields() -> None:
    assert dict(DEFAULT_OWNERSHIP) == {
        "System.State": "create-only",
        "System.AssignedTo": "create-only",
        "Microsoft.VSTS.Scheduling.RemainingWork": "create-only",
        "Microsoft.VSTS.Scheduling.CompletedWork": "create-only",
    }


def test_schema_offers_every_friendly_name_on_items_and_defaults() -> None:
    schema = json.loads(SCHEMA.read_text())
    for definition in ("item", "defaults"):
        properties = schema["$defs"][definition]["properties"]
        assert set(FRIENDLY_FIELDS) <= set(properties), definition
    for name, ref in FRIENDLY_FIELDS.items():
        assert ref in schema["$defs"][f"field.{name}"]["description"], name
