"""Load → fetch → plan → apply: the one glue that the commands and the library API both run.

Async, over plain values: an `Options` (what the CLI merges from flags, the environment and
witsync.yaml; what the library takes as arguments), an open `Client`, model values.
`plan_against` is the planning pipeline once a client is open: the commands, the library
(`witsync.api`) and the tests all run it.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from witsync.ado.client import Client
from witsync.ado.transport import Token
from witsync.applying.applier import apply_plan
from witsync.config import DEFAULT_BOARD, LocalIteration, Settings
from witsync.connect import LOCAL_ORG_URL, open_target
from witsync.errors import ConfigError, ManifestError, ServerError, WitsyncError
from witsync.fetch import fetch_attribution, fetch_live, fetch_unmoved, planned_fields
from witsync.loading.fieldnames import DEFAULT_OWNERSHIP
from witsync.loading.loader import check_against_process, load
from witsync.loading.options import LoadOptions
from witsync.loading.process import picklist_types
from witsync.loading.yamlsource import MAX_SET_BYTES
from witsync.model import (
    UPDATE_KINDS,
    Desired,
    ItemResult,
    Ownership,
    Plan,
    Process,
    RemovalPolicy,
    Result,
    Target,
)
from witsync.phases import SILENT, Progress
from witsync.planning.normalize import STATE_FIELD as STATE
from witsync.planning.normalize import TAGS_FIELD as TAGS
from witsync.planning.planner import make_plan, unmoved_candidates
from witsync.planning.returns import reopen_candidates, restore_wanted
from witsync.planning.tags import tag_candidates
from witsync.revival import fetch_deleted, fetch_pruned

DRIFT_ITEMS = 50
"""At most this many changed items get their revision history read (one request each)."""
TAG_ITEMS = 200
"""At most this many items with tags their manifest lacks get their history read, to tell the
tags witsync added from people's (one request each); beyond it, people's tags are kept."""
PARALLELISM = 8
"""Independent writes in flight at once, unless asked otherwise (`witsync apply --parallelism`)."""


@dataclass(frozen=True)
class Options:
    """What a run needs besides the manifest paths, as plain values: where it points and how it
    loads and plans. Every field has the CLI's default."""

    org_url: str | None = None
    """None: the local board in the file `board`."""
    project: str | None = None
    scope: str | None = None
    token: Token | None = field(default=None, repr=False)
    """Sent to an organization only; a `Token` never shows its secret."""
    board: Path = DEFAULT_BOARD
    board_process: str | None = None
    """The process of a project the local board creates (None: Agile)."""
    prune: bool = False
    removal: RemovalPolicy = "close"
    dedupe: bool = False
    restore: bool = True
    """An entry whose work item is in the recycle bin restores it (False: a new one is made,
    and the recycle bin is not read)."""
    ownership: Mapping[str, Ownership] = field(default_factory=lambda: DEFAULT_OWNERSHIP)
    max_set_bytes: int = MAX_SET_BYTES
    config_file: Path | None = None
    """The witsync.yaml the values came from; only named in messages."""
    timeout: float | None = None
    """Seconds to wait for an answer from an organization (None: the transport's defaults)."""
    board_areas: tuple[str, ...] = ()
    board_iterations: tuple[LocalIteration, ...] = ()
    """What the local board's project holds besides its own nodes (witsync.yaml)."""
    exact_tags: bool = False
    """witsync.yaml `exactTags`: stated tags are the whole list (files and items may override)."""
    markdown: bool = False
    """witsync.yaml `markdown: native`: multi-line text is written as Markdown (api 7.2)."""

    def load_options(self) -> LoadOptions:
        """What of these a load takes (the loader reads no Settings)."""
        return LoadOptions(
            scope=self.scope,
            project=self.project,
            ownership=self.ownership,
            max_set_bytes=self.max_set_bytes,
            config_file=self.config_file,
            exact_tags=self.exact_tags,
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, token: Token | None = None, dedupe: bool = False
    ) -> Options:
        """The CLI's merged settings, with what flags alone give (a token, --dedupe)."""
        return cls(
            org_url=settings.org_url,
            project=settings.project,
            scope=settings.scope,
            token=token,
            board=settings.board_path,
            board_process=settings.board_process,
            prune=settings.prune,
            removal=settings.removal,
            dedupe=dedupe,
            restore=settings.restore,
            ownership=settings.ownership,
            max_set_bytes=settings.max_set_bytes,
            config_file=settings.config_file,
            timeout=settings.timeout,
            board_areas=settings.board_areas,
            board_iterations=settings.board_iterations,
            exact_tags=settings.exact_tags,
            markdown=settings.markdown_native,
        )


def load_desired(paths: Iterable[Path], options: Options) -> Desired:
    """The manifest set under `paths`; raises ManifestError listing every problem."""
    desired = load(list(paths), options.load_options())
    settle()
    return desired


def settle() -> None:
    """The end of a stage (load, fetch, plan): what it built lives until the run ends, so it is
    moved out of the cyclic collector's sight (`gc.freeze`). Left in, a 100,000-item plan's
    millions of long-lived objects were scanned again by every full collection: 12.6 s of a
    37 s plan. Frozen objects are still freed when no longer referenced; a stage leaves no
    cyclic garbage behind to be kept by mistake (tests/test_scale_reads.py)."""
    gc.freeze()


Targeted = TypeVar("Targeted", Settings, Options)


def with_manifest_target(values: Targeted, desired: Desired) -> Targeted:
    """The manifests' project and scope fill in what flags and witsync.yaml left open."""
    return dataclasses.replace(
        values, project=values.project or desired.project, scope=values.scope or desired.scope
    )


def open_client(
    options: Options, *, max_concurrency: int = PARALLELISM, markdown: bool = False
) -> Client:
    """A client for the organization `options` names, or for its local board file; it writes
    multi-line text as Markdown when `options` or `markdown` (a plan's) say so."""
    return open_target(
        options.org_url,
        options.project,
        token=options.token,
        board=options.board,
        board_process=options.board_process,
        board_areas=options.board_areas,
        board_iterations=options.board_iterations,
        max_concurrency=max_concurrency,
        timeout=options.timeout,
        markdown=options.markdown or markdown,
    )


async def plan_against(
    client: Client, desired: Desired, options: Options, *, progress: Progress = SILENT
) -> Plan:
    """Check the manifests against the project's process, read the board, plan, and read who
    last changed each drifted field (and which creates stopped before their state move). The
    plan carries what reading the board cost (`Plan.budget`). `progress` hears of each phase
    (the commands show them while they wait)."""
    process = await checked_process(client, desired, progress=progress)
    plan = await plan_within(client, desired, process, options, progress=progress)
    return dataclasses.replace(plan, budget=client.budget(), markdown=client.writes_markdown)


async def checked_process(
    client: Client, desired: Desired, *, progress: Progress = SILENT
) -> Process:
    """The target project's process, once the manifests are known to fit it (ManifestError):
    types, fields, states, picklist values, area and iteration paths."""
    if desired.project and desired.project.casefold() != client.project.casefold():
        raise ConfigError(
            f"the manifests are for project {desired.project!r}, the target is {client.project!r}",
            hint="pass --project, or fix `project:` in the manifests or witsync.yaml",
        )
    with progress.phase("reading the process") as phase:
        process = await client.get_process()
        process = await client.read_allowed_values(process, picklist_types(desired, process))
        counts = (
            (len(process.types), "work item type"),
            (len(process.fields), "field"),
            (len(process.area_paths), "area"),
            (len(process.iteration_paths), "iteration"),
        )
        phase.done(", ".join(f"{n:,} {what}{'s' if n != 1 else ''}" for n, what in counts))
    problems = check_against_process(desired, process)
    if any(problem.severity == "error" for problem in problems):
        raise ManifestError(problems)
    return process


async def plan_within(
    client: Client,
    desired: Desired,
    process: Process,
    options: Options,
    *,
    progress: Progress = SILENT,
) -> Plan:
    """`plan_against` for manifests already checked against `process` (tests skip the check to
    see what the server itself refuses). Besides the managed set, it reads only what the plan
    needs: histories of creates that may have stopped, of closed items prune may have closed,
    and the recycle bin when the plan would create (see witsync.revival)."""
    live = await fetch_live(client, desired, progress, keep=planned_fields(desired))
    settle()
    candidates = unmoved_candidates(desired, live, process)
    if candidates:
        unmoved = await fetch_unmoved(client, candidates, desired.scope, progress)
        live = dataclasses.replace(live, unmoved=unmoved)
    creates = restore_wanted(desired, live) if options.restore else {}
    if creates:
        deleted = await fetch_deleted(client, desired.scope, creates, progress)
        live = dataclasses.replace(live, deleted=deleted)
    closed = reopen_candidates(desired, live, process)
    if closed:
        pruned = await fetch_pruned(client, closed, desired.scope, progress)
        live = dataclasses.replace(live, pruned=pruned)
    target = Target(options.org_url or LOCAL_ORG_URL, client.project, desired.scope)

    plan_with = functools.partial(
        make_plan,
        desired,
        process=process,
        target=target,
        prune=options.prune,
        removal=options.removal,
        dedupe=options.dedupe,
    )
    plan = plan_with(live)
    settle()
    wanted = {
        action.id: [
            change.field
            for change in action.field_changes
            # a reopen's state is prune's close, read already: no drift to name
            if change.before is not None and not (action.kind == "reopen" and change.field == STATE)
        ]
        for action in plan.actions
        if action.kind in UPDATE_KINDS and action.id is not None
    }
    links = {
        action.id: [(c.rel, c.target_id) for c in action.link_changes if c.target_id is not None]
        for action in plan.actions
        if action.kind in UPDATE_KINDS and action.id is not None
    }
    changed = sorted(id for id in wanted.keys() | links.keys() if wanted.get(id) or links.get(id))
    kept = set(changed[:DRIFT_ITEMS])
    # only where a history can change the answer: items with tags their manifest lacks
    tags = tag_candidates(desired, live, plan)[:TAG_ITEMS]
    if not kept and not tags:
        return plan
    fields = {id: [*refs, *([TAGS] if id in tags else [])] for id, refs in wanted.items()}
    fields.update({id: [*fields.get(id, []), TAGS] for id in tags if id not in fields})
    live = await fetch_attribution(
        client,
        live,
        desired.scope,
        {id: refs for id, refs in fields.items() if id in kept or id in tags},
        {id: found for id, found in links.items() if id in kept},
        tags,
        progress,
    )
    return plan_with(live)


async def validate_plan(client: Client, plan: Plan) -> list[str]:
    """Dry-run every step the server can judge now (validateOnly=true); one message per refusal.

    Steps that need an item this plan creates first (its later state move, a link to it)
    cannot be sent before the apply; their other operations still are.
    """
    failures: list[str] = []
    for action in plan.actions:
        if action.kind == "restore":
            continue  # the item is in the recycle bin until apply brings it back
        for index, step in enumerate(action.steps):
            if step.kind == "delete" or (action.id is None and index > 0):
                continue
            ops = [
                op.as_sent(None if op.target_id is None else client.work_item_url(op.target_id))
                for op in step.ops
                if op.target is None
            ]
            try:
                if step.kind == "create":
                    await client.create_item(action.type, ops, validate_only=True)
                elif action.id is not None:
                    await client.update_item(action.id, ops, validate_only=True)
            except ServerError as error:
                failures.append(f"{action.key} ({action.kind}): {error.message}")
    return failures


def refuse_blocked(plan: Plan) -> None:
    """Raise when the board has problems that no apply may write over (e.g. duplicate keys)."""
    if plan.errors:
        raise WitsyncError(
            f"nothing was written: the board has {len(plan.errors)} problem(s) that apply must "
            "not write over: " + "; ".join(error.message for error in plan.errors),
            hint="fix them on the board (or plan with dedupe=True), then plan again",
        )


async def plan_paths(paths: Iterable[Path], options: Options) -> Plan:
    """Load the manifests under `paths`, open the target, plan: what `witsync plan` does. A plan
    for the local board remembers its file, so that `apply_to` writes there too."""
    paths = list(paths)
    desired = load_desired(paths, options)
    options = with_manifest_target(options, desired)
    async with open_client(options) as client:
        plan = await plan_against(client, desired, options)
    if options.org_url is None:
        plan = dataclasses.replace(plan, board=str(options.board))
    return plan


async def apply_to(
    plan: Plan,
    options: Options,
    *,
    parallelism: int = PARALLELISM,
    suppress_notifications: bool = False,
    on_result: Callable[[ItemResult], None] | None = None,
    note: str | None = None,
) -> Result:
    """Write `plan` to the target `options` names (the plan's own, see `witsync.api.aapply`);
    refused before anything is opened when the plan has errors that block apply. `note` is the
    history note every write carries (`witsync.notes.history_note`)."""
    refuse_blocked(plan)
    if not plan.actions:
        return Result(())
    async with open_client(options, max_concurrency=parallelism, markdown=plan.markdown) as client:
        return await apply_plan(
            client,
            plan,
            parallelism=parallelism,
            suppress_notifications=suppress_notifications,
            on_event=on_result,
            note=note,
        )
