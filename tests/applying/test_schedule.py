"""The scheduler: dependency order, bounded concurrency, failure propagation to dependents."""

from __future__ import annotations

import asyncio

import pytest

from witsync.applying.schedule import WriteSlots, run_actions
from witsync.errors import INTERRUPTED, Interrupted
from witsync.model import Action, ItemResult, Outcome


def action(key: str, *deps: str) -> Action:
    return Action("create", key, "Task", key, None, None, (), depends_on=deps)


class Recorder:
    """A fake action runner: sleeps a little, remembers the order and overlap, fails on request."""

    def __init__(self, outcomes: dict[str, Outcome] | None = None, delay: float = 0.01) -> None:
        self.outcomes = outcomes or {}
        self.delay = delay
        self.started: list[str] = []
        self.finished: list[str] = []
        self.running = 0
        self.peak = 0

    async def __call__(self, act: Action) -> ItemResult:
        self.started.append(act.key)
        self.running += 1
        self.peak = max(self.peak, self.running)
        await asyncio.sleep(self.delay)
        self.running -= 1
        self.finished.append(act.key)
        outcome = self.outcomes.get(act.key, "applied")
        return ItemResult(act.key, act.kind, outcome, None, f"{act.key} {outcome}")


async def test_an_action_starts_only_after_its_dependencies_finish() -> None:
    actions = [action("epic"), action("feature", "epic"), action("story", "feature"), action("x")]
    run = Recorder()
    results = await run_actions(actions, run, parallelism=8)
    assert [r.outcome for r in results] == ["applied"] * 4
    for child, parent in (("feature", "epic"), ("story", "feature")):
        assert run.finished.index(parent) < run.started.index(child)
    # the independent action did not wait for the chain
    assert run.started.index("x") < run.started.index("feature")


async def test_independent_actions_run_concurrently_up_to_the_limit() -> None:
    actions = [action(f"k{i}") for i in range(20)]
    run = Recorder(delay=0.02)
    results = await run_actions(actions, run, parallelism=5)
    assert run.peak == 5
    assert [r.key for r in results] == [f"k{i}" for i in range(20)]
    # started in plan order
    assert run.started == [f"k{i}" for i in range(20)]


async def test_parallelism_one_is_sequential() -> None:
    run = Recorder()
    await run_actions([action("a"), action("b"), action("c")], run, parallelism=1)
    assert run.peak == 1
    assert run.started == ["a", "b", "c"]


async def test_a_conflict_skips_its_dependents_transitively_and_nothing_else() -> None:
    actions = [
        action("a"),
        action("b", "a"),
        action("c", "b"),
        action("d"),
        action("e", "d", "a"),
    ]
    run = Recorder({"a": "conflict"})
    seen: list[ItemResult] = []
    results = {r.key: r for r in await run_actions(actions, run, on_result=seen.append)}
    assert results["a"].outcome == "conflict"
    assert results["d"].outcome == "applied"
    assert {results[k].outcome for k in "bce"} == {"skipped"}
    assert run.started == ["a", "d"]  # b, c and e were never attempted
    assert results["b"].message == "not written: depends on 'a', which had a conflict"
    assert results["c"].message == (
        "not written: depends on 'b', which was skipped (because 'a' had a conflict)"
    )
    assert "'a', which had a conflict" in str(results["e"].message)
    assert sorted(r.key for r in seen) == list("abcde")


async def test_a_failure_names_the_failed_dependency() -> None:
    run = Recorder({"p": "failed"})
    results = await run_actions([action("p"), action("q", "p")], run)
    assert results[1].outcome == "skipped"
    assert results[1].message == "not written: depends on 'p', which failed"


async def test_a_dependency_outside_the_plan_is_already_satisfied() -> None:
    run = Recorder()
    results = await run_actions([action("child", "existing-parent")], run)
    assert results[0].outcome == "applied"


async def test_a_dependency_cycle_is_reported_not_hung() -> None:
    run = Recorder()
    results = await asyncio.wait_for(
        run_actions([action("a", "b"), action("b", "a"), action("c")], run), timeout=2
    )
    assert results[0].outcome == "failed"
    assert "cycle" in str(results[0].message)
    assert results[1].outcome in {"failed", "skipped"}
    assert results[2].outcome == "applied"


async def test_parallelism_must_be_positive() -> None:
    with pytest.raises(ValueError, match="parallelism"):
        await run_actions([action("a")], Recorder(), parallelism=0)


async def test_an_exception_in_the_runner_propagates_after_running_tasks_finish() -> None:
    finished: list[str] = []

    async def run(act: Action) -> ItemResult:
        if act.key == "boom":
            raise RuntimeError("bug")
        await asyncio.sleep(0.02)
        finished.append(act.key)
        return ItemResult(act.key, act.kind, "applied")

    with pytest.raises(RuntimeError, match="bug"):
        await run_actions([action("slow"), action("boom")], run)
    assert finished == ["slow"]


async def test_after_a_cancel_nothing_starts_and_the_running_actions_finish() -> None:
    actions = [action("a"), action("b"), action("c", "a"), *(action(f"k{i}") for i in range(5))]
    cancel = asyncio.Event()
    run = Recorder()
    seen: list[ItemResult] = []

    def on_result(result: ItemResult) -> None:
        seen.append(result)
        cancel.set()

    done = await run_actions(actions, run, parallelism=2, on_result=on_result, cancel=cancel)
    results = {r.key: r for r in done}
    assert run.started == ["a", "b"]
    assert run.finished == ["a", "b"]  # b was under way: it finished, its outcome is known
    assert results["a"].outcome == results["b"].outcome == "applied"
    # c (whose dependency was applied) and the others never started
    for key in ["c", *(f"k{i}" for i in range(5))]:
        assert (results[key].outcome, results[key].message) == ("skipped", INTERRUPTED)
    assert sorted(r.key for r in seen) == sorted(results)


async def test_after_a_cancel_dependents_of_a_failure_are_interrupted_too() -> None:
    cancel = asyncio.Event()
    cancel.set()
    results = await run_actions([action("a"), action("b", "a")], Recorder(), cancel=cancel)
    assert [(r.outcome, r.message) for r in results] == [("skipped", INTERRUPTED)] * 2


async def test_cancelling_the_run_cancels_the_actions_under_way_and_reports_each() -> None:
    started = asyncio.Event()

    async def run(act: Action) -> ItemResult:
        started.set()
        await asyncio.Event().wait()  # a request that never answers
        return ItemResult(act.key, act.kind, "applied")

    seen: list[ItemResult] = []
    actions = [action("a"), action("b"), action("c", "a")]
    task = asyncio.ensure_future(run_actions(actions, run, parallelism=2, on_result=seen.append))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    by_key = {r.key: r for r in seen}
    assert by_key["a"].outcome == by_key["b"].outcome == "failed"
    assert "may or may not have been written" in str(by_key["a"].message)
    assert (by_key["c"].outcome, by_key["c"].message) == ("skipped", INTERRUPTED)


async def test_write_slots_refuse_once_stopped_even_a_write_already_waiting() -> None:
    stop = asyncio.Event()
    slots = WriteSlots(1, stop)
    order: list[str] = []

    async def write(name: str) -> None:
        try:
            async with slots:
                order.append(f"{name} sent")
                await asyncio.sleep(0)
        except Interrupted:
            order.append(f"{name} refused")

    await slots.acquire()  # a write in flight holds the only slot
    waiting = [asyncio.ensure_future(write(n)) for n in ("w1", "w2")]
    await asyncio.sleep(0)  # both now wait for the slot
    stop.set()
    slots.release()  # the write in flight is answered
    await asyncio.gather(*waiting)
    assert order == ["w1 refused", "w2 refused"]
    await write("late")
    assert order[-1] == "late refused"
    assert not slots.locked()  # no slot was lost on the way
