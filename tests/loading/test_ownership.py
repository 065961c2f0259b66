"""One ownership layer (`createOnly`, `manage`, `ignore` of witsync.yaml, `defaults` or an item)."""

from __future__ import annotations

from witsync.errors import Diagnostic
from witsync.loading.ownership import read_layer
from witsync.loading.yamlsource import YamlMap, parse_yaml
from witsync.model import Location, Ownership


def layer_of(text: str) -> tuple[dict[str, Ownership], list[Diagnostic]]:
    parsed = parse_yaml(text, "witsync.yaml")
    assert parsed.ok, parsed.diagnostics
    assert isinstance(parsed.root, YamlMap)
    return read_layer(parsed.root, "witsync.yaml")


def test_each_list_gives_its_mode_by_reference_name() -> None:
    layer, problems = layer_of(
        "createOnly: [priority, Custom.Risk]\n"
        "manage: [state]\n"
        "ignore: [description, microsoft.vsts.scheduling.storypoints]\n"
    )
    assert problems == []
    assert layer == {
        "Microsoft.VSTS.Common.Priority": "create-only",
        "Custom.Risk": "create-only",
        "System.State": "managed",
        "System.Description": "ignored",
        # a known reference name in any case is spelled as usual: plans compare names exactly
        "Microsoft.VSTS.Scheduling.StoryPoints": "ignored",
    }


def test_a_mapping_without_the_lists_sets_nothing() -> None:
    assert layer_of("key: a\ntitle: x\n") == ({}, [])


def test_a_name_twice_in_one_list_is_fine() -> None:
    assert layer_of("ignore: [priority, Microsoft.VSTS.Common.Priority]\n") == (
        {"Microsoft.VSTS.Common.Priority": "ignored"},
        [],
    )


def test_an_unknown_friendly_name_is_an_error_where_it_is_written() -> None:
    layer, problems = layer_of("createOnly: [priority]\nignore:\n  - title\n  - asignedTo\n")
    assert layer == {
        "Microsoft.VSTS.Common.Priority": "create-only",
        "System.Title": "ignored",
    }
    assert problems == [
        Diagnostic(
            "error",
            "unknown field name 'asignedTo' in ignore",
            Location("witsync.yaml", 4, 5),
            "did you mean 'assignedTo'?",
        )
    ]


def test_a_name_nothing_resembles_gets_the_general_hint() -> None:
    _, problems = layer_of("manage: [zzzzzz]\n")
    assert [(p.message, p.hint) for p in problems] == [
        (
            "unknown field name 'zzzzzz' in manage",
            "use a friendly name (state, assignedTo...) or a reference name",
        )
    ]


def test_a_field_in_two_lists_is_an_error_at_the_second() -> None:
    layer, problems = layer_of("createOnly: [state]\nmanage: [System.State, title]\n")
    # the first mode stays; the field is not silently given the later one
    assert layer == {"System.State": "create-only", "System.Title": "managed"}
    assert problems == [
        Diagnostic(
            "error",
            "'System.State' is listed in both createOnly and manage",
            Location("witsync.yaml", 2, 10),
            "a field has one mode: keep it in one list",
        )
    ]


def test_every_problem_of_a_layer_is_reported() -> None:
    _, problems = layer_of("createOnly: [stat, title]\nignore: [title, 7]\n")
    assert [(p.location.line, p.message) for p in problems if p.location] == [
        (1, "unknown field name 'stat' in createOnly"),
        (2, "'title' is listed in both createOnly and ignore"),
        (2, "unknown field name '7' in ignore"),
    ]
