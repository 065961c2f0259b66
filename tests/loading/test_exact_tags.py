"""`exactTags` (issue 11, point 11): witsync.yaml, a file's `defaults:` and an item say whether an
item's stated tags are its whole list; the item's word wins over its file's, which wins over
witsync.yaml's."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from witsync.config import settings_from_args
from witsync.engine import Options, load_desired
from witsync.errors import ManifestError

MANIFEST = """\
scope: web
project: Fabrikam
{defaults}items:
  - {{key: plain, type: Task, title: a, tags: [q3]}}
  - {{key: exact, type: Task, title: b, tags: [q3], exactTags: true}}
  - {{key: merged, type: Task, title: c, tags: [q3], exactTags: false}}
"""


def exact_of(folder: Path, config: str, defaults: str = "") -> dict[str, bool]:
    (folder / "witsync.yaml").write_text(config)
    (folder / "backlog.yaml").write_text(MANIFEST.format(defaults=defaults))
    flags = argparse.Namespace(paths=[folder])
    options = Options.from_settings(settings_from_args(flags, {}, folder))
    return {item.key: item.exact_tags for item in load_desired([folder], options).items}


def test_the_item_wins_over_the_file_which_wins_over_witsync_yaml(tmp_path: Path) -> None:
    assert exact_of(tmp_path, "scope: web\n") == {"plain": False, "exact": True, "merged": False}
    assert exact_of(tmp_path, "scope: web\nexactTags: true\n") == {
        "plain": True,
        "exact": True,
        "merged": False,
    }
    assert exact_of(tmp_path, "exactTags: true\n", "defaults:\n  exactTags: false\n") == {
        "plain": False,
        "exact": True,
        "merged": False,
    }


def test_exact_tags_is_true_or_false(tmp_path: Path) -> None:
    (tmp_path / "backlog.yaml").write_text(
        "scope: web\nitems:\n  - {key: a, type: Task, title: a, exactTags: always}\n"
    )
    with pytest.raises(ManifestError) as raised:
        load_desired([tmp_path], Options())
    problems = [str(problem) for problem in raised.value.diagnostics]
    assert any("exactTags" in text and "true or false" in text for text in problems), problems
