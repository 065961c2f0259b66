"""`witsync serve`: flags reach the emulator; mistakes in them are one clear error."""

from __future__ import annotations

import httpx
import pytest

from witsync.cli import main

V = "api-version=7.1"


@pytest.mark.parametrize(
    "emulator_server", [["--area", "fabrikam\\Web\\UI", "--link-bumps-rev"]], indirect=True
)
def test_areas_and_link_revisions_from_flags(emulator_server: str) -> None:
    node = httpx.get(f"{emulator_server}/o/Fabrikam/_apis/wit/classificationnodes/Areas/Web/UI?{V}")
    assert node.status_code == 200
    assert node.json()["path"] == "\\Fabrikam\\Area\\Web\\UI"
    headers = {"Content-Type": "application/json-patch+json"}
    url = f"{emulator_server}/o/Fabrikam/_apis/wit/workitems/$Task?{V}"
    title = '[{"op": "add", "path": "/fields/System.Title", "value": "t"}]'
    httpx.post(url, content=title, headers=headers)
    link = (
        '[{"op": "add", "path": "/relations/-", "value": {"rel": "System.LinkTypes.Related", '
        '"url": "http://x/_apis/wit/workItems/1"}}]'
    )
    linked = httpx.post(url, content=title[:-1] + "," + link[1:], headers=headers)
    assert linked.status_code == 200
    first = httpx.get(f"{emulator_server}/o/_apis/wit/workitems/1?{V}").json()
    assert first["rev"] == 2  # --link-bumps-rev: the other end got a revision too


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--project", "Fabrikam:Waterfall"], "bad project"),
        (["--project", "Fabrikam", "--area", "Other\\Web"], "not under a project"),
        (["--fail-rate", "2"], "must be between 0 and 1"),
    ],
)
def test_bad_flags_are_one_clear_error(
    flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(["serve", "--db", ":memory:", *flags])
    except SystemExit as exit:  # argparse refuses the value itself
        code = int(exit.code or 0)
    assert code != 0
    assert message in capsys.readouterr().err
