"""Bad input never crashes or hangs the loader: a clear message at its file:line:column."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from witsync.errors import ManifestError
from witsync.loading.loader import load
from witsync.loading.options import LoadOptions
from witsync.loading.yamlbuild import MAX_ALIAS_EXPANSION, MAX_DEPTH
from witsync.loading.yamlsource import MAX_FILE_BYTES

SCOPED = LoadOptions(scope="team")


def problems(tmp_path: Path, content: str | bytes, name: str = "m.yaml") -> list[str]:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return _loaded_problems(tmp_path)


def test_malformed_yaml(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, "items:\n  - key: a\n    title: [unclosed\n    type: Task\n")
    assert message.startswith("m.yaml:4:9: error: invalid YAML: did not find expected ',' or ']'")
    assert "(while parsing a flow sequence at line 3)" in message
    assert "hint: check the indentation" in message


def test_tab_indentation(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, "items:\n\t- key: a\n")
    assert message.startswith("m.yaml:2:1: error: tab character in indentation")
    assert "replace the tabs with spaces" in message


def test_tab_inside_a_value_is_fine(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text('items: [{key: a, type: Task, title: "a\tb"}]\n')
    assert load([tmp_path], SCOPED).items[0].fields["System.Title"] == "a\tb"


def test_duplicate_mapping_keys_name_both_lines(tmp_path: Path) -> None:
    found = problems(
        tmp_path, "items:\n  - key: a\n    type: Task\n    title: A\n    title: B\n    type: Bug\n"
    )
    assert found == [
        "m.yaml:5:5: error: duplicate key 'title' (first at line 4, column 5)\n"
        "  hint: remove one of them: YAML keeps only one value per key",
        "m.yaml:6:5: error: duplicate key 'type' (first at line 3, column 5)\n"
        "  hint: remove one of them: YAML keeps only one value per key",
    ]


def test_wrong_type(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, "items:\n  - key: a\n    type: Task\n    priority: high\n")
    assert message.startswith(
        "m.yaml:4:15: error: priority must be a whole number or null, not 'high'"
    )
    assert "for example: 1, 2" in message


@pytest.mark.parametrize("field", ["id", "parent"])
def test_an_id_past_what_azure_devops_numbers_is_refused(tmp_path: Path, field: str) -> None:
    # Work item ids are 32-bit: a bigger one once reached SQLite and crashed the plan.
    (message,) = problems(
        tmp_path, f"items:\n  - key: a\n    type: Task\n    title: x\n    {field}: 2147483648\n"
    )
    assert message.startswith(f"m.yaml:5:{5 + len(field) + 2}: error: ")
    assert (
        "at most 2147483647" in message
        if field == "id"
        else "parent has an invalid value 2147483648" in message
    )


def test_a_repeated_list_value_is_named_where_it_repeats(tmp_path: Path) -> None:
    (message,) = problems(
        tmp_path, "items:\n  - key: a\n    type: Task\n    title: x\n    related: [9, b, 9]\n"
    )
    assert message == "m.yaml:5:21: error: related lists 9 twice\n  hint: remove the second one"


@pytest.mark.parametrize("number", [".inf", ".nan", "1e400", "!!float .NaN"])
def test_infinity_and_nan_are_refused(tmp_path: Path, number: str) -> None:
    # JSON has no such numbers: the plan file would not be JSON and the server would refuse it.
    for field in ("remainingWork", "fields: {Custom.Score"):
        close = "}" if field.startswith("fields") else ""
        text = f"items:\n  - key: a\n    type: Task\n    title: x\n    {field}: {number}{close}\n"
        (message,) = problems(tmp_path, text)
        assert message.startswith("m.yaml:5:"), message
        assert "is not a finite number" in message
        assert "hint: " in message


def test_every_error_is_reported(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        "items:\n"
        "  - key: a\n    type: Task\n    priority: high\n"
        "  - key: b\n    type: Task\n    storyPoints: -1\n"
        "  - key: c\n    titel: C\n",
    )
    assert [line.split(": error")[0] for line in found] == [
        "m.yaml:4:15",
        "m.yaml:7:18",
        "m.yaml:9:5",
    ]


def test_unknown_property_did_you_mean(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, "items:\n  - key: a\n    type: Task\n    titel: A\n")
    assert message == (
        "m.yaml:4:5: error: unknown property 'titel' in an entry of items\n"
        "  hint: did you mean 'title'?"
    )


def test_unknown_top_level_property(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, "scpoe: x\nitems: []\n")
    assert message.startswith("m.yaml:1:1: error: unknown property 'scpoe'")
    assert "did you mean 'scope'?" in message


def test_unknown_property_far_from_any_lists_what_is_allowed(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, "zzz: 1\nitems: []\n")
    assert message == (
        "m.yaml:1:1: error: unknown property 'zzz'\n"
        "  hint: allowed here: apiVersion, project, scope, defaults, items"
    )


def test_not_utf8(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, b"items:\n  - key: caf\xe9\n")
    assert message == (
        "m.yaml:2:13: error: not UTF-8 text (byte 0xe9)\n  hint: save the file as UTF-8"
    )


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_bytes(b"\xef\xbb\xbfitems: [{key: a, type: Task, title: A}]\n")
    assert load([tmp_path], SCOPED).items[0].key == "a"


def test_empty_file(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, "")
    assert message.startswith("m.yaml:1:1: error: empty manifest")


def test_comment_only_file_is_empty(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, "# nothing here\n")
    assert "empty manifest" in message


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    with path.open("wb") as handle:  # sparse: no memory or disk spent
        handle.truncate(MAX_FILE_BYTES + 1)
    started = time.perf_counter()
    (message,) = _loaded_problems(tmp_path)
    assert message.startswith("m.yaml:1:1: error: file is 20.0 MB; the limit for one manifest")
    assert time.perf_counter() - started < 1


def _loaded_problems(tmp_path: Path) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load([tmp_path], SCOPED)
    errors = [d for d in caught.value.diagnostics if d.severity == "error"]
    return [str(d).replace(f"{tmp_path}/", "") for d in errors]


BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
items: *i
"""


def test_billion_laughs_is_refused_fast(tmp_path: Path) -> None:
    started = time.perf_counter()
    (message,) = problems(tmp_path, BILLION_LAUGHS)
    assert time.perf_counter() - started < 1
    assert message.startswith("m.yaml:6:4: error: aliases expand this document to")
    assert f"{MAX_ALIAS_EXPANSION:,}" in message


def test_alias_bomb_through_merge_keys_is_refused(tmp_path: Path) -> None:
    lines = ["x0: &x0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}"]
    for level in range(1, 12):
        keys = ", ".join(f"k{n}: *x{level - 1}" for n in range(10))
        lines.append(f"x{level}: &x{level} {{{keys}}}")
    lines.append("items: []")
    (message,) = problems(tmp_path, "\n".join(lines) + "\n")
    assert "aliases expand this document" in message


def test_small_anchors_and_merge_keys_are_fine(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "x-task: &task {type: Task, remainingWork: 2}\n"
        "x-tags: &tags [a, b]\n"
        "items:\n"
        "  - {<<: *task, key: a, title: A, tags: *tags}\n"
        "  - key: b\n    <<: [*task]\n    title: B\n    remainingWork: 5\n"
    )
    a, b = load([tmp_path], SCOPED).items
    assert a.type == b.type == "Task"
    assert a.fields["System.Tags"] == ("a", "b")
    assert a.fields["Microsoft.VSTS.Scheduling.RemainingWork"] == 2
    assert b.fields["Microsoft.VSTS.Scheduling.RemainingWork"] == 5
    assert a.field_locations["Microsoft.VSTS.Scheduling.RemainingWork"].line == 1


def test_undefined_alias(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, "items: *nowhere\n")
    assert message.startswith("m.yaml:1:8: error: alias *nowhere refers to no anchor")


def test_deep_nesting_is_refused_without_recursion(tmp_path: Path) -> None:
    depth = 100_000
    (message,) = problems(tmp_path, "items: " + "[" * depth + "]" * depth + "\n")
    assert message.startswith(f"m.yaml:1:{MAX_DEPTH + 7}: error: nested more than {MAX_DEPTH}")


def test_python_tags_are_refused(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, "items: !!python/object/apply:os.system [echo hi]\n")
    assert message.startswith("m.yaml:1:8: error: unsupported YAML tag !!python/object/apply")


def test_standard_tags_are_checked(tmp_path: Path) -> None:
    found = problems(
        tmp_path, "items:\n  - {key: a, type: Task, title: !!str 12, priority: !!int one}\n"
    )
    assert found[0].startswith("m.yaml:2:53: error: 'one' is not a valid !!int")


def test_two_documents(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, "items: []\n---\nitems: []\n")
    assert message.startswith("m.yaml:2:1: error: more than one YAML document")


def test_control_character(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, "items: [\x07]\n")
    assert message.startswith("m.yaml:1:9: error: invalid YAML: unacceptable character #x0007")


def test_complex_key(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, "? [a, b]\n: c\nitems: []\n")
    assert message.startswith("m.yaml:1:3: error: a mapping key must be plain text")


def test_not_a_mapping(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, "- a\n- b\n")
    assert message.startswith("m.yaml:1:1: error: the document must be a mapping, not a list")


def test_not_a_manifest(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, "trigger: [main]\npool: {vmImage: ubuntu-latest}\n")
    assert message.startswith("m.yaml:1:1: error: not a witsync manifest")


def test_directory_with_no_manifests(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("hi\n")
    with pytest.raises(ManifestError) as caught:
        load([tmp_path], SCOPED)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.message == f"no manifests (*.yaml, *.yml) in {tmp_path}"
    assert diagnostic.location is None


def test_errors_in_several_files_are_all_reported(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("items:\n\t- x\n")
    (tmp_path / "b.yaml").write_bytes(b"\xff")
    (tmp_path / "c.yaml").write_text("items: [{key: c, type: Task, priority: 9}]\n")
    with pytest.raises(ManifestError) as caught:
        load([tmp_path], SCOPED)
    errors = [d for d in caught.value.diagnostics if d.severity == "error"]
    files = [Path(d.location.file).name for d in errors if d.location]
    assert files == ["a.yaml", "b.yaml", "c.yaml"]
