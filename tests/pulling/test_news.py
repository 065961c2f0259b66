"""The board's news, computed without a server: manifests loaded from text, a board by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from plan_support import process

from witsync.exporting.entries import type_defaults
from witsync.loading.loader import load
from witsync.loading.options import LoadOptions
from witsync.marker import marker_url, scope_tag
from witsync.model import REL_CHILD, REL_HYPERLINK, REL_PARENT, REL_RELATED, Live, LiveItem
from witsync.model import LiveRelation as Rel
from witsync.pulling.change import PullOptions
from witsync.pulling.children import new_child_ids
from witsync.pulling.news import pull_news

URL = "http://local-board/local/_apis/wit/workItems/"
SCOPE = "web"


def board_item(id: int, key: str | None, type: str = "Task", **fields: Any) -> LiveItem:
    relations = list(fields.pop("relations", ()))
    if key is not None:
        relations.append(Rel(REL_HYPERLINK, marker_url(SCOPE, key)))
        fields.setdefault("System.Tags", scope_tag(SCOPE))
    values = {
        "System.WorkItemType": type,
        "System.Title": key or f"item {id}",
        "System.State": "New",
        **fields,
    }
    return LiveItem(id, 3, values, tuple(relations))


def task(**fields: Any) -> LiveItem:
    """The task as the manifest has it, unless `fields` say otherwise."""
    values = {
        "System.AssignedTo": "ann@fabrikam.com",
        "Microsoft.VSTS.Scheduling.RemainingWork": 4,
        "Custom.Risk": "High",
        "System.IterationPath": "Fabrikam\\Sprint 1",
        **fields,
    }
    return board_item(2, "task", **values)


def link(rel: str, id: int) -> Rel:
    return Rel(rel, URL + str(id), {}, id)


def news(tmp_path: Path, text: str, items: list[LiveItem], options: PullOptions,
         extra: list[LiveItem] = ()) -> Any:  # fmt: skip
    path = tmp_path / "backlog.yaml"
    path.write_text(text)
    desired = load([path], LoadOptions(scope=SCOPE))
    live = Live(
        {item.id: item for item in items},
        frozenset(item.id for item in items if scope_tag(SCOPE) in str(item.fields["System.Tags"])),
    )
    result = pull_news(
        desired,
        live,
        process(),
        {str(path): text},
        options=options,
        defaults=type_defaults(process(), "Fabrikam"),
        extra={item.id: item for item in extra},
    )
    return result, result.texts.get(str(path), text), desired, live


BACKLOG = """\
defaults:
  iteration: Fabrikam\\Sprint 1
items:
  - key: story
    type: User Story
    title: story
    state: New     # planned
    children:
      - key: task
        type: Task
        title: task
        assignedTo: Ann <ann@fabrikam.com>
        remainingWork: 4
        fields:
          Custom.Risk: High
      - key: done
        type: Task
        title: done
        related: [task]
"""


def test_create_only_values_come_back_and_managed_ones_only_with_drift(tmp_path: Path) -> None:
    items = [
        board_item(
            1,
            "story",
            "User Story",
            **{"System.State": "Active", "System.IterationPath": "Fabrikam\\Sprint 1"},
        ),
        board_item(
            2,
            "task",
            **{
                "System.AssignedTo": {"displayName": "Ann", "uniqueName": "ANN@fabrikam.com"},
                "Microsoft.VSTS.Scheduling.RemainingWork": 2.0,
                "Custom.Risk": "Low",
                "System.IterationPath": "Fabrikam\\Sprint 1",
            },
        ),
        board_item(3, "done", **{"System.IterationPath": "Fabrikam\\Sprint 1"}),
    ]
    result, text, _, _ = news(tmp_path, BACKLOG, items, PullOptions())
    assert text == BACKLOG.replace("state: New ", "state: Active ").replace(
        "remainingWork: 4", "remainingWork: 2"
    )  # the identity is the same person (by e-mail): not news
    assert {(c.key, c.field) for c in result.changes if c.kind == "value"} == {
        ("story", "state"), ("task", "remainingWork"),
    }  # fmt: skip
    # Custom.Risk is managed: with --drift (or --fields) it is taken too, where it is written
    _, text, _, _ = news(tmp_path, BACKLOG, items, PullOptions(drift=True))
    assert "Custom.Risk: Low" in text
    _, text, _, _ = news(tmp_path, BACKLOG, items, PullOptions(fields=frozenset({"Custom.Risk"})))
    assert "Custom.Risk: Low" in text


def test_new_children_are_adopted_under_their_parent_with_their_own(tmp_path: Path) -> None:
    items = [
        board_item(
            1,
            "story",
            "User Story",
            relations=[
                link(REL_CHILD, 2),
                link(REL_CHILD, 7),
                link(REL_CHILD, 9),
                link(REL_CHILD, 11),
            ],
        ),
        task(),
        board_item(3, "done"),
    ]
    extra = [
        board_item(
            7,
            None,
            **{
                "System.Title": "Write docs",
                "System.State": "Active",
                "System.IterationPath": "Fabrikam\\Sprint 1",
                "System.Tags": "docs",
                "relations": (link(REL_PARENT, 1), link(REL_RELATED, 2), link(REL_CHILD, 8)),
            },
        ),
        board_item(
            8,
            None,
            **{
                "System.Title": "task",
                "System.IterationPath": "Fabrikam",
                "relations": (link(REL_PARENT, 7),),
            },
        ),
        board_item(9, None, **{"System.Tags": "witsync:other", "System.Title": "theirs"}),
    ]
    assert set(new_child_ids(*news(tmp_path, BACKLOG, items, PullOptions())[2:])) == {7, 9, 11}
    result, text, _, _ = news(tmp_path, BACKLOG, items, PullOptions(new_children=True), extra)
    assert text == BACKLOG + (
        "      - key: write-docs\n"
        "        id: 7\n"
        "        type: Task\n"
        "        title: Write docs\n"
        "        state: Active\n"
        "        tags: [docs]\n"
        "        related: [task]\n"
        "        children:\n"
        "          - key: task-8\n"  # 'task' is taken
        "            id: 8\n"
        "            type: Task\n"
        "            title: task\n"
        "            iteration: Fabrikam\n"  # the root, against the file's default
    )
    kinds = [(c.kind, c.key) for c in result.changes]
    assert ("added", "write-docs") in kinds
    assert ("added", "task-8") in kinds
    assert ("skipped", "theirs") in kinds  # another scope's item is not taken


def test_closed_and_deleted_items_are_reported_and_removed_on_request(tmp_path: Path) -> None:
    backlog = BACKLOG.replace("        title: done\n", "        title: done\n        id: 30\n")
    items = [
        board_item(1, "story", "User Story"),
        task(**{"System.State": "Closed"}),
    ]
    result, text, _, _ = news(tmp_path, backlog, items, PullOptions())
    assert text == backlog
    reports = {(c.kind, c.key) for c in result.changes}
    assert reports >= {("closed", "task"), ("deleted", "done")}
    result, text, _, _ = news(tmp_path, backlog, items, PullOptions(remove_closed=True))
    assert "key: task" not in text
    assert "key: done" not in text
    assert "children" not in text  # emptied, so gone
    assert text.startswith(backlog.split("    children:")[0])
    # a closed item with open items under it stays
    items[0] = board_item(1, "story", "User Story", **{"System.State": "Closed"})
    items[1] = task(**{"System.State": "Active"})
    result, text, _, _ = news(tmp_path, backlog, items, PullOptions(remove_closed=True))
    assert "key: story" in text
    assert any("kept: entries under it are still open" in c.message for c in result.changes)


def test_a_default_moves_only_when_every_entry_taking_it_moved(tmp_path: Path) -> None:
    sprint2 = {"System.IterationPath": "Fabrikam\\Sprint 2"}
    items = [
        board_item(1, "story", "User Story", **sprint2),
        task(**sprint2),
        board_item(3, "done", **{"System.IterationPath": "Fabrikam\\Sprint 1"}),
    ]
    result, text, _, _ = news(tmp_path, BACKLOG, items, PullOptions(drift=True))
    assert "  iteration: Fabrikam\\Sprint 1\n" in text  # the default stays for 'done'
    assert text.count("iteration: Fabrikam\\Sprint 2") == 2  # written on story and task
    assert all("no longer fits" in c.message for c in result.changes if c.kind == "value")
    items[2] = board_item(3, "done", **sprint2)
    result, text, _, _ = news(tmp_path, BACKLOG, items, PullOptions(drift=True))
    assert text == BACKLOG.replace("Fabrikam\\Sprint 1", "Fabrikam\\Sprint 2")
    (change,) = [c for c in result.changes if c.kind == "default"]
    assert change.field == "iteration"
