"""An apply runs with the objects it starts with frozen out of the cyclic collector's sight, and
gives them back at its end (witsync.applying.collector)."""

from __future__ import annotations

import gc

from apply_support import desired, item, open_board, plan_for

from witsync.applying.applier import apply_plan
from witsync.applying.collector import sparing_the_collector


async def test_an_apply_runs_with_its_starting_objects_frozen_and_unfreezes_them() -> None:
    board = open_board()
    plan = await plan_for(board, desired(item("a"), item("b")))
    seen: list[int] = []
    gc.unfreeze()  # as a library caller's process is: nothing frozen
    result = await apply_plan(
        board.client, plan, on_event=lambda _: seen.append(gc.get_freeze_count())
    )
    assert result.ok, result
    assert seen
    assert all(count > 0 for count in seen)
    assert gc.get_freeze_count() == 0


async def test_objects_a_stage_froze_stay_frozen_and_the_runs_join_them() -> None:
    @sparing_the_collector
    async def run() -> int:
        return gc.get_freeze_count()

    gc.freeze()  # as engine.settle does after each stage of the CLI
    frozen = gc.get_freeze_count()
    assert frozen > 0
    assert await run() >= frozen
    assert gc.get_freeze_count() >= frozen  # not given back by the run
