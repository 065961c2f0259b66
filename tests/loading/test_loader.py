"""The loader on valid sets: names, defaults, nesting, ownership, links once, scope rules."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from witsync.errors import ManifestError
from witsync.loading.loader import find_manifests, load, load_report
from witsync.loading.options import LoadOptions
from witsync.model import REL_PREDECESSOR, REL_RELATED, REL_SUCCESSOR, Location

FIXTURES = Path(__file__).parent.parent / "manifests"
SCOPED = LoadOptions(scope="team")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def errors_of(paths: list[Path], options: LoadOptions = SCOPED) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load(paths, options)
    return [str(d) for d in caught.value.diagnostics if d.severity == "error"]


def test_fixture_set_resolves_names_nesting_defaults_and_adoption() -> None:
    desired = load([FIXTURES / "valid"], LoadOptions(scope="fixture-team", project="Fabrikam"))
    by_key = {item.key: item for item in desired.items}
    assert [item.key for item in desired.items] == [
        "sign-in", "msa", "msa-js", "billing", "paper-billing", "paper-billing-ui",
    ]  # fmt: skip
    assert desired.scope == "fixture-team"
    assert desired.project == "Fabrikam"
    epic = by_key["sign-in"]
    assert epic.type == "Epic"
    assert epic.fields["System.Title"] == "Customers can sign in"
    assert epic.fields["System.Tags"] == ("identity", "q3")
    assert epic.fields["Microsoft.VSTS.Common.Priority"] == 1
    assert epic.fields["System.AreaPath"] == "Fabrikam\\Web"  # from defaults
    assert epic.location == Location(str(FIXTURES / "valid" / "epics.yaml"), 8, 5)
    assert epic.field_locations["System.AreaPath"].line == 4  # where the default was written
    assert by_key["msa"].parent == "sign-in"
    assert by_key["msa-js"].parent == "msa"
    assert by_key["msa-js"].fields["Custom.Risk"] == "High"
    assert by_key["billing"].adopt_id == 1234
    assert "System.Title" not in by_key["billing"].fields  # adopted: title not managed
    # merge key `<<: *story` supplies type and story points; the item's own value wins
    assert by_key["paper-billing"].type == "User Story"
    assert by_key["paper-billing"].fields["Microsoft.VSTS.Scheduling.StoryPoints"] == 3
    assert by_key["paper-billing-ui"].fields["Microsoft.VSTS.Scheduling.StoryPoints"] == 5
    # explicit nulls clear
    assert by_key["paper-billing-ui"].fields["System.Tags"] is None
    assert by_key["paper-billing-ui"].fields["System.Description"] is None
    # parent by the id an item of the set adopts is that item
    assert by_key["paper-billing-ui"].parent == "billing"
    assert desired.files == (
        str(FIXTURES / "valid" / "epics.yaml"),
        str(FIXTURES / "valid" / "stories.yaml"),
    )
    assert len(desired.digest) == 64


def test_ownership_layers_builtin_config_defaults_item() -> None:
    options = LoadOptions(
        scope="fixture-team",
        ownership={"System.State": "create-only", "Microsoft.VSTS.Common.Priority": "create-only"},
    )
    by_key = {item.key: item for item in load([FIXTURES / "valid"], options).items}
    task = by_key["msa-js"]
    assert task.owner("System.State") == "managed"  # item `manage: [state]` wins
    assert task.ownership["Custom.Notes"] == "ignored"  # defaults `ignore:`
    assert task.ownership["System.Title"] == "managed"
    assert by_key["sign-in"].ownership["Microsoft.VSTS.Common.Priority"] == "create-only"
    # every written field has its mode
    for item in by_key.values():
        assert set(item.ownership) == set(item.fields)


def test_builtin_create_only_fields(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        """\
        items:
          - key: t
            type: Task
            title: T
            state: Active
            assignedTo: a@b.c
            remainingWork: 3
            completedWork: 1
            originalEstimate: 4
        """,
    )
    item = load([tmp_path], SCOPED).items[0]
    assert item.ownership == {
        "System.Title": "managed",
        "System.State": "create-only",
        "System.AssignedTo": "create-only",
        "Microsoft.VSTS.Scheduling.RemainingWork": "create-only",
        "Microsoft.VSTS.Scheduling.CompletedWork": "create-only",
        "Microsoft.VSTS.Scheduling.OriginalEstimate": "managed",
    }


def test_item_create_only_adds_to_the_defaults(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        """\
        defaults:
          ignore: [priority]
        items:
          - key: t
            type: Task
            title: T
            priority: 2
            state: New
            createOnly: [title]
          - key: u
            type: Task
            title: U
            priority: 2
            manage: [priority]
        """,
    )
    t, u = load([tmp_path], SCOPED).items
    assert t.ownership["System.Title"] == "create-only"
    assert t.ownership["System.State"] == "create-only"  # built-in survives the item's list
    assert t.ownership["Microsoft.VSTS.Common.Priority"] == "ignored"
    assert u.ownership["Microsoft.VSTS.Common.Priority"] == "managed"


def test_link_declared_on_both_ends_is_kept_once(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        """\
        items:
          - {key: a, type: Task, title: A, related: [b], predecessors: [b]}
          - {key: b, type: Task, title: B, related: [a], successors: [a, 77]}
        """,
    )
    a, b = load([tmp_path], SCOPED).items
    assert [(link.rel, link.target) for link in a.links] == [
        (REL_RELATED, "b"),
        (REL_PREDECESSOR, "b"),
    ]
    # b's related [a] and successors [a] are the same two links; 77 is new
    assert [(link.rel, link.target) for link in b.links] == [(REL_SUCCESSOR, 77)]


def test_opposite_dependencies_are_two_links_and_a_cycle(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        """\
        items:
          - {key: a, type: Task, title: A, predecessors: [b], successors: [b]}
          - {key: b, type: Task, title: B}
        """,
    )
    (message,) = errors_of([tmp_path])
    assert "a.yaml:2:51: error: dependency cycle: a -> b -> a" in message


def test_defaults_apply_where_the_item_does_not_say(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        """\
        defaults:
          type: Task
          parent: 99
          area: P\\A
          fields: {Custom.X: 1, Custom.Y: 2}
        items:
          - key: top
            title: Top
            area: P\\B
            fields: {Custom.Y: 3}
            children:
              - key: kid
                title: Kid
        """,
    )
    top, kid = load([tmp_path], SCOPED).items
    assert top.type == kid.type == "Task"
    assert top.parent == 99
    assert kid.parent == "top"  # nesting wins over a default parent
    assert top.fields["System.AreaPath"] == "P\\B"
    assert kid.fields["System.AreaPath"] == "P\\A"
    assert top.fields["Custom.X"] == 1
    assert top.fields["Custom.Y"] == 3


def test_tags_written_by_reference_name_as_text(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        """\
        items:
          - key: a
            type: Task
            title: A
            fields: {System.Tags: "x; y ;z"}
        """,
    )
    assert load([tmp_path], SCOPED).items[0].fields["System.Tags"] == ("x", "y", "z")


def test_tags_as_text_split_on_commas_too_as_the_board_does(tmp_path: Path) -> None:
    # The board splits "a, b" into two tags: kept as one, it planned a change forever, and
    # "a, witsync:x" slipped a reserved scope tag past the check.
    write(
        tmp_path,
        "a.yaml",
        """\
        items:
          - {key: a, type: Task, title: A, fields: {System.Tags: "x, y; z"}}
        """,
    )
    assert load([tmp_path], SCOPED).items[0].fields["System.Tags"] == ("x", "y", "z")
    write(
        tmp_path,
        "a.yaml",
        """\
        items:
          - {key: a, type: Task, title: A, fields: {System.Tags: "x, witsync:other"}}
        """,
    )
    with pytest.raises(ManifestError) as caught:
        load([tmp_path], SCOPED)
    (problem,) = [d for d in caught.value.diagnostics if d.severity == "error"]
    assert problem.message == "tag 'witsync:other' uses the reserved prefix 'witsync:'"


def test_a_tag_written_twice_is_one_tag_as_on_the_board(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        """\
        items:
          - {key: a, type: Task, title: A, tags: [Beta, alpha, BETA]}
          - {key: b, type: Task, title: B, fields: {System.Tags: "witsync:x; WITSYNC:X"}}
        """,
    )
    with pytest.raises(ManifestError) as caught:
        load([tmp_path], SCOPED)
    (problem,) = [d for d in caught.value.diagnostics if d.severity == "error"]
    assert problem.message == "tag 'witsync:x' uses the reserved prefix 'witsync:'"
    write(tmp_path, "a.yaml", "items: [{key: a, type: Task, title: A, tags: [Beta, alpha, BETA]}]")
    assert load([tmp_path], SCOPED).items[0].fields["System.Tags"] == ("Beta", "alpha")


def test_ownership_names_a_field_in_any_case(tmp_path: Path) -> None:
    # Azure DevOps reads reference names in any case: `ignore: [custom.risk]` must ignore
    # Custom.Risk, not send it.
    write(
        tmp_path,
        "a.yaml",
        """\
        defaults: {createOnly: [CUSTOM.SIZE]}
        items:
          - key: a
            type: Task
            title: A
            ignore: [custom.risk]
            fields: {Custom.Risk: high, Custom.Size: 3}
        """,
    )
    item = load([tmp_path], SCOPED).items[0]
    assert item.owner("Custom.Risk") == "ignored"
    assert item.owner("Custom.Size") == "create-only"


def test_yaml_12_scalars_stay_text(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        """\
        items:
          - key: a
            type: Task
            title: on
            reason: no
            startDate: 2026-01-15
            fields: {Custom.Flag: true, Custom.Hex: 0x10, Custom.Float: 1.5}
        """,
    )
    fields = load([tmp_path], SCOPED).items[0].fields
    assert fields["System.Title"] == "on"
    assert fields["System.Reason"] == "no"
    assert fields["Microsoft.VSTS.Scheduling.StartDate"] == "2026-01-15"
    assert fields["Custom.Flag"] is True
    assert fields["Custom.Hex"] == 16
    assert fields["Custom.Float"] == 1.5


def test_scope_and_project_from_manifest_else_settings(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "items: [{key: a, type: Task, title: A}]\n")
    desired = load([tmp_path], LoadOptions(scope="s", project="P"))
    assert (desired.scope, desired.project) == ("s", "P")
    write(tmp_path, "b.yaml", "scope: s\nproject: P\nitems: []\n")
    assert load([tmp_path], LoadOptions()).scope == "s"


def test_two_scopes_in_one_set_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "scope: one\nitems: []\n")
    write(tmp_path, "b.yaml", "scope: two\nitems: []\n")
    (message,) = errors_of([tmp_path], LoadOptions())
    assert message.startswith(f"{tmp_path / 'b.yaml'}:1:8: error: scope 'two' differs")
    assert f"{tmp_path / 'a.yaml'}:1:8" in message


def test_manifest_scope_against_other_settings_scope(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "scope: one\nitems: []\n")
    (message,) = errors_of([tmp_path], LoadOptions(scope="two"))
    assert "scope 'one' differs from scope 'two' given by witsync.yaml or --scope" in message


def test_no_scope_anywhere(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "items: []\n")
    (message,) = errors_of([tmp_path], LoadOptions())
    assert "no scope" in message
    assert "--scope" in message


def test_find_manifests_skips_config_hidden_and_other_files(tmp_path: Path) -> None:
    write(tmp_path, "witsync.yaml", "scope: s\n")
    write(tmp_path, "b.yml", "items: []\n")
    write(tmp_path, "sub/a.yaml", "items: []\n")
    write(tmp_path, ".witsync/x.yaml", "items: []\n")
    write(tmp_path, "notes.txt", "x\n")
    files, problems = find_manifests([tmp_path, tmp_path / "b.yml", tmp_path / "witsync.yaml"])
    assert problems == []
    assert sorted(files) == [tmp_path / "b.yml", tmp_path / "sub" / "a.yaml"]


def test_missing_path(tmp_path: Path) -> None:
    (message,) = errors_of([tmp_path / "nope"])
    assert "nope: no such file or folder" in message


def test_warnings_do_not_fail_and_report_is_returned(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "items: [{key: a, type: Task, title: A}]\n")
    write(tmp_path, "b.yaml", "apiVersion: witsync/v1\nitems: [{key: b, type: Task, title: B}]\n")
    report = load_report([tmp_path], SCOPED)
    assert [str(w) for w in report.warnings] == [
        f"{tmp_path / 'a.yaml'}:1:1: warning: no apiVersion: read as witsync/v1\n"
        "  hint: add `apiVersion: witsync/v1` so that later versions of witsync read this file "
        "the same way"
    ]
    assert [item.key for item in report.desired.items] == ["a", "b"]


def test_samples_validate_clean() -> None:
    samples = Path(__file__).parent.parent.parent / "samples"
    for folder, scope in (("agile", "fabrikam-web"), ("scrum", "contoso-mobile")):
        if (samples / folder).is_dir():
            desired = load([samples / folder], LoadOptions(scope=scope))
            assert desired.items


def test_known_reference_names_get_their_usual_spelling(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        """\
        items:
          - key: t
            type: Task
            title: T
            fields: {system.state: New, system.tags: "a; b", Custom.x: 1}
        """,
    )
    item = load([tmp_path], SCOPED).items[0]
    assert item.fields == {
        "System.Title": "T",
        "System.State": "New",
        "System.Tags": ("a", "b"),
        "Custom.x": 1,
    }
    assert item.ownership["System.State"] == "create-only"


def test_digest_follows_paths_and_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "items: [{key: a, type: Task, title: A}]\n")
    first = load([tmp_path], SCOPED).digest
    assert load([tmp_path], SCOPED).digest == first
    path.write_text("items: [{key: a, type: Task, title: B}]\n")
    assert load([tmp_path], SCOPED).digest != first
