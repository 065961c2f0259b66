"""check_against_process: types, fields, states, paths and read-only fields, each at its place."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

from witsync.loading.loader import check_against_process, load
from witsync.loading.options import LoadOptions
from witsync.model import FieldInfo, Process, StateInfo, TypeInfo

COMMON = frozenset(
    {
        "System.Title",
        "System.State",
        "System.AreaPath",
        "System.IterationPath",
        "System.Tags",
        "System.AssignedTo",
        "System.CreatedDate",
    }
)
PROCESS = Process(
    types={
        "User Story": TypeInfo(
            name="User Story",
            initial_state="New",
            states=(
                StateInfo("New", "Proposed"),
                StateInfo("Active", "InProgress"),
                StateInfo("Closed", "Completed"),
            ),
            fields=COMMON | {"Microsoft.VSTS.Scheduling.StoryPoints"},
        ),
        "Task": TypeInfo(
            name="Task",
            initial_state="New",
            states=(StateInfo("New", "Proposed"), StateInfo("Done", "Completed")),
            fields=COMMON | {"Microsoft.VSTS.Scheduling.RemainingWork"},
        ),
    },
    fields={
        ref: FieldInfo(
            ref,
            ref.rsplit(".", 1)[-1],
            "treePath" if ref.endswith("Path") else "string",
            read_only=ref in {"System.CreatedDate", "System.AreaPath", "System.IterationPath"},
        )
        for ref in COMMON
        | {"Microsoft.VSTS.Scheduling.StoryPoints", "Microsoft.VSTS.Scheduling.RemainingWork"}
    },
    area_paths=frozenset({"Fabrikam", "Fabrikam\\Web"}),
    iteration_paths=frozenset({"Fabrikam", "Fabrikam\\Sprint 1"}),
)


def check(tmp_path: Path, text: str, process: Process = PROCESS) -> list[str]:
    (tmp_path / "a.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    desired = load([tmp_path], LoadOptions(scope="team"))
    return [str(d).replace(f"{tmp_path}/", "") for d in check_against_process(desired, process)]


def test_a_valid_set_has_no_problems(tmp_path: Path) -> None:
    assert (
        check(
            tmp_path,
            """\
            items:
              - key: s
                type: User Story
                title: S
                state: active
                storyPoints: 3
                area: fabrikam\\WEB
                iteration: Fabrikam\\Sprint 1
                children:
                  - {key: t, type: Task, title: T, remainingWork: 2, tags: null}
            """,
        )
        == []
    )


def test_unknown_type_with_hint(tmp_path: Path) -> None:
    (message,) = check(tmp_path, "items:\n  - {key: s, type: User Stroy, title: S}\n")
    assert message == (
        "a.yaml:2:5: error: unknown work item type 'User Stroy' for 's'\n"
        "  hint: did you mean 'User Story'?"
    )


def test_type_in_another_case_names_the_right_spelling(tmp_path: Path) -> None:
    (message,) = check(tmp_path, "items:\n  - {key: s, type: user story, title: S}\n")
    assert "unknown work item type 'user story'" in message
    assert "did you mean 'User Story'?" in message


def test_field_not_on_the_type(tmp_path: Path) -> None:
    (message,) = check(
        tmp_path, "items:\n  - key: t\n    type: Task\n    storyPoints: 3\n    title: T\n"
    )
    assert message.startswith(
        "a.yaml:4:5: error: Task has no field storyPoints (Microsoft.VSTS.Scheduling.StoryPoints)"
    )


def test_unknown_field(tmp_path: Path) -> None:
    (message,) = check(
        tmp_path,
        "items:\n  - key: t\n    type: Task\n    title: T\n    fields:\n      System.Titel: x\n",
    )
    assert message == (
        "a.yaml:6:7: error: unknown field System.Titel\n  hint: did you mean 'System.Title'?"
    )


def test_unknown_state_lists_the_states(tmp_path: Path) -> None:
    (message,) = check(tmp_path, "items:\n  - {key: t, type: Task, title: T, state: Active}\n")
    assert message == (
        "a.yaml:2:36: error: 'Active' is not a state of Task\n  hint: states: New, Done"
    )


def test_reference_name_in_another_case_is_reported_with_its_spelling(tmp_path: Path) -> None:
    # The board returns fields under the process's spelling: a plan comparing custom.risk
    # would never find Custom.Risk on the item and would plan a change forever.
    task = PROCESS.types["Task"]
    process = dataclasses.replace(
        PROCESS,
        types={
            **PROCESS.types,
            "Task": dataclasses.replace(task, fields=task.fields | {"Custom.Risk"}),
        },
        fields={**PROCESS.fields, "Custom.Risk": FieldInfo("Custom.Risk", "Risk", "string")},
    )
    (message,) = check(
        tmp_path,
        "items:\n  - key: t\n    type: Task\n    title: T\n    fields: {custom.risk: high}\n",
        process,
    )
    assert message == (
        "a.yaml:5:14: error: field custom.risk is spelled Custom.Risk in this project\n"
        "  hint: write Custom.Risk"
    )


def test_unknown_paths(tmp_path: Path) -> None:
    found = check(
        tmp_path,
        "defaults:\n  area: Fabrikam\\Mobile\n"
        "items:\n  - {key: t, type: Task, title: T, iteration: Fabrikam\\Sprint 9}\n",
    )
    assert [line.split("\n")[0] for line in found] == [
        "a.yaml:2:3: error: unknown area path 'Fabrikam\\Mobile'",
        "a.yaml:4:36: error: unknown iteration path 'Fabrikam\\Sprint 9'",
    ]


def test_paths_are_not_checked_when_the_process_lists_none(tmp_path: Path) -> None:
    process = Process(types=PROCESS.types, fields=PROCESS.fields)
    assert (
        check(tmp_path, "items:\n  - {key: t, type: Task, title: T, area: Nowhere}\n", process)
        == []
    )


def test_read_only_field(tmp_path: Path) -> None:
    (message,) = check(
        tmp_path,
        "items:\n  - key: t\n    type: Task\n    title: T\n"
        "    fields: {System.CreatedDate: '2026-01-01'}\n",
    )
    # A field without a friendly name is named once, not as "X (X)".
    assert message == (
        "a.yaml:5:14: error: System.CreatedDate is read-only\n"
        "  hint: remove it from this item: Azure DevOps sets it itself"
    )


def test_every_item_is_checked(tmp_path: Path) -> None:
    found = check(
        tmp_path,
        "items:\n  - {key: a, type: Nope, title: A}\n"
        "  - {key: b, type: Task, title: B, state: Gone}\n"
        "  - {key: c, type: Task, title: C, storyPoints: 1}\n",
    )
    assert [line.split(": error")[0] for line in found] == [
        "a.yaml:2:5",
        "a.yaml:3:36",
        "a.yaml:4:36",
    ]
