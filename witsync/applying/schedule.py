"""Dependency-ordered, bounded-concurrency execution of a plan's actions, with failure propagation.

An action starts only after every action named in its `depends_on` has been applied. Independent
actions run concurrently, at most `parallelism` at a time, started in plan order so a run is as
predictable as concurrency allows. An action that is not applied (conflict, failure, skip) makes
everything that depends on it, directly or through others, `skipped`, with a message naming the
root cause; everything else goes on.

A run can be stopped (`cancel`, an `asyncio.Event`): no action starts after it is set, and every
action not started is `skipped` as interrupted. The writes themselves stop at `WriteSlots`, the
bound on write requests in flight: once stopped, it hands out no slot, so what lands after the
stop is at most what held a slot at that moment.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

from witsync.errors import INTERRUPTED, Interrupted
from witsync.model import Action, ItemResult

RunAction = Callable[[Action], Awaitable[ItemResult]]

_DID = {"conflict": "had a conflict", "failed": "failed", "skipped": "was skipped"}


class WriteSlots(asyncio.Semaphore):
    """At most `limit` write requests in flight; after `stop` is set, no write starts.

    Acquiring raises `Interrupted` once `stop` is set, also for a write that was already waiting:
    it fails when a slot would become its, so a waiting write never reaches the server, while
    the writes holding a slot finish (their outcome is then known)."""

    def __init__(self, limit: int, stop: asyncio.Event | None = None) -> None:
        super().__init__(limit)
        self.stop = stop

    async def acquire(self) -> Literal[True]:
        if self.stopped():
            raise Interrupted()
        await super().acquire()
        if self.stopped():
            # pass the slot on: the next waiter wakes and is refused in turn
            self.release()
            raise Interrupted()
        return True

    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()


def interrupted(action: Action) -> ItemResult:
    """The result of an action the run stopped before it was written."""
    return ItemResult(action.key, action.kind, "skipped", action.id, INTERRUPTED)


def aborted(action: Action) -> ItemResult:
    """The result of an action under way when the run was aborted: its outcome is unknown."""
    return ItemResult(
        action.key,
        action.kind,
        "failed",
        action.id,
        "aborted while under way: it may or may not have been written "
        "(witsync plan shows what is on the board)",
    )


def _skipped(action: Action, dep: ItemResult, root: ItemResult) -> ItemResult:
    why = f"depends on {dep.key!r}, which {_DID[dep.outcome]}"
    if root.key != dep.key:
        why += f" (because {root.key!r} {_DID[root.outcome]})"
    return ItemResult(action.key, action.kind, "skipped", action.id, f"not written: {why}")


async def run_actions(
    actions: Sequence[Action],
    run: RunAction,
    *,
    parallelism: int = 8,
    on_result: Callable[[ItemResult], None] | None = None,
    cancel: asyncio.Event | None = None,
) -> list[ItemResult]:
    """Run every action through `run` in dependency order; results come back in plan order.

    A dependency on a key that has no action in the plan (an item that already exists and needs
    no change) is already satisfied. `run` must return a result rather than raise; an exception
    from it is a bug and propagates after the actions already running have finished.

    Once `cancel` is set, no action starts: those running finish (`run` is expected to stop at
    its next write, see `WriteSlots`) and every other is `skipped` as interrupted. Cancelling the
    task that runs this (a hard abort) cancels the running actions too; it reports each action
    not started as interrupted before the cancellation propagates.
    """
    if parallelism < 1:
        raise ValueError("parallelism must be at least 1")
    by_key: dict[str, list[int]] = {}
    for index, action in enumerate(actions):
        by_key.setdefault(action.key, []).append(index)
    waiting_on: list[set[int]] = []
    dependents: list[list[int]] = [[] for _ in actions]
    for index, action in enumerate(actions):
        deps = {d for key in action.depends_on for d in by_key.get(key, ()) if d != index}
        waiting_on.append(deps)
        for dep in deps:
            dependents[dep].append(index)

    results: list[ItemResult | None] = [None] * len(actions)
    # root cause of a non-applied result, so a long chain of skips still names who started it
    roots: dict[int, ItemResult] = {}
    ready = [i for i, deps in enumerate(waiting_on) if not deps]
    running: dict[asyncio.Task[ItemResult], int] = {}

    def stopped() -> bool:
        return cancel is not None and cancel.is_set()

    def record(index: int, result: ItemResult) -> None:
        results[index] = result
        if on_result is not None:
            on_result(result)

    def finish(index: int, result: ItemResult) -> None:
        record(index, result)
        if result.outcome != "applied":
            roots.setdefault(index, result)
        if stopped():
            return  # nothing more starts: the dependents are reported as interrupted below
        for child in dependents[index]:
            if results[child] is not None:
                continue
            if result.outcome != "applied":
                roots[child] = roots[index]
                finish(child, _skipped(actions[child], result, roots[index]))
                continue
            waiting_on[child].discard(index)
            if not waiting_on[child]:
                ready.append(child)

    def report_unstarted() -> None:
        under_way = set(running.values())
        for index, action in enumerate(actions):
            if results[index] is None and index not in under_way:
                record(index, interrupted(action))

    try:
        while ready or running:
            ready.sort()
            while ready and len(running) < parallelism and not stopped():
                index = ready.pop(0)
                if results[index] is None:
                    running[asyncio.ensure_future(run(actions[index]))] = index
            if not running:
                break
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in sorted(done, key=running.__getitem__):
                finish(running.pop(task), task.result())
    except asyncio.CancelledError:
        # A hard abort: the actions under way are cancelled too, their requests with them.
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        for task, index in sorted(running.items(), key=lambda entry: entry[1]):
            if task.cancelled() or task.exception() is not None:
                record(index, aborted(actions[index]))
            else:
                record(index, task.result())
        running.clear()
        report_unstarted()
        raise
    finally:
        if running:
            await asyncio.gather(*running, return_exceptions=True)

    if stopped():
        report_unstarted()
    for index, action in enumerate(actions):
        if results[index] is None:  # only a dependency cycle leaves an action unreached
            finish(
                index,
                ItemResult(
                    action.key,
                    action.kind,
                    "failed",
                    action.id,
                    "not written: its dependencies form a cycle (a bug in the plan)",
                ),
            )
    return [result for result in results if result is not None]
