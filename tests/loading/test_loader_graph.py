"""Checks across the set: duplicate keys and ids, unknown parents and links, cycles."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from witsync.errors import ManifestError
from witsync.loading.loader import load
from witsync.loading.options import LoadOptions

SCOPED = LoadOptions(scope="team")


def problems(tmp_path: Path, **files: str) -> list[str]:
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(ManifestError) as caught:
        load([tmp_path], SCOPED)
    errors = [d for d in caught.value.diagnostics if d.severity == "error"]
    return [str(d).replace(f"{tmp_path}/", "") for d in errors]


def test_duplicate_key_across_files_names_both_places(tmp_path: Path) -> None:
    (message,) = problems(
        tmp_path,
        a="items:\n  - {key: x, type: Task, title: A}\n",
        b="items:\n  - {key: y, type: Task, title: B}\n  - {key: x, type: Task, title: C}\n",
    )
    assert message.startswith("b.yaml:3:5: error: duplicate key 'x': also at a.yaml:2:5")


def test_duplicate_key_nested(tmp_path: Path) -> None:
    (message,) = problems(
        tmp_path,
        a="""\
        items:
          - key: x
            type: Epic
            title: X
            children:
              - {key: x, type: Task, title: Y}
        """,
    )
    assert message.startswith("a.yaml:6:9: error: duplicate key 'x': also at a.yaml:2:5")


def test_unknown_parent_with_hint(tmp_path: Path) -> None:
    (message,) = problems(
        tmp_path,
        a="items:\n  - {key: billing, type: Epic, title: B}\n"
        "  - {key: x, type: Task, title: X, parent: biling}\n",
    )
    assert message == (
        "a.yaml:3:44: error: unknown parent 'biling' of 'x'\n  hint: did you mean 'billing'?"
    )


def test_unknown_link_target(tmp_path: Path) -> None:
    (message,) = problems(
        tmp_path,
        a="items:\n  - key: x\n    type: Task\n    title: X\n    related: [7, nowhere]\n",
    )
    assert message.startswith("a.yaml:5:18: error: unknown link target 'nowhere' of 'x'")


def test_own_parent(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, a="items:\n  - {key: x, type: Task, title: X, parent: x}\n")
    assert message.startswith("a.yaml:2:44: error: 'x' is its own parent")
    assert "hint: name another item's key or id as the parent, or remove `parent:`" in message


def test_own_parent_by_adopted_id(tmp_path: Path) -> None:
    (message,) = problems(
        tmp_path, a="items:\n  - {key: x, id: 5, type: Task, title: X, parent: 5}\n"
    )
    assert "'x' is its own parent" in message


def test_self_link(tmp_path: Path) -> None:
    (message,) = problems(
        tmp_path, a="items:\n  - {key: x, type: Task, title: X, successors: [x]}\n"
    )
    assert message.startswith("a.yaml:2:49: error: 'x' links to itself")
    assert "hint: a link joins two work items: remove 'x' from this list" in message


def test_cycle_is_named(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        a="""\
        items:
          - {key: a, type: Epic, title: A, parent: c}
          - {key: b, type: Epic, title: B, parent: a}
        """,
        b="""\
        items:
          - {key: c, type: Epic, title: C, parent: b}
          - {key: d, type: Epic, title: D, parent: c}
        """,
    )
    assert found == [
        "a.yaml:2:5: error: hierarchy cycle: a -> c -> b -> a (each is the parent of the one "
        "before)\n  hint: a work item cannot be its own ancestor: remove one of these `parent:` "
        "links"
    ]


def test_cycle_through_nesting(tmp_path: Path) -> None:
    (message,) = problems(
        tmp_path,
        a="""\
        items:
          - key: top
            type: Epic
            title: Top
            parent: leaf
            children:
              - {key: leaf, type: Task, title: Leaf}
        """,
    )
    assert "hierarchy cycle: top -> leaf -> top" in message


def test_second_parent_on_nested_child(tmp_path: Path) -> None:
    (message,) = problems(
        tmp_path,
        a="""\
        items:
          - key: top
            type: Epic
            title: Top
            children:
              - key: kid
                type: Task
                title: Kid
                parent: 12
        """,
    )
    assert message.startswith(
        "a.yaml:9:9: error: 'kid' has a second parent: it is nested under 'top' and also "
        "names parent 12"
    )


def test_nested_item_naming_its_own_nesting_parent_is_told_so(tmp_path: Path) -> None:
    (message,) = problems(
        tmp_path,
        a="items:\n  - key: top\n    type: Epic\n    title: Top\n    children:\n"
        "      - {key: kid, type: Task, title: Kid, parent: top}\n",
    )
    assert message == (
        "a.yaml:6:44: error: 'kid' is nested under 'top' and also names it with `parent:`\n"
        "  hint: remove `parent: top`: being nested already makes 'top' its parent"
    )


def test_id_adopted_twice(tmp_path: Path) -> None:
    (message,) = problems(
        tmp_path,
        a="items:\n  - {key: x, id: 9, type: Task}\n  - {key: y, id: 9, type: Task}\n",
    )
    assert message.startswith(
        "a.yaml:3:5: error: work item 9 is adopted twice: by 'y' and by 'x' at a.yaml:2:5"
    )


def test_missing_type_and_title(tmp_path: Path) -> None:
    found = problems(tmp_path, a="items:\n  - key: x\n")
    assert [line.split("\n")[0] for line in found] == [
        "a.yaml:2:5: error: item 'x' has no type",
        "a.yaml:2:5: error: item 'x' has no title",
    ]


def test_field_written_twice(tmp_path: Path) -> None:
    (message,) = problems(
        tmp_path,
        a="""\
        items:
          - key: x
            type: Task
            title: X
            storyPoints: 3
            fields:
              microsoft.vsts.scheduling.storypoints: 5
        """,
    )
    assert message.startswith(
        "a.yaml:7:7: error: microsoft.vsts.scheduling.storypoints is written twice: here and as "
        "'storyPoints' at a.yaml:5:5"
    )


def test_reserved_fields(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        a="items:\n  - key: x\n    type: Task\n    title: X\n"
        "    fields: {System.Id: 3, System.WorkItemType: Bug}\n",
    )
    assert [line.split("\n")[0] for line in found] == [
        "a.yaml:5:14: error: System.Id cannot be written",
        "a.yaml:5:28: error: System.WorkItemType cannot be written",
    ]


def test_reserved_tag_prefix(tmp_path: Path) -> None:
    (message,) = problems(
        tmp_path, a="items:\n  - {key: x, type: Task, title: X, tags: [ok, 'witsync:other']}\n"
    )
    assert "tag 'witsync:other' uses the reserved prefix 'witsync:'" in message


def test_unknown_ownership_field(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        a="items:\n  - {key: x, type: Task, title: X, createOnly: [stat], ignore: [title],"
        " manage: [title]}\n",
    )
    assert [line.split("\n")[0] for line in found] == [
        "a.yaml:2:49: error: unknown field name 'stat' in createOnly",
        "a.yaml:2:65: error: 'title' is listed in both manage and ignore",
    ]
    assert "did you mean 'state'?" in found[0]


def test_dependency_cycle_is_named(tmp_path: Path) -> None:
    (message,) = problems(
        tmp_path,
        a="""\
        items:
          - {key: a, type: Task, title: A, successors: [b]}
          - {key: b, type: Task, title: B, successors: [c]}
          - {key: c, type: Task, title: C, predecessors: [7], successors: [a]}
        """,
    )
    assert message.startswith(
        "a.yaml:4:68: error: dependency cycle: a -> b -> c -> a (each comes before the next)"
    )


def test_dependency_declared_from_both_ends_is_no_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "items:\n  - {key: a, type: Task, title: A, successors: [b]}\n"
        "  - {key: b, type: Task, title: B, predecessors: [a]}\n"
    )
    assert len(load([tmp_path], SCOPED).items) == 2


def test_keys_in_a_file_that_failed_are_not_called_unknown(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        a="items:\n  - {key: epic, type: Epic, title: E, priority: high}\n",
        b="items:\n  - {key: x, type: Task, title: X, parent: epic, related: [epic]}\n",
    )
    assert len(found) == 1
    assert found[0].startswith("a.yaml:2:49: error: priority must be a whole number")


def test_an_item_with_errors_does_not_hide_the_others(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        a="""\
        items:
          - key: epic
            type: Epic
            title: E
            priority: high
            children:
              - {key: story, type: User Story, title: S}
          - {key: x, type: Task, title: X, parent: story, related: [epic, nope]}
          - {key: y, type: Task, title: Y, parent: x}
          - {key: y, type: Task, title: Y2}
        """,
    )
    assert [line.split("\n")[0] for line in found] == [
        "a.yaml:5:15: error: priority must be a whole number or null, not 'high'",
        "a.yaml:8:67: error: unknown link target 'nope' of 'x'",
        "a.yaml:10:5: error: duplicate key 'y': also at a.yaml:9:5",
    ]
