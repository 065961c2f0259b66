"""Apply a plan: guarded minimal patches in dependency order, concurrent within a bound, crash-safe.

Each action's steps are sent as planned, except for what only the run can know: the URLs of items
created earlier in the run, the rev each `test /rev` guard must carry (the planned rev plus the
revisions this run caused), and relation indexes, re-read when a step removes relations. A guard
that fails because of somebody else's edit makes that item (and what depends on it) a conflict;
a write whose outcome is unknown is looked up before it is sent again (`witsync.applying.recover`).
Every write travels in `$batch` requests with the writes ready at the same moment
(`witsync.applying.batching`), each keeping its own guard and outcome, at most `parallelism`
requests in flight; the reads before writes are gathered the same way (`witsync.applying.reads`).
Removals go last, a level of the removed items' tree at a time, children first
(`witsync.applying.removals`). A key is never created twice: each create is checked against the
board before it is sent and after it lands (`witsync.applying.creates`), and a step whose changes
the board already shows is not sent again ("already applied"), so a plan applied twice, or by two
runs at once, converges. A step that changes an item's parent reads the item first: a parent
changed on the board since the plan (a link change the rev guard cannot see) makes the item a
conflict (`witsync.applying.parents`). A `restore` step brings an item back from the recycle bin.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence

from witsync.ado.batch import WRITE_BATCH_SIZE
from witsync.ado.client import Client
from witsync.ado.wire import work_item_id_from_url
from witsync.applying.batching import WriteBatcher
from witsync.applying.collector import sparing_the_collector
from witsync.applying.creates import Creator
from witsync.applying.ledger import RunLedger, far_ends
from witsync.applying.parents import changes_parent, is_extra_parent, moved_since_plan
from witsync.applying.progress import Progress, done_message
from witsync.applying.reads import ItemReads
from witsync.applying.recover import (
    UNKNOWN_OUTCOME_ATTEMPTS,
    changed_after_plan,
    differences,
    update_landed,
)
from witsync.applying.reindex import is_rev_test, reindex
from witsync.applying.removals import removal_levels
from witsync.applying.schedule import WriteSlots, interrupted, run_actions
from witsync.errors import (
    ConflictError,
    Interrupted,
    NotFoundError,
    OutcomeUnknownError,
    ServerError,
    StepConflict,
    StepFailed,
    WitsyncError,
)
from witsync.marker import marker_keys, scope_tag
from witsync.model import (
    JSON,
    Action,
    ItemResult,
    LiveItem,
    PatchOp,
    Plan,
    Result,
    Step,
    tag_list,
)
from witsync.notes import with_note
from witsync.planning.normalize import TAGS_FIELD

OWN_REVISION_RESYNCS = 3
"""How many times a failed guard is re-armed because the new revisions were this run's own link
ends (concurrent link writes of the run can each bump the item once more)."""


@sparing_the_collector
async def apply_plan(
    client: Client,
    plan: Plan,
    *,
    parallelism: int = 8,
    suppress_notifications: bool = False,
    on_event: Callable[[ItemResult], None] | None = None,
    cancel: asyncio.Event | None = None,
    note: str | None = None,
) -> Result:
    """Apply every action of `plan`; one result per action, in plan order. Never raises for a
    single item's failure: conflicts and failures are results, and their dependents are skipped.

    Setting `cancel` stops the run early: no write request is sent after it is set; those in
    flight finish (at most `parallelism`, a `$batch` counting as one), so every write
    that landed is in the result, and every action not written is `skipped` with the message
    `errors.INTERRUPTED`. Cancelling the task instead aborts at once, requests in flight too.

    `note` (`witsync.notes.history_note`) goes into System.History of every create and update
    sent, so each revision witsync writes says what ran it.
    """
    applier = _Applier(client, plan, parallelism, suppress_notifications, cancel, note)
    writes = [a for a in plan.actions if a.kind != "remove"]
    levels = removal_levels(plan)

    def report(result: ItemResult) -> ItemResult:
        if on_event is not None:
            on_event(result)
        return result

    # `parallelism` bounds the write requests in flight; many more actions may be under way,
    # so that the writes ready at one moment fill `$batch` requests together
    try:
        results = await run_actions(
            writes,
            applier.run,
            parallelism=parallelism * WRITE_BATCH_SIZE,
            on_result=on_event,
            cancel=cancel,
        )
    except asyncio.CancelledError:  # aborted: every action still gets a report
        applier.abort()
        for level in levels:
            for removal in level:
                report(interrupted(removal))
        raise
    # Removals come after every other write, a level at a time, children first: a parent is
    # closed or deleted only once its children are. They do not depend on each other's success
    # (a conflict on one child does not stop the others).
    for index, level in enumerate(levels):
        try:
            results += await run_actions(
                level,
                applier.run,
                parallelism=parallelism * WRITE_BATCH_SIZE,
                on_result=on_event,
                cancel=cancel,
            )
        except asyncio.CancelledError:
            applier.abort()
            for later in levels[index + 1 :]:
                for removal in later:
                    report(interrupted(removal))
            raise
    removals = [removal for level in levels for removal in level]
    done = {id(action): result for action, result in zip(writes + removals, results, strict=True)}
    return Result(tuple(done[id(action)] for action in plan.actions))


class _Applier:
    def __init__(
        self,
        client: Client,
        plan: Plan,
        parallelism: int,
        suppress_notifications: bool,
        cancel: asyncio.Event | None = None,
        note: str | None = None,
    ) -> None:
        self.client = client
        self.note = note
        self.plan = plan
        self.suppress = suppress_notifications
        # every write request holds a slot; once `cancel` is set no slot is handed out
        self.writes = WriteSlots(parallelism, cancel)
        self.ledger = RunLedger()
        # every key whose id is known: items the plan names by id now, created ones as they land
        self.ids: dict[str, int] = {a.key: a.id for a in plan.actions if a.id is not None}
        # Items whose relations this run removes by index. While one of them is read and patched,
        # no other write of the run may change its relation list: a link added or removed at
        # the other end shifts the indexes, and where links do not bump the rev the guard
        # cannot tell. Every write that touches such an item's relations holds its lock.
        self.relation_locks = {
            a.id: asyncio.Lock()
            for a in plan.actions
            if a.id is not None and any(op.relation for step in a.steps for op in step.ops)
        }
        # every create, update and delete goes through here (a `$batch` holds one write slot)
        self.batcher = WriteBatcher(
            client, self.writes, suppress_notifications=suppress_notifications
        )
        self.reads = ItemReads(client)
        self.creator = Creator(
            client,
            plan,
            self.batcher,
            self.ledger,
            wire_step=self._wire_step,
            outgoing=self._outgoing,
            relations_of=self._relations_of,
        )

    def abort(self) -> None:
        """The run is aborted: the batched requests under way go with it."""
        self.batcher.abort()
        self.reads.abort()

    async def run(self, action: Action) -> ItemResult:
        progress = Progress(action.id)
        try:
            for step in action.steps:
                await self._step(action, step, progress)
        except StepConflict as error:
            return ItemResult(action.key, action.kind, "conflict", progress.id, _message(error))
        except Interrupted as error:
            # stopped before its next write: only what was sent before counts
            if progress.created:
                message = f"created as #{progress.id}, then interrupted before its other changes"
                return ItemResult(action.key, action.kind, "failed", progress.id, message)
            return ItemResult(action.key, action.kind, "skipped", progress.id, error.message)
        except WitsyncError as error:
            message = _message(error)
            if progress.created:
                message = f"created as #{progress.id}, then: {message}"
            return ItemResult(action.key, action.kind, "failed", progress.id, message)
        done = done_message(action, progress)
        return ItemResult(action.key, action.kind, "applied", progress.id, done)

    async def _step(self, action: Action, step: Step, progress: Progress) -> None:
        if step.kind == "create":
            await self.creator.create(action, step, progress)
            assert progress.id is not None
            self.ids[action.key] = progress.id
            return
        if progress.id is None:
            raise StepFailed(f"the plan has a {step.kind} step for {action.key!r} without an id")
        if step.kind == "update":
            await self._update(action, progress.id, step, progress)
        elif step.kind == "restore":
            await self._restore(action, progress.id, progress)
        else:
            await self._delete(action, progress.id)

    # -- update -------------------------------------------------------------------------------

    async def _update(self, action: Action, item_id: int, step: Step, progress: Progress) -> None:
        wired = self._wire_step(step)
        removed = [op.relation for op in step.ops if op.relation is not None]
        found = self.creator.found.get(item_id)
        if found is not None and not differences(found, wired, removed):
            return  # an item found already there shows this step done (by the run that made it)
        async with self._relations_of({item_id, *far_ends(step.ops, wired)}):
            await self._send_update(action, item_id, step, wired, progress)

    async def _send_update(
        self,
        action: Action,
        item_id: int,
        step: Step,
        wired: list[dict[str, JSON]],
        progress: Progress,
    ) -> None:
        removes_relations = any(op.relation is not None for op in step.ops)
        removed = [op.relation for op in step.ops if op.relation is not None]
        reparents = changes_parent(step.ops)
        resyncs = 0
        attempts = 0
        while True:
            expected = self.ledger.expected_rev(item_id, action.rev)
            if expected is None:
                raise StepFailed(f"the plan has no rev to guard the update of #{item_id} with")
            ops = wired
            if removes_relations or reparents:
                # Indexes shift when links are added (by this run's reciprocal ends, or by people:
                # work-item links do not always bump the rev, so the guard cannot catch that),
                # and for the same reason a parent changed since the plan is looked for here.
                live = await self.reads.get(item_id)
                if live is None:
                    raise StepConflict(f"#{item_id} was deleted after the plan; plan again")
                if reparents:
                    moved = moved_since_plan(item_id, step.ops, wired, live)
                    if moved is not None:
                        raise moved
                ops = reindex(step.ops, ops, live.relations)
            if not ops:
                progress.settled = True  # everything this step would change is already so
                return
            patch: list[Mapping[str, JSON]] = [{"op": "test", "path": "/rev", "value": expected}]
            patch += ops
            patch = self._outgoing(patch)
            self._note_links(item_id, step.ops, patch)
            try:
                item = await self.batcher.update(item_id, patch)
            except ConflictError:
                current = await self.reads.get(item_id)
                if current is not None and not differences(current, ops, removed):
                    # someone (an earlier run of this plan, another apply) already wrote it
                    self.ledger.saw(current)
                    progress.settled = True
                    return
                if resyncs >= OWN_REVISION_RESYNCS:
                    raise StepConflict(
                        f"#{item_id} kept changing while it was being written; plan again"
                    ) from None
                resyncs += 1
                await self._resync(item_id, expected)
                continue
            except NotFoundError:
                raise StepConflict(f"#{item_id} was deleted after the plan; plan again") from None
            except OutcomeUnknownError:
                attempts += 1
                landed = await update_landed(
                    self.client, self.ledger, item_id, expected, patch, removed, read=self.reads.get
                )
                if landed:
                    return
                if attempts >= UNKNOWN_OUTCOME_ATTEMPTS:
                    raise StepFailed(
                        f"updating #{item_id}: no answer from the server after {attempts} attempts",
                        hint="run witsync plan and apply again",
                    ) from None
                continue
            except ServerError as error:
                # a parent put on between the read above and this write
                if reparents and is_extra_parent(error):
                    await self._reparented(item_id, step, wired)
                raise
            self.ledger.saw(item)
            return

    async def _reparented(
        self, item_id: int, step: Step, wired: Sequence[Mapping[str, JSON]]
    ) -> None:
        """Raise the conflict if the item's parent changed on the board since the plan."""
        live = await self.reads.get(item_id)
        if live is None:
            raise StepConflict(f"#{item_id} was deleted after the plan; plan again")
        moved = moved_since_plan(item_id, step.ops, wired, live)
        if moved is not None:
            raise moved from None

    async def _resync(self, item_id: int, expected: int) -> None:
        """After a failed guard: re-arm it if every newer revision is this run's own, else it is a
        conflict."""
        updates = await self.client.get_updates(item_id)
        foreign = self.ledger.foreign_revisions(item_id, updates, expected)
        if foreign:
            raise changed_after_plan(item_id, foreign)
        current = max((int(u.get("rev", 0)) for u in updates), default=expected)
        self.ledger.accept_rev(item_id, max(current, expected))

    def _note_links(
        self, item_id: int, planned: Sequence[PatchOp], patch: Sequence[Mapping[str, JSON]]
    ) -> None:
        """Record both ends of every link this patch adds or removes, before it is sent."""
        self.ledger.note(self.ledger.link_ends(item_id, patch))
        for op in planned:
            if op.relation is not None:
                target = work_item_id_from_url(op.relation[1])
                if target is not None:
                    self.ledger.note_removed(item_id, op.relation[0], target)

    @contextlib.asynccontextmanager
    async def _relations_of(self, ids: Iterable[int]) -> AsyncIterator[None]:
        """Hold the relation locks of those of `ids` that have one, in id order (so two writes
        never wait for each other); always before a write slot, never while holding one."""
        async with contextlib.AsyncExitStack() as stack:
            for item_id in sorted(set(ids) & self.relation_locks.keys()):
                await stack.enter_async_context(self.relation_locks[item_id])
            yield

    # -- restore ------------------------------------------------------------------------------

    async def _restore(self, action: Action, item_id: int, progress: Progress) -> None:
        """Bring the item back from the recycle bin; one already back with its marker is this
        step done (an earlier run of the plan, or a person's restore)."""
        for _ in range(UNKNOWN_OUTCOME_ATTEMPTS):
            try:
                async with self.writes:
                    item = await self.client.restore_item(item_id)
            except NotFoundError:
                live = await self.reads.get(item_id)
                if live is None or not self._marked(action, live):
                    raise StepConflict(
                        f"#{item_id} is no longer in the recycle bin (destroyed, or restored "
                        "and changed since the plan); plan again",
                        hint="run witsync plan to see the board as it is, then apply",
                    ) from None
                self.ledger.saw(live)
                progress.settled = True
                return
            except OutcomeUnknownError:
                continue  # asked again: a restore that landed answers "not in the bin"
            self.ledger.saw(item)
            return
        raise StepFailed(f"restoring #{item_id}: no answer from the server", hint="apply again")

    def _marked(self, action: Action, live: LiveItem) -> bool:
        keys = marker_keys(live, self.plan.target.scope)
        return action.key in keys or (action.previous_key or action.key) in keys

    # -- delete -------------------------------------------------------------------------------

    async def _delete(self, action: Action, item_id: int) -> None:
        # A delete carries no `test /rev`: read first, so an item edited since the plan is kept.
        for _ in range(UNKNOWN_OUTCOME_ATTEMPTS):
            live = await self.reads.get(item_id)
            if live is None:
                return  # already gone (an earlier attempt whose answer was lost)
            own = scope_tag(self.plan.target.scope).casefold()
            if own not in {tag.casefold() for tag in tag_list(live.fields.get(TAGS_FIELD))}:
                raise StepConflict(
                    f"#{item_id} no longer carries the scope tag; it is left alone",
                    hint="plan again",
                )
            expected = self.ledger.expected_rev(item_id, action.rev)
            if expected is not None and live.rev != expected:
                await self._resync(item_id, expected)
            try:
                await self.batcher.delete(item_id)
            except NotFoundError:
                return
            except OutcomeUnknownError:
                continue
            return
        raise StepFailed(f"deleting #{item_id}: no answer from the server", hint="apply again")

    # -- wiring -------------------------------------------------------------------------------

    def _wire_step(self, step: Step) -> list[dict[str, JSON]]:
        """A step's operations as they are sent (its `test /rev` guard aside: the run arms it)."""
        return [self._wire(op) for op in step.ops if not is_rev_test(op)]

    def _outgoing(self, patch: Sequence[Mapping[str, JSON]]) -> list[Mapping[str, JSON]]:
        """A create's or an update's patch as it goes on the wire: the one place every patch
        passes just before it is sent (what the run adds to each write goes here)."""
        return with_note(patch, self.note)

    def _wire(self, op: PatchOp) -> dict[str, JSON]:
        """The JSON-patch operation to send, with the URL of a link target filled in."""
        if op.target is None and op.target_id is None:
            return op.as_sent()
        target_id = op.target_id if op.target_id is not None else self.ids.get(str(op.target))
        if target_id is None:
            raise StepFailed(f"the link target {op.target!r} has no work item yet")
        return op.as_sent(self.client.work_item_url(target_id))


def _message(error: WitsyncError) -> str:
    return f"{error.message} (hint: {error.hint})" if error.hint else error.message

