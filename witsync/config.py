"""Settings: the target and policy of a run, merged from flags, the environment and witsync.yaml.

Precedence, highest first: command-line flags, then `WITSYNC_ORG_URL` (for `org` only), then
witsync.yaml: the `--config` file; else the one in the first manifest folder given (or its
nearest parent that has one), so `witsync plan samples/agile` uses samples/agile/witsync.yaml;
else the one in the current folder or its nearest parent.
"""

from __future__ import annotations

import argparse
import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast
from urllib.parse import urlsplit

from witsync.errors import ConfigError, Diagnostic
from witsync.loading.fieldnames import DEFAULT_OWNERSHIP
from witsync.loading.options import CONFIG_NAMES
from witsync.loading.ownership import read_layer
from witsync.loading.schema import check, load_schema
from witsync.loading.yamlsource import MAX_SET_BYTES, MEGABYTE, YamlMap, parse_yaml, read_text
from witsync.model import Ownership, RemovalPolicy

ORG_ENV = "WITSYNC_ORG_URL"
DEFAULT_BOARD = Path(".witsync/board.sqlite")


@dataclass(frozen=True)
class LocalIteration:
    """An iteration the local board holds (witsync.yaml `iterations`), with its sprint dates."""

    path: str
    start: datetime.date | None = None
    finish: datetime.date | None = None


@dataclass(frozen=True)
class Settings:
    """Where a run points and how it behaves; every field has a safe default."""

    org_url: str | None = None
    """None = the embedded local board."""
    project: str | None = None
    scope: str | None = None
    prune: bool = False
    removal: RemovalPolicy = "close"
    restore: bool = True
    """An entry whose work item is in the recycle bin brings it back (False: a new one is made;
    `--no-restore`, witsync.yaml `restore`)."""
    board_path: Path = DEFAULT_BOARD
    board_process: str | None = None
    """The process (Agile, Scrum, Basic, CMMI) of a project the local board creates; None: Agile.
    A custom process is the path of its file (witsync.yaml `process: FILE`, made absolute)."""
    config_file: Path | None = None
    ownership: Mapping[str, Ownership] = field(default_factory=lambda: DEFAULT_OWNERSHIP)
    """The repository-wide mode of each field a layer names, by reference name: the built-in
    create-only fields with witsync.yaml's `createOnly`/`manage`/`ignore` applied. Manifests
    refine it per file (`defaults`) and per item."""
    max_set_bytes: int = MAX_SET_BYTES
    """The most YAML one manifest set may hold, all files together (witsync.yaml `maxSetSizeMB`)."""
    timeout: float | None = None
    """Seconds to wait for an answer before a request counts as failed (`--timeout`, witsync.yaml
    `timeout`); None: the client's defaults."""
    board_areas: tuple[str, ...] = ()
    """Area paths the local board holds besides the project's root (witsync.yaml `areas`)."""
    board_iterations: tuple[LocalIteration, ...] = ()
    """Iterations the local board holds besides the project's own (witsync.yaml `iterations`)."""
    markdown_native: bool = False
    """Multi-line text written as Markdown is stored as Markdown (api-version 7.2-preview,
    witsync.yaml `markdown: native`), instead of being converted to HTML."""
    history_note: bool = True
    """Every write carries a System.History note saying what ran it (witsync.yaml `historyNote`;
    see witsync.notes)."""
    message: str | None = None
    """Text the history note carries (`--message`, witsync.yaml `message`)."""
    exact_tags: bool = False
    """Stated tags are the whole list: people's tags are removed too (witsync.yaml `exactTags`)."""

def add_manifest_arguments(parser: argparse.ArgumentParser) -> None:
    """PATH... and the target flags: what every command that reads manifests takes."""
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="manifest files or folders (default: the current folder)",
    )
    add_target_arguments(parser)


def add_planning_arguments(parser: argparse.ArgumentParser) -> None:
    """--prune and --dedupe: what plan and apply (which plans first) take alike."""
    parser.add_argument(
        "--prune",
        action="store_true",
        help="remove managed items that left the manifests (how: witsync.yaml `removal`)",
    )
    parser.add_argument(
        "--dedupe",
        action="store_true",
        help="where a key has two work items (an error), keep the lowest id and delete the others",
    )
    parser.add_argument(
        "--no-restore",
        action="store_true",
        help="create a new work item for an entry whose work item someone deleted, instead of "
        "restoring it from the recycle bin (witsync.yaml `restore: false`)",
    )


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that say where to point: --org, --project, --scope, --config."""
    group = parser.add_argument_group("target")
    group.add_argument(
        "--org",
        metavar="URL",
        help=f"organization URL, e.g. https://dev.azure.com/fabrikam (or {ORG_ENV}; "
        "default: the local board)",
    )
    group.add_argument("--project", metavar="NAME", help="Azure DevOps project")
    group.add_argument("--scope", metavar="NAME", help="owner of the managed items")
    group.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help="witsync.yaml to use (default: in this folder or the nearest parent)",
    )
    group.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_seconds,
        help="how long to wait for an answer (default 60; connecting: at most 10; witsync.yaml "
        "`timeout`); a request that times out is tried once more, then the command stops",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError("must be a number of seconds above 0")
    return value


def find_config(cwd: Path) -> Path | None:
    """witsync.yaml in `cwd` or the nearest parent that has one."""
    for folder in (cwd, *cwd.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


def _config_beside(paths: list[Path], cwd: Path) -> Path | None:
    """witsync.yaml in the first manifest folder given, or its nearest parent that has one."""
    if not paths:
        return None
    first = paths[0] if paths[0].is_absolute() else cwd / paths[0]
    return find_config(first if first.is_dir() else first.parent)


def settings_from_args(args: argparse.Namespace, environ: Mapping[str, str], cwd: Path) -> Settings:
    """Merge flags, environment and witsync.yaml; raises ConfigError for a bad or missing file."""
    explicit: Path | None = getattr(args, "config", None)
    if explicit is not None:
        config_file: Path | None = explicit if explicit.is_absolute() else cwd / explicit
        assert config_file is not None
        if not config_file.is_file():
            raise ConfigError(
                f"config file {explicit} not found",
                hint="give the path of a witsync.yaml, or leave --config out to search for one",
            )
    else:
        config_file = _config_beside(getattr(args, "paths", None) or [], cwd) or find_config(cwd)
    values: Mapping[str, Any] = {}
    ownership: Mapping[str, Ownership] = DEFAULT_OWNERSHIP
    if config_file is not None:
        values, layer = read_config(config_file)
        ownership = MappingProxyType({**DEFAULT_OWNERSHIP, **layer})
    org = getattr(args, "org", None) or environ.get(ORG_ENV) or values.get("org")
    if org is not None:
        org = _check_org(str(org))
    board = DEFAULT_BOARD
    if config_file is not None:
        board = config_file.parent / str(values.get("board", DEFAULT_BOARD))
    removal = getattr(args, "removal", None) or values.get("removal", "close")
    flag_scope: str | None = getattr(args, "scope", None)
    if flag_scope is not None:
        _check_scope(flag_scope)
    return Settings(
        org_url=org,
        project=getattr(args, "project", None) or values.get("project"),
        scope=flag_scope or values.get("scope"),
        prune=bool(getattr(args, "prune", False) or values.get("prune", False)),
        removal=cast(RemovalPolicy, removal),
        restore=not getattr(args, "no_restore", False) and bool(values.get("restore", True)),
        board_path=board,
        board_process=_board_process(values.get("process"), config_file),
        config_file=config_file,
        ownership=ownership,
        max_set_bytes=int(values.get("maxSetSizeMB", MAX_SET_BYTES // MEGABYTE)) * MEGABYTE,
        timeout=_timeout(getattr(args, "timeout", None), values.get("timeout")),
        board_areas=tuple(str(path) for path in values.get("areas", ())),
        board_iterations=_iterations(values.get("iterations", ()), config_file),
        markdown_native=values.get("markdown") == "native",
        history_note=bool(values.get("historyNote", True)),
        message=getattr(args, "message", None) or values.get("message"),
        exact_tags=bool(values.get("exactTags", False)),
    )


def _board_process(value: Any, config_file: Path | None) -> str | None:
    """A built-in process's name, or a custom process file's path (relative to witsync.yaml)."""
    if value is None:
        return None
    text = str(value)
    if text.lower().endswith((".yaml", ".yml")) and config_file is not None:
        return str(config_file.parent / text)
    return text


def _timeout(flag: float | None, configured: Any) -> float | None:
    if flag is not None:
        return flag
    return None if configured is None else float(configured)


def _iterations(entries: Any, config_file: Path | None) -> tuple[LocalIteration, ...]:
    """witsync.yaml `iterations` (a path, or a path with `startDate` and `finishDate`); the
    schema has checked the shapes, so only the dates themselves are left to check."""
    iterations = []
    for entry in entries:
        if isinstance(entry, str):
            iterations.append(LocalIteration(entry))
            continue
        path = str(entry["path"])
        start = _date(entry.get("startDate"), path, config_file)
        finish = _date(entry.get("finishDate"), path, config_file)
        if (start is None) != (finish is None):
            raise ConfigError(
                f"{config_file}: iteration '{path}' has a start date or a finish date, not both",
                hint="give both startDate and finishDate (or neither)",
            )
        if start is not None and finish is not None and finish < start:
            raise ConfigError(
                f"{config_file}: iteration '{path}' finishes ({finish}) before it starts ({start})",
                hint="swap the dates",
            )
        iterations.append(LocalIteration(path, start, finish))
    return tuple(iterations)


def _date(value: Any, path: str, config_file: Path | None) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"{config_file}: iteration '{path}': {value!r} is not a date",
            hint="write dates as YYYY-MM-DD, e.g. 2026-01-05",
        ) from None


def read_config(path: Path) -> tuple[Mapping[str, Any], dict[str, Ownership]]:
    """witsync.yaml's values and ownership layer; every problem in one ConfigError."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read {name}: {error.strerror}") from None
    text, problem = read_text(data, name)
    problems: list[Diagnostic] = [problem] if problem else []
    layer: dict[str, Ownership] = {}
    root: Any = None
    if text is not None:
        parsed = parse_yaml(text, name)
        problems.extend(parsed.diagnostics)
        root = parsed.root
        if parsed.ok and root is not None:
            problems.extend(check(root, "config.schema.json", name))
            if not problems and isinstance(root, YamlMap):
                layer, more = read_layer(root, name)
                problems.extend(more)
    if problems:
        raise ConfigError(
            "\n".join(str(p) for p in problems),
            # Each problem prints its own hint; a second, general one only when some lack one.
            hint=None
            if all(p.hint for p in problems)
            else "see schemas/config.schema.json for the keys witsync.yaml takes",
        )
    return (root if isinstance(root, YamlMap) else {}), layer


def _check_scope(scope: str) -> None:
    """--scope takes what the `scope` key takes: it becomes a tag and a WIQL literal."""
    pattern = load_schema("config.schema.json")["properties"]["scope"]["pattern"]
    if not re.fullmatch(pattern, scope):
        spaced = scope != scope.strip()
        raise ConfigError(
            f"--scope {scope!r} is not a scope name"
            + (" (it starts or ends with a space or a line break)" if spaced else ""),
            hint="letters, digits, '.', '_' or '-' (up to 64), starting with a letter or digit, "
            "e.g. web-team",
        )


def _check_org(url: str) -> str:
    if "@" in urlsplit(url).netloc:
        # Never echoed: the part before @ is likely a token, and the URL is shown in every plan.
        raise ConfigError(
            "the organization URL carries a user name or token (before '@'); "
            "witsync shows this URL in plans and plan files",
            hint="remove it from the URL and put the token in AZURE_DEVOPS_EXT_PAT "
            "(or SYSTEM_ACCESSTOKEN in Azure Pipelines)",
        )
    if not url.startswith(("https://", "http://")):
        raise ConfigError(
            f"organization URL '{url}' is not an http(s) URL",
            hint="for example https://dev.azure.com/fabrikam",
        )
    return url.rstrip("/")
