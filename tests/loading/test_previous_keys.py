"""`previousKeys: [old]` on an entry: a declared key move (Terraform's `moved` block). Read into
`DesiredItem.previous_keys`; the schema (both paths) and the graph checks refuse a previous key
that is no key (bad spelling), that two entries claim, or that is a key of the set now."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from witsync.errors import ManifestError
from witsync.loading.loader import load
from witsync.loading.options import LoadOptions
from witsync.loading.schema import fast_validator, validator

SCOPED = LoadOptions(scope="team")
SCHEMA = "manifest.schema.json"


def write(tmp_path: Path, **files: str) -> None:
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")


def problems(tmp_path: Path, **files: str) -> list[str]:
    write(tmp_path, **files)
    with pytest.raises(ManifestError) as caught:
        load([tmp_path], SCOPED)
    errors = [d for d in caught.value.diagnostics if d.severity == "error"]
    return [str(d).replace(f"{tmp_path}/", "") for d in errors]


def test_previous_keys_are_read_in_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        a="""\
        items:
          - key: alert-oncall-rotation
            previousKeys: [alert-oncall, pager]
            type: Task
            title: Rotate the on-call alert
            children:
              - {key: child, type: Task, title: C, previousKeys: [kid]}
        """,
    )
    items = {entry.key: entry for entry in load([tmp_path], SCOPED).items}
    assert items["alert-oncall-rotation"].previous_keys == ("alert-oncall", "pager")
    assert items["child"].previous_keys == ("kid",)


def test_an_entry_without_previous_keys_has_none(tmp_path: Path) -> None:
    write(tmp_path, a="items:\n  - {key: x, type: Task, title: X}\n")
    assert load([tmp_path], SCOPED).items[0].previous_keys == ()


@pytest.mark.parametrize(
    "value",
    [["ok-key"], ["a", "b"]],
)
def test_the_schema_takes_a_list_of_keys(value: list[str]) -> None:
    document = {"items": [{"key": "x", "type": "Task", "title": "X", "previousKeys": value}]}
    assert fast_validator(SCHEMA)(document)
    assert not list(validator(SCHEMA).iter_errors(document))


@pytest.mark.parametrize(
    "value",
    ["old", [], ["bad key"], ["a", "a"], [1]],
)
def test_the_schema_refuses_what_is_not_a_list_of_distinct_keys(value: object) -> None:
    document = {"items": [{"key": "x", "type": "Task", "title": "X", "previousKeys": value}]}
    assert not fast_validator(SCHEMA)(document)
    assert list(validator(SCHEMA).iter_errors(document))


def test_a_previous_key_claimed_twice_is_an_error(tmp_path: Path) -> None:
    messages = problems(
        tmp_path,
        a="""\
        items:
          - {key: x, type: Task, title: X, previousKeys: [old]}
          - {key: y, type: Task, title: Y, previousKeys: [old]}
        """,
    )
    assert len(messages) == 1
    assert messages[0].startswith(
        "a.yaml:3:5: error: previous key 'old' of 'y' is also a previous key of 'x' (a.yaml:2:5)"
    )


def test_a_previous_key_that_is_a_key_of_the_set_is_an_error(tmp_path: Path) -> None:
    messages = problems(
        tmp_path,
        a="items:\n  - {key: x, type: Task, title: X, previousKeys: [y]}\n",
        b="items:\n  - {key: y, type: Task, title: Y}\n",
    )
    assert len(messages) == 1
    assert messages[0].startswith(
        "a.yaml:2:5: error: previous key 'y' of 'x' is the key of an item of the set (b.yaml:2:5)"
    )


def test_an_entrys_own_key_as_its_previous_key_is_an_error(tmp_path: Path) -> None:
    own = "items:\n  - {key: x, type: Task, title: X, previousKeys: [x]}\n"
    messages = problems(tmp_path, a=own)
    assert len(messages) == 1
    assert "previous key 'x' of 'x' is its own key" in messages[0]
