"""Scopes and keys are whole values: a trailing line break or space is refused everywhere a
scope or key enters (manifest, witsync.yaml, --scope, a plan file), at its file:line:column.

Python's `$` (which jsonschema's `re.search` runs) also matches before a final line break, and
the board trims tag names: `scope: "victim\\n"` passed the schema and its items joined scope
`victim`'s managed set.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from witsync.cli import main
from witsync.config import settings_from_args
from witsync.errors import ConfigError, ManifestError, PlanFileError
from witsync.loading.loader import load
from witsync.loading.options import LoadOptions
from witsync.rendering.planfile import load_plan

GOLDEN_PLAN = Path(__file__).parent / "golden" / "plan.json"
SPACED = "it starts or ends with a space or a line break"


def _errors(tmp_path: Path, text: str, options: LoadOptions | None = None) -> list[str]:
    (tmp_path / "m.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as caught:
        load([tmp_path], options or LoadOptions())
    errors = [d for d in caught.value.diagnostics if d.severity == "error"]
    return [str(d).replace(f"{tmp_path}/", "") for d in errors]


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ('"victim\\n"', "'victim\\n'"),
        ('"victim\\r\\n"', "'victim\\r\\n'"),
        ('" victim"', "' victim'"),
        ('"victim "', "'victim '"),
    ],
)
def test_a_manifest_scope_with_a_line_break_or_space_is_refused_where_written(
    tmp_path: Path, written: str, shown: str
) -> None:
    text = f"apiVersion: witsync/v1\nscope: {written}\nitems:\n  - key: a\n    type: Task\n"
    (message,) = _errors(tmp_path, text)
    assert message.startswith(f"m.yaml:2:8: error: scope has an invalid value {shown}: {SPACED}")
    assert "hint: for example: 'web-team'" in message


def test_a_key_with_a_line_break_or_space_is_refused_where_written(tmp_path: Path) -> None:
    text = (
        "apiVersion: witsync/v1\nscope: team\nitems:\n"
        '  - key: "e0\\n"\n    type: Task\n    title: A\n'
        "  - key: |\n      e1\n    type: Task\n    title: B\n"  # a block scalar keeps its final \n
        '  - key: "e2\\r\\n"\n    type: Task\n    title: C\n'
        '  - key: " e3"\n    type: Task\n    title: D\n'
        '  - key: e4\n    type: Task\n    title: E\n    parent: "e0\\n"\n'
    )
    messages = _errors(tmp_path, text)
    assert [m.splitlines()[0] for m in messages] == [
        f"m.yaml:4:10: error: key has an invalid value 'e0\\n': {SPACED}",
        f"m.yaml:7:10: error: key has an invalid value 'e1\\n': {SPACED}",
        f"m.yaml:11:10: error: key has an invalid value 'e2\\r\\n': {SPACED}",
        f"m.yaml:14:10: error: key has an invalid value ' e3': {SPACED}",
        f"m.yaml:20:13: error: parent has an invalid value 'e0\\n': {SPACED}",
    ]


def test_a_reference_name_with_a_line_break_is_refused_at_the_name(tmp_path: Path) -> None:
    text = (
        "apiVersion: witsync/v1\nscope: team\nitems:\n  - key: a\n    type: Task\n    title: A\n"
        '    fields:\n      Custom.Ok: 1\n      "Custom.Risk\\n": High\n'
    )
    (message,) = _errors(tmp_path, text)
    assert message.startswith(
        f"m.yaml:9:7: error: 'Custom.Risk\\n' is not a reference name: {SPACED}"
    )


def test_control_characters_in_a_refused_value_are_written_out(tmp_path: Path) -> None:
    text = 'apiVersion: witsync/v1\nscope: "a\\e[2Kb"\nitems: []\n'
    (message,) = _errors(tmp_path, text)
    assert "\x1b" not in message
    assert "scope has an invalid value 'a\\x1b[2Kb'" in message


@pytest.mark.parametrize("written", ['"victim\\n"', "|\n  victim", '"victim\\r\\n"', '" victim"'])
def test_a_config_scope_with_a_line_break_or_space_is_refused_where_written(
    tmp_path: Path, written: str
) -> None:
    (tmp_path / "witsync.yaml").write_text(f"project: Fabrikam\nscope: {written}\n")
    (tmp_path / "m.yaml").write_text("apiVersion: witsync/v1\nitems: []\n")
    with pytest.raises(ConfigError) as caught:
        settings_from_args(argparse.Namespace(paths=[tmp_path]), {}, tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'witsync.yaml'}:2:8: error: scope has an")
    assert SPACED in str(caught.value)


@pytest.mark.parametrize("scope", ["victim\n", "victim\r\n", " victim", "victim "])
def test_the_scope_flag_is_refused_through_the_command_line(
    tmp_path: Path, scope: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WITSYNC_ORG_URL", raising=False)
    (tmp_path / "m.yaml").write_text(
        "apiVersion: witsync/v1\nitems:\n  - key: a\n    type: Task\n    title: A\n"
    )
    assert main(["validate", "--scope", scope, str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert f"--scope {scope!r} is not a scope name ({SPACED})" in err
    assert main(["validate", "--scope", "victim", str(tmp_path)]) == 0  # the same, whole


def test_a_plan_file_scope_with_a_line_break_is_refused() -> None:
    # `apply --plan` takes the plan's scope when flags and witsync.yaml name none.
    document = json.loads(GOLDEN_PLAN.read_text())
    assert load_plan(json.dumps(document)).target.scope == "web"
    document["target"]["scope"] = "web\n"
    with pytest.raises(PlanFileError, match="invalid at target/scope"):
        load_plan(json.dumps(document))
