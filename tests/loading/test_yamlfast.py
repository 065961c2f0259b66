"""The fast path for plain manifests: whatever it accepts, it reads exactly as libyaml does."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from bench_loader import item_yaml  # the benchmark's items: the case the fast path is for

from witsync.loading.yamlbuild import Builder, YamlMap, YamlSeq
from witsync.loading.yamlfast import parse_simple

ROOT = Path(__file__).parents[2]

BASE = """\
# yaml-language-server: $schema=../schemas/manifest.schema.json
apiVersion: witsync/v1
scope: web
defaults:
  area: Web\\Team A
  iteration: Web\\Sprint 1
items:
  - key: sign-in
    type: User Story
    title: Customers can sign in, fast (really) / 2 - 3 ~ o'clock "now"
    storyPoints: 3
    priority: -1
    remainingWork: 2.5
    exactTags: true
    parent: 1234
    tags: [web, t 1, 2]  # a comment
    related: []
    description: |  # another
      Why it matters.
        Indented more: kept.
      # not a comment: text
    fields:
      Custom.Risk: High
      Microsoft.VSTS.Common.ValueArea: Business

    children:   # nested
      # a comment line
      - key: sign-in.page  # C# #2
        title: null
        state: ~
        predecessors:
          - sign-in
          - 42
  - key: last
    title: .inf
"""


def _differs(slow: Any, fast: Any, path: str = "$") -> str | None:
    """Where two parsed values differ: type, value, order, or any mark."""
    if type(slow) is not type(fast):
        return f"{path}: {slow!r} != {fast!r}"
    if isinstance(slow, YamlMap):
        if (slow.mark, list(slow), slow.key_marks, slow.value_marks) != (
            fast.mark,
            list(fast),
            fast.key_marks,
            fast.value_marks,
        ):
            return f"{path}: {slow.mark} {slow.key_marks} {slow.value_marks} != {fast.mark} " + (
                f"{fast.key_marks} {fast.value_marks}"
            )
        return next((d for k in slow if (d := _differs(slow[k], fast[k], f"{path}.{k}"))), None)
    if isinstance(slow, YamlSeq):
        if (slow.mark, len(slow), slow.item_marks) != (fast.mark, len(fast), fast.item_marks):
            return f"{path}: {slow.mark} {slow.item_marks} != {fast.mark} {fast.item_marks}"
        pairs = enumerate(zip(slow, fast, strict=True))
        return next((d for i, (a, b) in pairs if (d := _differs(a, b, f"{path}[{i}]"))), None)
    if slow != fast and not (slow != slow and fast != fast):  # NaN is NaN
        return f"{path}: {slow!r} != {fast!r}"
    return None


def check_same(text: str) -> bool:
    """True when the fast path read `text` (and read it as libyaml does); False when it left it."""
    fast = parse_simple(text)
    if fast is None:
        return False
    builder = Builder("m.yaml")
    slow = builder.build(text)  # raises if the fast path accepted what is not YAML
    assert not builder.diagnostics, (text, builder.diagnostics)
    assert _differs(slow, fast) is None, (text, _differs(slow, fast))
    return True


def test_the_plain_manifest_is_read_as_libyaml_reads_it() -> None:
    assert check_same(BASE)


def test_the_benchmark_items_take_the_fast_path() -> None:
    text = "apiVersion: witsync/v1\nscope: bench\nitems:\n" + "\n".join(
        item_yaml(i, 50) for i in range(50)
    )
    assert check_same(text + "\n")


@pytest.mark.parametrize(
    "text",
    [
        "a: 'quoted'\n",
        'a: "quoted"\n',
        "a: C#\n",
        "a: b #c\n  d\n",
        "a:\nb: c\n",  # null
        "a:\n- b\n",  # a list at its key's indentation
        "a: b\n  c\n",  # a plain text over two lines
        "a: b\n  c: d\n",  # not YAML
        "a: b\na: c\n",  # a duplicate key
        "a: &x b\nc: *x\n",
        "a: !!str 1\n",
        "null: a\n",
        "True: a\n",
        "a: |-\n  b\n",
        "a: >\n  b\n",
        "a: |\n  b\n\n  c\n",  # a blank line inside the text
        "a: |\n  b\n   \nc: d\n",  # a line of spaces
        "a: [b,c]\n",
        "a: [b, [c]]\n",
        "a: {b: c}\n",
        "a: b\r\nc: d\r\n",
        "a:\tb\n",
        "a: b\u2028c\n",
        "a: b",  # no final line break
        "---\na: b\n",
        "- a\n",
        "a: b\n...\n",
        "a:  b\n",
        "a: b \n",
        "a: -b\n",
        "a: :b\n",
        "a: http://x\n",
        "",
    ],
)
def test_anything_else_is_left_to_libyaml(text: str) -> None:
    assert parse_simple(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "a: |\n  b\n\nc: d\n",  # blank lines after a text are not part of it
        "a: |\n  b\n\n\n",
        "a:\n  - b\n  - 1.5\n",
        "a:\n    b: c\n    d:\n      - e\n",
        "# only\n\na: b\n  # indented comment\nc: d\n",
        "a: café ☕ 中文 😀 — ok\nb: [x, y]\nc: |\n  😀 x\n  é\nd: 1\n",
    ],
)
def test_plain_shapes_are_read_as_libyaml_reads_them(text: str) -> None:
    assert check_same(text)


def test_every_sample_it_accepts_is_read_alike() -> None:
    paths = sorted([*ROOT.glob("samples/**/*.y*ml"), *ROOT.glob("tests/manifests/**/*.y*ml")])
    accepted = [path for path in paths if check_same(path.read_text(encoding="utf-8"))]
    assert accepted  # the plain samples do take the fast path


def test_random_edits_are_read_alike_or_left_to_libyaml() -> None:
    """Thousands of small edits of a plain manifest (characters and line breaks inserted,
    deleted, swapped): the fast path either reads the result as libyaml does, or leaves it."""
    pieces = [" ", "  ", "-", "- ", ":", ": ", "#", "'", '"', "[", "]", ",", ", ", "|", "\n"]
    pieces += ["\n  ", "\n- ", "&a ", "*a", "!", "~", "null", "1", "0x1", ".5", "\t", "x", " #"]
    generator = random.Random(15)
    accepted = 0
    for _ in range(3000):
        text = BASE
        for _ in range(generator.randint(1, 3)):
            at = generator.randrange(len(text))
            action = generator.random()
            if action < 0.5:
                text = text[:at] + generator.choice(pieces) + text[at:]
            elif action < 0.8:
                text = text[:at] + text[at + generator.randint(1, 4) :]
            else:
                lines = text.split("\n")
                i, j = generator.randrange(len(lines)), generator.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
                text = "\n".join(lines)
        try:
            accepted += check_same(text)
        except AssertionError:
            raise
        except Exception as error:  # libyaml refused what the fast path accepted
            raise AssertionError((text, error)) from error
    assert accepted > 300  # the edits did exercise the fast path
