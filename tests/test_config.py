"""Settings: witsync.yaml discovery, precedence of flags and environment, ownership, bad files."""

from __future__ import annotations

import argparse
import datetime
import re
from pathlib import Path

import pytest

from witsync.config import (
    DEFAULT_BOARD,
    LocalIteration,
    Settings,
    add_manifest_arguments,
    settings_from_args,
)
from witsync.errors import ConfigError
from witsync.loading.yamlsource import MAX_SET_BYTES


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_manifest_arguments(parser)
    return parser.parse_args(argv)


def test_no_config_anywhere_gives_the_local_board(tmp_path: Path) -> None:
    settings = settings_from_args(parse(), {}, tmp_path)
    assert settings == Settings()
    assert settings.org_url is None
    assert settings.board_path == DEFAULT_BOARD
    assert settings.ownership["System.State"] == "create-only"


def test_found_in_the_nearest_parent(tmp_path: Path) -> None:
    (tmp_path / "witsync.yaml").write_text(
        "org: https://dev.azure.com/fabrikam/\nproject: Fabrikam\nscope: web\nprune: true\n"
        "removal: delete\nboard: state/board.db\nprocess: Scrum\n"
    )
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    settings = settings_from_args(parse(), {}, deep)
    assert settings.config_file == tmp_path / "witsync.yaml"
    assert settings.org_url == "https://dev.azure.com/fabrikam"
    assert (settings.project, settings.scope) == ("Fabrikam", "web")
    assert settings.prune is True
    assert settings.removal == "delete"
    assert settings.board_path == tmp_path / "state" / "board.db"
    assert settings.board_process == "Scrum"


def test_found_beside_the_manifests_before_the_current_folder(tmp_path: Path) -> None:
    (tmp_path / "witsync.yaml").write_text("scope: outer\n")
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "witsync.yaml").write_text("scope: inner\n")
    (tmp_path / "team" / "a.yaml").write_text("items: []\n")
    assert settings_from_args(parse("team"), {}, tmp_path).scope == "inner"
    assert settings_from_args(parse("team/a.yaml"), {}, tmp_path).scope == "inner"
    assert settings_from_args(parse(), {}, tmp_path).scope == "outer"


def test_flags_beat_environment_beats_file(tmp_path: Path) -> None:
    (tmp_path / "witsync.yaml").write_text("org: https://file.example/org\nscope: s\nproject: P\n")
    env = {"WITSYNC_ORG_URL": "https://env.example/org"}
    assert settings_from_args(parse(), env, tmp_path).org_url == "https://env.example/org"
    flags = parse("--org", "https://flag.example/org", "--scope", "f", "--project", "Q")
    settings = settings_from_args(flags, env, tmp_path)
    assert (settings.org_url, settings.scope, settings.project) == (
        "https://flag.example/org",
        "f",
        "Q",
    )


def test_explicit_config_file(tmp_path: Path) -> None:
    (tmp_path / "elsewhere.yaml").write_text("scope: chosen\n")
    (tmp_path / "witsync.yaml").write_text("scope: found\n")
    settings = settings_from_args(parse("--config", "elsewhere.yaml"), {}, tmp_path)
    assert settings.scope == "chosen"
    assert settings.config_file == tmp_path / "elsewhere.yaml"


def test_missing_explicit_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config file nope.yaml not found"):
        settings_from_args(parse("--config", "nope.yaml"), {}, tmp_path)


def test_ownership_lists(tmp_path: Path) -> None:
    (tmp_path / "witsync.yaml").write_text(
        "createOnly: [priority, Custom.Risk]\nmanage: [state]\nignore: [description]\n"
    )
    ownership = settings_from_args(parse(), {}, tmp_path).ownership
    assert ownership["Microsoft.VSTS.Common.Priority"] == "create-only"
    assert ownership["Custom.Risk"] == "create-only"
    assert ownership["System.State"] == "managed"
    assert ownership["System.Description"] == "ignored"
    assert ownership["System.AssignedTo"] == "create-only"  # built-in kept


def test_bad_config_reports_every_problem_with_places(tmp_path: Path) -> None:
    (tmp_path / "witsync.yaml").write_text("scpoe: x\nprune: yes\nremoval: burn\n")
    with pytest.raises(ConfigError) as caught:
        settings_from_args(parse(), {}, tmp_path)
    lines = str(caught.value).splitlines()
    config = tmp_path / "witsync.yaml"
    assert lines[0] == f"{config}:1:1: error: unknown property 'scpoe'"
    assert "did you mean 'scope'?" in lines[1]
    assert lines[2] == f"{config}:2:8: error: prune must be true or false, not 'yes'"
    assert any(line.startswith(f"{config}:3:10: error: removal must be one of") for line in lines)


def test_a_config_problem_with_its_own_hint_gets_no_second_one(tmp_path: Path) -> None:
    (tmp_path / "witsync.yaml").write_text("scpoe: x\n")
    with pytest.raises(ConfigError) as caught:
        settings_from_args(parse(), {}, tmp_path)
    assert "did you mean 'scope'?" in str(caught.value)
    assert caught.value.hint is None
    (tmp_path / "witsync.yaml").write_text("scope: [x\n")
    with pytest.raises(ConfigError) as caught:
        settings_from_args(parse(), {}, tmp_path)
    assert caught.value.hint is None  # the YAML error says where to look


def test_unknown_field_in_config_lists(tmp_path: Path) -> None:
    (tmp_path / "witsync.yaml").write_text("ignore: [asignedTo]\n")
    with pytest.raises(ConfigError, match=r"unknown field name 'asignedTo' in ignore") as caught:
        settings_from_args(parse(), {}, tmp_path)
    assert "did you mean 'assignedTo'?" in str(caught.value)


def test_org_must_be_a_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"'fabrikam' is not an http\(s\) URL"):
        settings_from_args(parse(), {"WITSYNC_ORG_URL": "fabrikam"}, tmp_path)


def test_org_url_with_a_token_in_it_is_refused_without_echoing_it(tmp_path: Path) -> None:
    # The org URL is printed in every plan and written into plan files: a token must not ride in it.
    secret = "s3cr3tPAT0123456789"
    for url in (f"https://me:{secret}@dev.azure.com/fabrikam", f"https://{secret}@dev.azure.com/x"):
        with pytest.raises(ConfigError) as caught:
            settings_from_args(parse(), {"WITSYNC_ORG_URL": url}, tmp_path)
        assert secret not in str(caught.value)
        assert secret not in (caught.value.hint or "")
        assert "AZURE_DEVOPS_EXT_PAT" in (caught.value.hint or "")


@pytest.mark.parametrize(
    "scope", ["a;b", "a,b", "x' OR 1=1", " web", "", "web\n", "web\r\n", "web "]
)
def test_scope_flag_is_checked_like_the_scope_key(tmp_path: Path, scope: str) -> None:
    # The scope becomes the tag witsync:<scope>: the board splits "witsync:a;b" into two tags,
    # so the managed set would never be found again and every apply would create duplicates.
    with pytest.raises(ConfigError, match=r"--scope"):
        settings_from_args(parse("--scope", scope), {}, tmp_path)


def test_invalid_yaml_in_config(tmp_path: Path) -> None:
    (tmp_path / "witsync.yaml").write_text("scope: [x\n")
    with pytest.raises(ConfigError, match=r"witsync.yaml:2:1: error: invalid YAML"):
        settings_from_args(parse(), {}, tmp_path)


def test_empty_config_is_all_defaults(tmp_path: Path) -> None:
    (tmp_path / "witsync.yaml").write_text("# nothing yet\n")
    settings = settings_from_args(parse(), {}, tmp_path)
    assert settings.scope is None
    assert settings.board_path == tmp_path / DEFAULT_BOARD


def test_commands_without_target_flags_still_get_settings(tmp_path: Path) -> None:
    assert settings_from_args(argparse.Namespace(), {}, tmp_path) == Settings()


def test_org_url_must_end_where_the_value_ends(tmp_path: Path) -> None:
    (tmp_path / "witsync.yaml").write_text('org: "https://dev.azure.com/fabrikam\\n"\n')
    with pytest.raises(ConfigError, match=r"witsync.yaml:1:6: error: org has an invalid value"):
        settings_from_args(parse(), {}, tmp_path)


def test_the_set_size_limit_comes_from_witsync_yaml(tmp_path: Path) -> None:
    assert settings_from_args(parse(), {}, tmp_path).max_set_bytes == MAX_SET_BYTES
    (tmp_path / "witsync.yaml").write_text("maxSetSizeMB: 64\n")
    assert settings_from_args(parse(), {}, tmp_path).max_set_bytes == 64 * 1024 * 1024


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "big", "null"])
def test_the_set_size_limit_is_a_positive_number_of_megabytes(tmp_path: Path, value: str) -> None:
    (tmp_path / "witsync.yaml").write_text(f"maxSetSizeMB: {value}\n")
    with pytest.raises(ConfigError, match=r"witsync.yaml:1:15: error: maxSetSizeMB must be"):
        settings_from_args(parse(), {}, tmp_path)


def test_timeout_from_the_flag_over_witsync_yaml(tmp_path: Path) -> None:
    (tmp_path / "witsync.yaml").write_text("timeout: 120\n")
    assert settings_from_args(parse(), {}, tmp_path).timeout == 120.0
    assert settings_from_args(parse("--timeout", "2.5"), {}, tmp_path).timeout == 2.5
    (tmp_path / "witsync.yaml").write_text("timeout: 0\n")
    with pytest.raises(ConfigError, match=r"witsync.yaml:1:10: error: timeout must be at least"):
        settings_from_args(parse(), {}, tmp_path)
    with pytest.raises(SystemExit):
        parse("--timeout", "-1")


def test_the_local_boards_areas_and_iterations_with_their_dates(tmp_path: Path) -> None:
    (tmp_path / "witsync.yaml").write_text(
        "areas: [Acme\\Web, Acme\\Web\\Checkout]\n"
        "iterations:\n"
        "  - Acme\\Release 1\n"
        "  - {path: Acme\\Release 1\\Sprint 7, startDate: 2026-01-05, finishDate: 2026-01-16}\n"
    )
    settings = settings_from_args(parse(), {}, tmp_path)
    assert settings.board_areas == ("Acme\\Web", "Acme\\Web\\Checkout")
    assert settings.board_iterations == (
        LocalIteration("Acme\\Release 1"),
        LocalIteration(
            "Acme\\Release 1\\Sprint 7", datetime.date(2026, 1, 5), datetime.date(2026, 1, 16)
        ),
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("Web", "an entry of areas has an invalid value 'Web'"),
        ("{path: Acme\\R1, startDate: 2026-02-30, finishDate: 2026-03-01}", "is not a date"),
        ("{path: Acme\\R1, startDate: 2026-02-10, finishDate: 2026-02-01}", "before it starts"),
        ("{path: Acme\\R1, startDate: 2026-02-10}", "not both"),
        ("{path: Acme\\R1, finish: 2026-02-10}", "unknown property 'finish'"),
    ],
)
def test_a_bad_area_or_iteration_is_a_clear_error(
    tmp_path: Path, entry: str, message: str
) -> None:
    key = "areas" if entry == "Web" else "iterations"
    (tmp_path / "witsync.yaml").write_text(f"{key}:\n  - {entry}\n")
    with pytest.raises(ConfigError, match=re.escape(message)):
        settings_from_args(parse(), {}, tmp_path)
