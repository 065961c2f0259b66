"""The create path: claims checked before and after, items found already there, a lost race's copy.

A create is sent only when the board has no work item for its key since the plan (`claims`);
otherwise that item is taken, if it says what the create would. Creates travel in `$batch`
requests (`batching`); a create whose answer was lost is looked up by its marker before it is
sent again (`recover`). When another run created the same key at the same moment, the lowest id
wins and this run deletes its own copy before anything links to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager

from witsync.ado.client import Client
from witsync.applying.batching import WriteBatcher
from witsync.applying.claims import Claims
from witsync.applying.ledger import RunLedger, added_links, far_ends
from witsync.applying.progress import Progress
from witsync.applying.recover import UNKNOWN_OUTCOME_ATTEMPTS, differences, find_created
from witsync.errors import NotFoundError, OutcomeUnknownError, StepConflict, StepFailed
from witsync.model import JSON, Action, LiveItem, Plan, Step

WireStep = Callable[[Step], list[dict[str, JSON]]]
"""A step's operations with link targets' URLs filled in."""
Outgoing = Callable[[Sequence[Mapping[str, JSON]]], Sequence[Mapping[str, JSON]]]
"""A patch as it goes on the wire (the applier's one place every create and update passes)."""
RelationsOf = Callable[[Iterable[int]], AbstractAsyncContextManager[None]]
"""Holds the relation locks of the given items while a write changes their relation lists."""


class Creator:
    """`await creator.create(action, step, progress)` for each create step of a run."""

    def __init__(
        self,
        client: Client,
        plan: Plan,
        batcher: WriteBatcher,
        ledger: RunLedger,
        *,
        wire_step: WireStep,
        outgoing: Outgoing,
        relations_of: RelationsOf,
    ) -> None:
        self.client = client
        self.scope = plan.target.scope
        self.batcher = batcher
        self.ledger = ledger
        self.wire_step = wire_step
        self.outgoing = outgoing
        self.relations_of = relations_of
        self.claims = Claims(client, plan.target.scope, plan.known_max_id)
        # items found already there instead of created, as read: a later step is checked
        # against them before it is sent
        self.found: dict[int, LiveItem] = {}

    async def create(self, action: Action, step: Step, progress: Progress) -> None:
        """Create the item, unless its key got a work item since the plan; keep the lowest id
        when another run created the same key at the same time."""
        existing = await self.claims.existing(action.key)
        if existing is not None:
            self._take_existing(action, step, existing, progress, "created since the plan")
            return
        ops = self.wire_step(step)
        async with self.relations_of(far_ends(step.ops, ops)):
            item = await self._send(action, ops)
        progress.id, progress.created = item.id, True
        winner = await self.claims.winner(action.key, item)
        if winner is None:
            return
        # Another run created the key too, and first: its item is the one everybody keeps.
        # Ours goes before anything links to it (its children have not been created yet).
        await self._discard(item, ops)
        progress.created = False
        self._take_existing(
            action, step, winner, progress, f"created at the same time by another run; #{item.id}, "
            "this run's copy, was deleted"
        )

    def _take_existing(
        self, action: Action, step: Step, live: LiveItem, progress: Progress, how: str
    ) -> None:
        """Use `live` as the item the create would have made, if it is what the create says."""
        ops = self.wire_step(step)
        differ = differences(live, ops)
        if differ:
            raise StepConflict(
                f"key {action.key!r} already has work item #{live.id} ({how}) with other values "
                f"than this plan's: {', '.join(differ)}; plan again",
                hint="run witsync plan to see the work item as it is, then apply",
            )
        self.ledger.saw(live)
        self.found[live.id] = live
        progress.id, progress.found = live.id, how

    async def _discard(self, item: LiveItem, ops: Sequence[Mapping[str, JSON]]) -> None:
        """Delete a copy this run just created (to the recycle bin), noting the link ends it takes
        off other items so their guards still recognise this run's own revisions."""
        for rel, target in added_links(ops):
            self.ledger.note_removed(item.id, rel, target)
        for _ in range(UNKNOWN_OUTCOME_ATTEMPTS):
            try:
                await self.batcher.delete(item.id)
                return
            except NotFoundError:
                return
            except OutcomeUnknownError:
                continue
        raise StepFailed(
            f"#{item.id} is a second work item for its key and could not be deleted",
            hint=f"delete #{item.id}, or run witsync apply --dedupe",
        )

    async def _send(self, action: Action, ops: Sequence[Mapping[str, JSON]]) -> LiveItem:
        pending = self.ledger.link_ends(None, ops)
        self.ledger.note(pending)
        for _ in range(UNKNOWN_OUTCOME_ATTEMPTS):
            try:
                item = await self.batcher.create(action.type, self.outgoing(ops))
            except OutcomeUnknownError:
                # the marker went out in the same request: if the item exists, it is ours
                found = await find_created(self.client, self.scope, action.key, ops)
                if found is None:
                    continue
                item = found
            self.ledger.saw(item)
            self.ledger.resolve_writer(pending, item.id)
            return item
        raise StepFailed(
            f"creating {action.key!r}: no answer from the server after "
            f"{UNKNOWN_OUTCOME_ATTEMPTS} attempts, and no item with its marker was found",
            hint="plan and apply again; an item created meanwhile is found by its marker",
        )
