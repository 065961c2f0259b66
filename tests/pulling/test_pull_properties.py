"""Properties of `witsync pull`, on random manifests applied to a fresh local board.

- apply → pull is a no-op on the files (nothing the board holds differs from the YAML);
- board edit → pull → plan is empty (with --drift, every edit is taken, none is undone);
- whatever the comment and format style of a manifest, a pull changes only the lines of the
  values it writes, and keeps each such line's indentation, key and comment.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import tempfile
from pathlib import Path
from typing import Any

import httpx
from board_support import DAN, People
from cli_support import run_main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from witsync.emulator import asgi_transport, create_app

ORG = "http://local-board/local"
PROJECT = "Local"
SLOW = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# what a manifest may state for a Task, as YAML text, and what the board may later say
STATES = ["New", "Active", "Closed"]
PEOPLE = ["ann@fabrikam.com", "Bob Stone <bob@fabrikam.com>"]
TITLES = ["Build it", "Ship: v2", "Test 'quoted'", "Ünïcode #1"]
TAGS = [[], ["ux"], ["ux", "Q3: planning"], ["c#"]]
DESCRIPTIONS = ["Plain *markdown*\n\n- one\n- two\n", "<div>html kept</div>", "One line."]


@st.composite
def tasks(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Up to five tasks, each stating some fields."""
    found = []
    for n in range(draw(st.integers(1, 5))):
        fields: dict[str, Any] = {"title": draw(st.sampled_from(TITLES)) + f" {n}"}
        if draw(st.booleans()):
            fields["state"] = draw(st.sampled_from(STATES))
        if draw(st.booleans()):
            fields["assignedTo"] = draw(st.sampled_from(PEOPLE))
        if draw(st.booleans()):
            fields["remainingWork"] = draw(st.sampled_from([0, 1.5, 4]))
        if draw(st.booleans()):
            fields["priority"] = draw(st.integers(1, 4))
        if draw(st.booleans()):
            fields["tags"] = draw(st.sampled_from(TAGS))
        if draw(st.booleans()):
            fields["description"] = draw(st.sampled_from(DESCRIPTIONS))
        found.append(fields)
    return found


# -- a manifest in a random style ------------------------------------------------------------


@st.composite
def styled_manifest(draw: st.DrawFn, items: list[dict[str, Any]]) -> tuple[str, dict[Any, Any]]:
    """The YAML of `items`, in a random style, and for each (key, field) its first line index,
    the text its line starts with and the comment it ends with."""
    indent = draw(st.sampled_from([2, 4]))
    offset = draw(st.sampled_from([0, 2]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    version = draw(st.sampled_from(["apiVersion: witsync/v1", "apiVersion: 'witsync/v1'"]))
    lines = ["# yaml-language-server: $schema=../schemas/manifest.schema.json", version]
    where: dict[Any, Any] = {}
    defaults = draw(st.dictionaries(st.sampled_from(["state", "priority"]), st.just(0)))
    if defaults:
        lines.append("defaults:   # for every task below")
        for name in defaults:
            value = draw(st.sampled_from(STATES)) if name == "state" else draw(st.integers(1, 4))
            defaults[name] = value
            comment = draw(st.sampled_from(["", "  # team default"]))
            where[("defaults", name)] = (len(lines), f"{' ' * indent}{name}:", comment)
            lines.append(f"{' ' * indent}{name}: {value}{comment}")
    lines.append("items:")
    where["defaults"] = defaults
    for n, fields in enumerate(items):
        inner = " " * (offset + 2)
        if draw(st.booleans()):
            lines.append(f"{' ' * offset}# task {n}")
        lines.append(f"{' ' * offset}- key: task-{n}" + draw(st.sampled_from(["", "   # key"])))
        lines.append(f"{inner}type: Task")
        for name, value in fields.items():
            if draw(st.booleans()):
                lines.append("")
            spaces = draw(st.sampled_from([" ", "  "]))
            comment = draw(st.sampled_from(["", "  # set in planning", " #x"]))
            where[(f"task-{n}", name)] = (len(lines), f"{inner}{name}:", comment)
            lines.extend(_value(draw, name, value, inner, indent, spaces, comment))
    return newline.join(lines) + newline, where


def _value(draw: st.DrawFn, name: str, value: Any, inner: str, indent: int, spaces: str,
           comment: str) -> list[str]:  # fmt: skip
    head = f"{inner}{name}:"
    if isinstance(value, list):
        if value and draw(st.booleans()):
            return [head + comment] + [f"{inner}{' ' * indent}- '{tag}'" for tag in value]
        quoted = ", ".join(f'"{tag}"' for tag in value)
        return [f"{head}{spaces}[{quoted}]{comment}"]
    if isinstance(value, str) and "\n" in value:
        body = value.removesuffix("\n").split("\n")
        return [f"{head}{spaces}|{comment}"] + [
            inner + " " * indent + line if line else "" for line in body
        ]
    if isinstance(value, str):
        style = draw(st.sampled_from(["'", '"']))
        text = value.replace("'", "''") if style == "'" else value.replace('"', '\\"')
        return [f"{head}{spaces}{style}{text}{style}{comment}"]
    return [f"{head}{spaces}{value}{comment}"]


def write_repo(folder: Path, text: str) -> None:
    (folder / "witsync.yaml").write_text("scope: team\n")
    (folder / "tasks.yaml").write_bytes(text.encode("utf-8"))


async def edit_board(folder: Path, edits: dict[int, dict[str, Any]]) -> None:
    app = create_app(folder / ".witsync" / "board.sqlite", projects=[PROJECT])
    async with httpx.AsyncClient(transport=asgi_transport(app, owns_app=True)) as http:
        people = People(http, ORG, PROJECT)
        for id, fields in edits.items():
            await people.update(id, fields, who=DAN)


def ids_by_key() -> dict[str, int]:
    import json

    code, out = run_main("plan", "--format", "json")
    assert code == 0
    return {item["key"]: item["id"] for item in json.loads(out)["items"]}


BOARD_EDITS = {
    "state": ("System.State", st.sampled_from(STATES)),
    "assignedTo": ("System.AssignedTo", st.sampled_from([*PEOPLE, "carol@fabrikam.com"])),
    "remainingWork": ("Microsoft.VSTS.Scheduling.RemainingWork", st.sampled_from([0.5, 2, 9])),
    "priority": ("Microsoft.VSTS.Common.Priority", st.integers(1, 4)),
    "title": ("System.Title", st.sampled_from(["Renamed", "Renamed: twice", "Ünï 'x'"])),
    # people keep the scope tag (without it the item leaves the managed set)
    "tags": (
        "System.Tags",
        st.sampled_from(["witsync:team", "board-tag; witsync:team", "ux; board-tag; witsync:team"]),
    ),
    "description": ("System.Description", st.sampled_from(["<p>edited</p>", "<div>web</div>"])),
}


@SLOW
@given(data=st.data())
def test_apply_then_pull_changes_no_file(data: st.DataObject) -> None:
    items = data.draw(tasks())
    text, _ = data.draw(styled_manifest(items))
    with tempfile.TemporaryDirectory() as name, contextlib.chdir(Path(name)):
        write_repo(Path(name), text)
        assert run_main("apply", "--yes")[0] == 0
        code, out = run_main("pull", "--drift", "--new-children", "--check")
        assert code == 0, out
        assert (Path(name) / "tasks.yaml").read_bytes() == text.encode("utf-8")


@SLOW
@given(data=st.data())
def test_board_edits_pulled_leave_the_plan_empty_and_the_style_intact(
    data: st.DataObject,
) -> None:
    items = data.draw(tasks())
    text, where = data.draw(styled_manifest(items))
    with tempfile.TemporaryDirectory() as name, contextlib.chdir(Path(name)):
        folder = Path(name)
        write_repo(folder, text)
        assert run_main("apply", "--yes")[0] == 0
        ids = ids_by_key()
        edits: dict[int, dict[str, Any]] = {}
        touched: set[tuple[str, str]] = set()
        for n, fields in enumerate(items):
            for field in data.draw(st.lists(st.sampled_from(sorted(BOARD_EDITS)), unique=True)):
                ref, values = BOARD_EDITS[field]
                edits.setdefault(ids[f"task-{n}"], {})[ref] = data.draw(values)
                if field in fields:
                    touched.add((f"task-{n}", field))
                elif field in where["defaults"]:
                    touched.add(("defaults", field))
        asyncio.run(edit_board(folder, edits))
        code, out = run_main("pull", "--drift")
        assert code == 0, out
        after = (folder / "tasks.yaml").read_bytes().decode("utf-8")
        code, plan = run_main("plan", "--detailed-exitcode")
        assert code == 0, plan + after
        # only lines of pulled values changed, each with its indentation, key and comment
        old, new = text.splitlines(), after.splitlines()
        for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
            if tag in ("replace", "delete"):
                assert all(_value_line(n, old, where, touched) for n in range(i1, i2)), after
        for key, field in touched:
            _, head, comment = where[(key, field)]
            assert any(line.startswith(head) and line.endswith(comment) for line in new), after
        assert all(line == line.rstrip() for line in new)
        newline = "\r\n" if "\r\n" in text else "\n"
        assert after.count("\n") == after.count(newline)
        assert run_main("pull", "--drift", "--check")[0] == 0


def _value_line(n: int, old: list[str], where: dict[Any, Any], touched: set[Any]) -> bool:
    """Whether old line `n` belongs to the value of a field the pull wrote (its first line, or
    a line of its block below)."""
    for key, field in touched:
        first, head, _ = where[(key, field)]
        if n == first:
            return True
        if n > first:
            indent = len(head) - len(head.lstrip(" "))
            block = old[first + 1 : n + 1]
            if all(not line.strip() or len(line) - len(line.lstrip(" ")) > indent
                   for line in block):  # fmt: skip
                return True
    return False
