"""Dependency-ordered, bounded-concurrency execution of a plan's actions, with failure propagation.

An action starts only after every action named in its `depends_on` has been applied. Independent
actions run concurrently, at most `parallelism` at a time, started in plan order so a run is as
predictable as concurrency allows. An action that is not applied (conflict, failure, skip) makes
everything that depends on it, directly or through others, `skipped`, with a message naming the
root cause; everything else goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from witsync.model import Action, ItemResult

RunAction = Callable[[Action], Awaitable[ItemResult]]

_DID = {"conflict": "had a conflict", "failed": "failed", "skipped": "was skipped"}


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
) -> list[ItemResult]:
    """Run every action through `run` in dependency order; results come back in plan order.

    A dependency on a key that has no action in the plan (an item that already exists and needs
    no change) is already satisfied. `run` must return a result rather than raise; an exception
    from it is a bug and propagates after the actions already running have finished.
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

    def finish(index: int, result: ItemResult) -> None:
        results[index] = result
        if on_result is not None:
            on_result(result)
        if result.outcome != "applied":
            roots.setdefault(index, result)
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

    try:
        while ready or running:
            ready.sort()
            while ready and len(running) < parallelism:
                index = ready.pop(0)
                if results[index] is None:
                    running[asyncio.ensure_future(run(actions[index]))] = index
            if not running:
                break
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in sorted(done, key=running.__getitem__):
                finish(running.pop(task), task.result())
    finally:
        if running:
            await asyncio.gather(*running, return_exceptions=True)

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
