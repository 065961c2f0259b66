"""Picklist values checked against the project's process, as plan and validate do before any
write: a value the type does not list is an error at its place, numbers compare by value, and a
type whose values were not read (Azure DevOps' list of types leaves them out) is not judged."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from witsync.loading.loader import check_against_process, load
from witsync.loading.options import LoadOptions
from witsync.loading.process import picklist_types
from witsync.model import FieldInfo, Process, StateInfo, TypeInfo

FIELDS = {
    "System.Title": FieldInfo("System.Title", "Title", "string"),
    "System.State": FieldInfo("System.State", "State", "string", is_picklist=True),
    "Microsoft.VSTS.Common.Priority": FieldInfo(
        "Microsoft.VSTS.Common.Priority", "Priority", "integer", is_picklist=True
    ),
    "Microsoft.VSTS.Common.Risk": FieldInfo(
        "Microsoft.VSTS.Common.Risk", "Risk", "string", is_picklist=True
    ),
    "Custom.Level": FieldInfo("Custom.Level", "Level", "double", is_picklist=True),
}
STORY = TypeInfo(
    name="User Story",
    initial_state="New",
    states=(StateInfo("New", "Proposed"), StateInfo("Closed", "Completed")),
    fields=frozenset(FIELDS),
    allowed_values={
        "System.State": ("New", "Closed"),
        "Microsoft.VSTS.Common.Priority": ("1", "2", "3", "4"),
        "Microsoft.VSTS.Common.Risk": ("1 - High", "2 - Medium", "3 - Low"),
        "Custom.Level": ("1", "2.5", "3"),
    },
)
PROCESS = Process(types={"User Story": STORY}, fields=FIELDS)


def check(tmp_path: Path, fields: str, process: Process = PROCESS) -> list[str]:
    text = "items:\n  - key: s\n    type: User Story\n    title: S\n" + fields
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    desired = load([tmp_path], LoadOptions(scope="team"))
    return [str(d).replace(f"{tmp_path}/", "") for d in check_against_process(desired, process)]


def test_listed_values_pass_numbers_by_value(tmp_path: Path) -> None:
    assert check(tmp_path, "    priority: 2\n    risk: 2 - Medium\n    state: Closed\n") == []
    assert check(tmp_path, "    fields: {Custom.Level: 2.50}\n") == []
    assert check(tmp_path, "    risk: null\n") == []  # clearing a field is always allowed


def test_a_value_the_type_does_not_list_is_an_error_with_the_list_or_the_close_one(
    tmp_path: Path,
) -> None:
    assert check(tmp_path, "    risk: 4 - None\n    fields:\n      Custom.Level: 2\n") == [
        "a.yaml:5:5: error: '4 - None' is not an allowed value of risk "
        "(Microsoft.VSTS.Common.Risk) for User Story\n"
        "  hint: allowed values: '1 - High', '2 - Medium', '3 - Low'",
        "a.yaml:7:7: error: 2 is not an allowed value of Custom.Level for User Story\n"
        "  hint: allowed values: '1', '2.5', '3'",
    ]
    # another case is another value to a plan that compares exactly: said, with the right one
    assert check(tmp_path, "    risk: 1 - high\n") == [
        "a.yaml:5:5: error: '1 - high' is not an allowed value of risk "
        "(Microsoft.VSTS.Common.Risk) for User Story\n"
        "  hint: did you mean '1 - High'?"
    ]


def test_values_not_read_are_not_judged(tmp_path: Path) -> None:
    unread = dataclasses.replace(STORY, allowed_values=None)
    process = dataclasses.replace(PROCESS, types={"User Story": unread})
    assert check(tmp_path, "    risk: 4 - None\n", process) == []


def test_the_types_whose_values_are_needed_are_those_with_a_picklist_field_set(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.yaml").write_text(
        "items:\n"
        "  - {key: a, type: user story, title: A, risk: 1 - High}\n"
        "  - {key: b, type: User Story, title: B}\n",
        encoding="utf-8",
    )
    desired = load([tmp_path], LoadOptions(scope="team"))
    assert picklist_types(desired, PROCESS) == {"User Story"}
    (tmp_path / "a.yaml").write_text("items: [{key: b, type: User Story, title: B}]\n")
    assert picklist_types(load([tmp_path], LoadOptions(scope="team")), PROCESS) == set()
