"""The library API behind `import witsync`: keyword arguments in, typed values out, sync and async.

Import it from `witsync` (its `__all__` is the public API). witsync.yaml is found as the CLI
finds it and the arguments override it like flags; the target is only ever what the caller
says. The work itself is the engine's, the same the commands run.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import os
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar, get_args

from witsync import notes
from witsync.ado.transport import Token
from witsync.config import settings_from_args
from witsync.connect import LOCAL_ORG_URL
from witsync.engine import PARALLELISM, Options, apply_to, load_desired, plan_paths
from witsync.model import Desired, ItemResult, Plan, RemovalPolicy, Result
from witsync.rendering.json import render_json
from witsync.rendering.markdown import render_markdown
from witsync.rendering.text import render_plain

Paths = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
"""Manifest files or folders; one path alone is one path, never a string of characters."""
Format = Literal["text", "markdown", "json"]
T = TypeVar("T")
P = ParamSpec("P")


def resolve_options(
    paths: Iterable[Path],
    *,
    org: str | None = None,
    project: str | None = None,
    scope: str | None = None,
    token: str | Token | None = None,
    board: str | os.PathLike[str] | None = None,
    config: str | os.PathLike[str] | None = None,
    prune: bool | None = None,
    removal: RemovalPolicy | None = None,
    dedupe: bool = False,
) -> Options:
    """The library's arguments over witsync.yaml (`config`, else the one beside the first path or
    in its nearest parent, else in the current folder's), as the CLI's flags would be.

    Unlike the CLI, the target is only ever what the caller says: `org` None is the local board,
    whatever witsync.yaml's `org:` or WITSYNC_ORG_URL say, and no token is read from the
    environment. `prune` None takes witsync.yaml's; a bool decides.
    """
    if removal is not None and removal not in get_args(RemovalPolicy):
        raise ValueError(f"unknown removal {removal!r}: close, delete or unmanage")
    # settings_from_args reads flags by name: the library's arguments stand in for them.
    flags = argparse.Namespace(
        paths=list(paths),
        config=Path(config) if config is not None else None,
        org=org,
        project=project,
        scope=scope,
        prune=bool(prune),
        removal=removal,
    )
    settings = settings_from_args(flags, {}, Path.cwd())
    options = Options.from_settings(settings, token=_token(token), dedupe=dedupe)
    return dataclasses.replace(
        options,
        org_url=options.org_url if org is not None else None,
        board=Path(board) if board is not None else options.board.absolute(),
        prune=options.prune if prune is None else prune,
    )


def _token(token: str | Token | None) -> Token | None:
    """A string is a personal access token (as in AZURE_DEVOPS_EXT_PAT); for a bearer token (as
    SYSTEM_ACCESSTOKEN) pass `Token(value, "bearer")`."""
    if isinstance(token, str):
        return Token(token.strip(), "basic") if token.strip() else None
    return token


def _paths(paths: Paths) -> list[Path]:
    if isinstance(paths, str | os.PathLike):
        return [Path(paths)]
    return [Path(path) for path in paths] or [Path(".")]


def load_manifests(
    paths: Paths,
    *,
    project: str | None = None,
    scope: str | None = None,
    config: str | os.PathLike[str] | None = None,
) -> Desired:
    """The manifest set under `paths`, with witsync.yaml read as the CLI reads it (`config`, else
    the one beside the first path). Raises ManifestError listing every problem in every file
    (`error.diagnostics`), ConfigError for a bad witsync.yaml."""
    found = _paths(paths)
    return load_desired(found, resolve_options(found, project=project, scope=scope, config=config))


async def aplan(
    paths: Paths,
    *,
    org: str | None = None,
    project: str | None = None,
    scope: str | None = None,
    token: str | Token | None = None,
    board: str | os.PathLike[str] | None = None,
    config: str | os.PathLike[str] | None = None,
    prune: bool | None = None,
    removal: RemovalPolicy | None = None,
    dedupe: bool = False,
) -> Plan:
    """What apply would do to make the board match the manifests under `paths`, as `witsync
    plan` shows it; nothing is written.

    `org` is the organization URL (None: the local board, in `board` or else where witsync.yaml
    puts it); `project` and `scope` default to the manifests' and witsync.yaml's; `token` is a
    personal access token (or a `Token`). `prune`, `removal` and `dedupe` are the CLI's
    --prune, witsync.yaml `removal` and --dedupe.
    """
    found = _paths(paths)
    options = resolve_options(
        found,
        org=org,
        project=project,
        scope=scope,
        token=token,
        board=board,
        config=config,
        prune=prune,
        removal=removal,
        dedupe=dedupe,
    )
    return await plan_paths(found, options)


async def aapply(
    plan: Plan,
    *,
    token: str | Token | None = None,
    board: str | os.PathLike[str] | None = None,
    parallelism: int = PARALLELISM,
    suppress_notifications: bool = False,
    on_result: Callable[[ItemResult], None] | None = None,
    history_note: bool = True,
    message: str | None = None,
) -> Result:
    """Write `plan` to the board it was made for, as `witsync apply --plan` does: parents first,
    every update guarded by the rev it was planned against. One result per action (outcome
    applied, conflict, failed or skipped); `result.ok` when every one was applied.

    A plan for an organization needs the `token` again (a plan never holds one). A local plan
    goes to the board file it was made against; `board` overrides that. `on_result` is called
    with each item's result as it lands. Every revision written carries a history note (what ran
    it: the CI run's commit, PR and run from the environment, then `message`, and witsync's
    mark); `history_note=False` writes none. Raises WitsyncError (nothing written) when the plan
    has errors that block apply, e.g. two work items for one key.
    """
    if plan.target.org_url != LOCAL_ORG_URL:
        where = Options(org_url=plan.target.org_url, token=_token(token))
    elif board is not None or plan.board is not None:
        where = Options(board=Path(board if board is not None else str(plan.board)))
    else:  # a plan read from a file: the board the CLI would use here
        where = resolve_options([])
    where = dataclasses.replace(where, project=plan.target.project)
    return await apply_to(
        plan,
        where,
        parallelism=parallelism,
        suppress_notifications=suppress_notifications,
        on_result=on_result,
        note=notes.history_note(plan.target.scope, os.environ, message) if history_note else None,
    )


def _synchronous(work: Callable[P, Coroutine[Any, Any, T]], name: str) -> Callable[P, T]:
    """`work` for a synchronous caller, with the same arguments (see `run_sync`)."""

    @functools.wraps(work)
    def synchronous(*args: P.args, **kwargs: P.kwargs) -> T:
        return run_sync(work(*args, **kwargs))

    synchronous.__name__ = synchronous.__qualname__ = name
    return synchronous


plan = _synchronous(aplan, "plan")
apply = _synchronous(aapply, "apply")


def render(plan: Plan, format: Format = "text", *, plan_file: str | None = None) -> str:
    """The plan as `witsync plan --format` prints it: "text", "markdown" (for a pull-request
    comment; `plan_file` names the saved plan in it) or "json" (the plan-file document)."""
    if format == "text":
        return render_plain(plan)
    if format == "markdown":
        return render_markdown(plan, plan_file=plan_file)
    if format == "json":
        return render_json(plan)
    raise ValueError(f"unknown format {format!r}: text, markdown or json")


def run_sync(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` to the end for a synchronous caller, also one inside a running event loop (a
    notebook): there it runs on a thread of its own, as `asyncio.run` cannot nest."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="witsync") as pool:
        return pool.submit(asyncio.run, work).result()
