"""In-place edits of manifests: only the edited values change, every other byte stays."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from witsync.loading.yamlsource import parse_yaml
from witsync.pulling.yamledit import ManifestText
from witsync.pulling.yamltree import EditRefused

BEFORE = """\
# Backlog of the web team.   (a comment that must survive)
apiVersion: witsync/v1
defaults:
  iteration: 'Fabrikam\\Sprint 1'   # this sprint
items:
  - key: sign-in   # the epic
    type: Epic
    title: "Customers can sign in"
    state: New # not started

    remainingWork:   4
    tags: [identity, q3]
    assignedTo:
    description: |
      Every customer signs in.

      - Microsoft first
    children:
      - key: msa
        type: Feature
        title: 'Sign in with a Microsoft account'
        tags:
          - identity
          - msa

      - key: msa-js
        type: Task
        title: JavaScript
        fields:
          Custom.Risk: High

  - key: billing
    type: Epic
    title: Billing
"""


def values(text: str) -> Any:
    parsed = parse_yaml(text, "t.yaml")
    assert parsed.ok, [str(d) for d in parsed.diagnostics]
    return parsed.root


def changed_lines(before: str, after: str) -> list[str]:
    """The lines of `before` that `after` does not keep as they are."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    gone = []
    for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
        if tag != "equal":
            gone.extend(old[i1:i2])
    return gone


def kept_in_place(before: str, after: str, edited: set[int]) -> bool:
    """Whether `after` is `before` with only the lines numbered in `edited` replaced (by any
    text): every other line stays, in order, where it was relative to its neighbours. A regular
    expression, not a line diff: a diff may line up moved look-alike lines either way."""
    pattern, gap = [], False
    for number, line in enumerate(before.splitlines(keepends=True)):
        if number in edited:
            if not gap:
                pattern.append("(?:.*?)")
            gap = True
        else:
            pattern.append(re.escape(line))
            gap = False
    return re.fullmatch("".join(pattern), after, re.DOTALL) is not None


def test_values_change_where_written_and_nothing_else_moves() -> None:
    text = ManifestText(BEFORE, "b.yaml")
    text.set_value("sign-in", "state", "Active")
    text.set_value("sign-in", "remainingWork", 2.5)
    text.set_value("sign-in", "title", "Customers sign in")
    text.set_value("sign-in", "assignedTo", "carol@fabrikam.com")
    text.set_value("msa", "tags", ["identity", "msa", "beta"])
    text.set_value("msa-js", "", "Low", reference="custom.risk")
    after = text.result()
    assert after == BEFORE.replace(
        "state: New # not started", "state: Active # not started"
    ).replace("remainingWork:   4", "remainingWork:   2.5").replace(
        '"Customers can sign in"', '"Customers sign in"'
    ).replace("    assignedTo:\n", "    assignedTo: carol@fabrikam.com\n").replace(
        "          - msa\n", "          - msa\n          - beta\n"
    ).replace("Custom.Risk: High", "Custom.Risk: Low")


def test_a_default_and_a_block_value_change_in_place() -> None:
    text = ManifestText(BEFORE, "b.yaml")
    assert text.where("msa", "iteration") == "defaults"
    assert text.where("msa", "state") is None
    text.set_default("iteration", "Fabrikam\\Sprint 2")
    text.set_value("sign-in", "description", "New text\n\n- two\n")
    after = text.result()
    assert "  iteration: 'Fabrikam\\Sprint 2'   # this sprint\n" in after
    assert "    description: |\n      New text\n\n      - two\n    children:\n" in after
    assert values(after)["items"][0]["description"] == "New text\n\n- two\n"


def test_keys_are_added_before_children_and_children_after_the_last_one() -> None:
    text = ManifestText(BEFORE, "b.yaml")
    text.add_value("msa", "state", "Active")
    text.add_value("billing", "", "Medium", reference="Custom.Risk")
    text.add_children("sign-in", [{"key": "new-task", "id": 41, "type": "Task", "title": "T"}])
    text.add_children(
        "billing", [{"key": "invoice", "id": 42, "type": "Feature", "title": "Invoices: PDF"}]
    )
    after = text.result()
    assert changed_lines(BEFORE, after) == []  # only additions
    items = values(after)["items"]
    assert items[0]["children"][0]["state"] == "Active"
    assert items[0]["children"][2] == {"key": "new-task", "id": 41, "type": "Task", "title": "T"}
    assert items[1]["fields"] == {"Custom.Risk": "Medium"}
    assert items[1]["children"][0]["title"] == "Invoices: PDF"
    # set apart by a blank line, as the file's other children are
    assert "          Custom.Risk: High\n\n      - key: new-task\n" in after


def test_an_entry_is_removed_with_its_blank_line_and_an_emptied_children_list() -> None:
    text = ManifestText(BEFORE, "b.yaml")
    text.remove_entry("msa-js")
    text.remove_entry("billing")
    after = text.result()
    assert "msa-js" not in after
    assert "billing" not in after
    assert after.endswith("          - msa\n")
    only = ManifestText(after, "b.yaml")
    only.remove_entry("msa")
    assert "children" not in only.result()
    assert values(only.result())["items"][0]["key"] == "sign-in"


def test_shared_anchors_and_flow_entries_are_refused() -> None:
    shared = (
        "x-sprint: &sprint 'P\\S1'\nitems:\n  - key: a\n    type: Task\n    iteration: *sprint\n"
        "  - {key: b, type: Task, title: B}\n"
    )
    text = ManifestText(shared, "s.yaml")
    text.set_value("a", "iteration", "P\\S2")  # the alias is replaced, the anchor stays
    assert "x-sprint: &sprint 'P\\S1'" in text.result()
    assert "    iteration: 'P\\S2'\n" in text.result()  # in the anchor's quoting
    with pytest.raises(EditRefused, match="flow style"):
        text.add_children("b", [{"key": "c", "id": 1, "type": "Task", "title": "C"}])
    text.add_value("b", "state", "Active")
    assert "{key: b, type: Task, title: B, state: Active}" in text.result()
    anchored = "items:\n  - key: a\n    title: &t T\n    type: Task\n  - key: b\n    title: *t\n"
    with pytest.raises(EditRefused, match="anchor"):
        ManifestText(anchored).set_value("a", "title", "U")


def test_crlf_files_and_a_bom_are_kept() -> None:
    source = "\ufeffitems:\r\n  - key: a\r\n    type: Task\r\n    state: New\r\n"
    text = ManifestText(source)
    text.set_value("a", "state", "Active")
    text.add_value("a", "remainingWork", 3)
    assert text.result() == source.replace("New", "Active") + "    remainingWork: 3\r\n"


# -- generated styles ----------------------------------------------------------------------


@dataclass
class Generated:
    text: str
    lines: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    """(key, field) -> the 0-based lines [first, last] its value is written on."""
    heads: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    """(key, field) -> what its first line starts and ends with (`  state:`, `  # note`)."""


FIELD_VALUES = {
    "state": st.sampled_from(["New", "Active", "Closed", "Resolved"]),
    "remainingWork": st.sampled_from([0, 1, 2.5, 8]),
    "assignedTo": st.sampled_from(["ann@x.test", "Bob <bob@x.test>", None]),
    "title": st.text(alphabet="abc XYZ:#'\"-é", min_size=1, max_size=12).filter(
        lambda t: t.strip() == t
    ),
    "tags": st.lists(st.sampled_from(["a", "b c", "q3", "x:y"]), max_size=3, unique=True),
    "description": st.sampled_from(
        ["one line", "two\nlines\n", "*md*\n\n- a\n- b\n", "<p>html</p>", None]
    ),
}


@st.composite
def styled(draw: st.DrawFn, count: int) -> tuple[Generated, dict[tuple[str, str], Any]]:
    """A manifest with `count` entries, each writing some fields, in random styles."""
    indent = draw(st.sampled_from([2, 4]))
    offset = draw(st.sampled_from([0, 2]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines: list[str] = ["# generated", "items:"]
    out = Generated("")
    written: dict[tuple[str, str], Any] = {}
    pad = " " * offset
    for n in range(count):
        key = f"item-{n}"
        col = offset + 2
        inner = " " * col
        lines.append(f"{pad}- key: {key}" + draw(st.sampled_from(["", "  # entry"])))
        lines.append(f"{inner}type: Task")
        for name in draw(st.permutations(list(FIELD_VALUES))):
            if not draw(st.booleans()):
                continue
            value = draw(FIELD_VALUES[name])
            written[(key, name)] = value
            if draw(st.booleans()):
                lines.append(f"{inner}# about {name}")
            if draw(st.booleans()):
                lines.append("")
            start = len(lines)
            spaces = draw(st.sampled_from([" ", "   "]))
            comment = draw(st.sampled_from(["", "  # note", " #x"]))
            lines.extend(_styled_value(draw, name, value, inner, indent, spaces, comment))
            out.lines[(key, name)] = (start, len(lines) - 1)
            out.heads[(key, name)] = (f"{inner}{name}:", comment)
        if draw(st.booleans()):
            lines.append("")
    out.text = newline.join(lines) + newline
    return out, written


def _styled_value(
    draw: st.DrawFn, name: str, value: Any, inner: str, indent: int, spaces: str, comment: str
) -> list[str]:
    head = f"{inner}{name}:"
    if value is None:
        return [head + draw(st.sampled_from(["", " null", " ~"])) + comment]
    if isinstance(value, list):
        if value and draw(st.booleans()):
            return [head + comment] + [f"{inner}{' ' * indent}- '{v}'" for v in value]
        return [head + spaces + "[" + ", ".join(f"'{v}'" for v in value) + "]" + comment]
    if isinstance(value, str) and "\n" in value:
        body = value.removesuffix("\n").split("\n")
        chomp = "" if value.endswith("\n") else "-"
        return [head + spaces + "|" + chomp + comment] + [
            (inner + " " * indent + line) if line else "" for line in body
        ]
    if isinstance(value, str):
        quote = draw(st.sampled_from(["'", '"']))
        escaped = value.replace("'", "''") if quote == "'" else value.replace('"', '\\"')
        return [head + spaces + quote + escaped + quote + comment]
    return [head + spaces + str(value) + comment]


@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_any_style_survives_edits_outside_the_edited_values(data: st.DataObject) -> None:
    generated, written = data.draw(styled(4))
    chosen = data.draw(
        st.lists(st.sampled_from(sorted(written)), unique=True, max_size=4)
        if written
        else st.just([])
    )
    text = ManifestText(generated.text, "g.yaml")
    expected = dict(written)
    for key, name in chosen:
        new = data.draw(FIELD_VALUES[name])
        text.set_value(key, name, new)
        expected[(key, name)] = new
    after = text.result()
    # values: the edited ones are new, every other one as it was
    entries = {entry["key"]: entry for entry in values(after)["items"]}
    for (key, name), value in expected.items():
        assert entries[key][name] == value, (key, name, after)
    # bytes: only the lines of edited values changed
    edited = {
        line
        for key, name in chosen
        for line in range(generated.lines[(key, name)][0], generated.lines[(key, name)][1] + 1)
    }
    assert kept_in_place(generated.text, after, edited), after
    if not chosen:
        assert after == generated.text
    # an edited value keeps its line's indentation, key and comment, and adds no spaces
    new_lines = [line.rstrip("\r\n") for line in after.splitlines()]
    assert all(line == line.rstrip() for line in new_lines), after
    for key, name in chosen:
        head, comment = generated.heads[(key, name)]
        assert any(line.startswith(head) and line.endswith(comment) for line in new_lines)
        same = [line for line in generated.text.splitlines() if line.startswith(head)]
        assert len([line for line in new_lines if line.startswith(head)]) == len(same)
    newline = "\r\n" if "\r\n" in generated.text else "\n"
    assert after.count("\n") == after.count(newline)
