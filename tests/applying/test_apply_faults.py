"""apply under the emulator's faults: throttling, 503s, dropped connections, saved-then-lost writes.

Faults are switched on after the setup, so only the apply under test meets them. Whatever
happens, the board never gets a second item for a key, and re-planning and applying converges
to an empty plan.
"""

from __future__ import annotations

import pytest
from apply_support import Board, desired, item, items_by_key, open_board, plan_and_apply, plan_for

from witsync.applying.applier import apply_plan
from witsync.emulator import EmulatorOptions
from witsync.model import REL_RELATED, REL_SUCCESSOR, Desired, Result

FIRST = desired(
    item("epic", type="Epic"),
    *(item(f"feature-{f}", type="Feature", parent="epic") for f in range(3)),
    *(
        item(f"story-{f}-{s}", parent=f"feature-{f}", Priority=2)
        for f in range(3)
        for s in range(3)
    ),
    item("loose", links=[(REL_RELATED, "story-0-0")]),
)

SECOND = desired(
    item("epic", "Epic renamed", type="Epic"),
    *(item(f"feature-{f}", type="Feature", parent="epic") for f in range(3)),
    # stories move between features, change fields, gain links; one story leaves
    *(
        item(
            f"story-{f}-{s}",
            f"Story {f}.{s} v2" if s else None,
            parent=f"feature-{(f + s) % 3}",
            Priority=1 + s,
            links=[(REL_SUCCESSOR, f"story-{f}-{s - 1}")] if s else [],
        )
        for f in range(3)
        for s in range(3)
        if (f, s) != (2, 2)
    ),
    item("loose"),
    item("new-story", parent="feature-1", links=[(REL_RELATED, "loose")]),
)


async def converge(
    board: Board, want: Desired, *, rounds: int = 6, **kwargs: object
) -> list[Result]:
    """Plan and apply until a plan is empty, checking for duplicates after every round."""
    results = []
    for _ in range(rounds):
        plan, result = await plan_and_apply(board, want, **kwargs)
        if not plan.actions:
            return results
        results.append(result)
        duplicates = {k: v for k, v in (await items_by_key(board)).items() if len(v) > 1}
        assert duplicates == {}, f"duplicates after round {len(results)}: {duplicates}"
    raise AssertionError(f"no convergence in {rounds} rounds: {results[-1]}")


async def assert_matches(board: Board, want: Desired) -> None:
    by_key = await items_by_key(board)
    assert {k: len(v) for k, v in by_key.items()} == {i.key: 1 for i in want.items}
    assert (await plan_for(board, want)).actions == ()


async def test_every_answer_lost_after_saving_still_applies_in_one_run_without_duplicates() -> None:
    """commit_drop_rate=1: every write is saved and its answer lost. Each create is found by its
    marker, each update by its revision, each link-only update by the relation list."""
    for link_bumps_rev in (False, True):
        board = open_board()
        board.set_options(EmulatorOptions(commit_drop_rate=1.0, link_bumps_rev=link_bumps_rev))
        _, first = await plan_and_apply(board, FIRST)
        assert first.ok, first
        _, second = await plan_and_apply(board, SECOND, prune=True, removal="delete")
        assert second.ok, second
        board.set_options(EmulatorOptions(link_bumps_rev=link_bumps_rev))
        await assert_matches(board, SECOND)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_dropped_connections_and_503s_converge_without_duplicates(seed: int) -> None:
    board = open_board()
    await converge(board, FIRST)
    board.set_options(
        EmulatorOptions(
            fail_rate=0.2, drop_rate=0.15, commit_drop_rate=0.2, seed=seed, link_bumps_rev=True
        )
    )
    before = len(board.requests)
    await converge(board, SECOND, prune=True, removal="delete")
    during = board.requests[before:]
    assert any(r.status_code == 503 for r in board.responses), "no 503 was ever answered"
    # lost answers were settled by reading the board (revision history, marker queries)
    assert any(r.url.path.endswith("/updates") for r in during)
    board.set_options(EmulatorOptions(link_bumps_rev=True))
    await assert_matches(board, SECOND)


@pytest.mark.parametrize("seed", [6, 7])
async def test_sub_requests_throttled_or_unavailable_inside_batches_apply_in_one_run(
    seed: int,
) -> None:
    """Sub-requests of `$batch` answered 429 or 503 (the rest of each batch saved) are sent again
    as single requests would be: every write lands in the same run, once."""
    board = open_board(EmulatorOptions(batch_throttle_rate=0.3, batch_fail_rate=0.2, seed=seed))
    _, first = await plan_and_apply(board, FIRST)
    assert first.ok, first
    _, second = await plan_and_apply(board, SECOND, prune=True, removal="delete")
    assert second.ok, second
    entries = [
        entry["code"]
        for r in board.responses
        if r.request.url.path.endswith("/$batch")
        for entry in r.json()["value"]
    ]
    assert {429, 503} <= set(entries), "no sub-request was failed: the test proves nothing"
    board.set_options(EmulatorOptions())
    await assert_matches(board, SECOND)


@pytest.mark.parametrize("seed", [4, 5])
async def test_faults_from_the_first_create_on_converge(seed: int) -> None:
    board = open_board(EmulatorOptions(drop_rate=0.2, commit_drop_rate=0.3, seed=seed))
    await converge(board, FIRST, parallelism=4)
    marker_queries = [r for r in board.requests if r.url.path.endswith("/wiql")]
    assert len(marker_queries) > 2, "no lost create was looked up by its marker"
    board.set_options(EmulatorOptions())
    await assert_matches(board, FIRST)


async def test_throttling_is_waited_out() -> None:
    board = open_board(sleep=True)
    board.set_options(EmulatorOptions(rate_limit=3, rate_window_s=0.4))
    _, result = await plan_and_apply(board, FIRST)
    assert result.ok, result
    throttled = [r for r in board.responses if r.status_code == 429]
    assert throttled, "the rate limit was never hit: the test proves nothing"
    board.set_options(EmulatorOptions())
    await assert_matches(board, FIRST)


@pytest.mark.parametrize("link_bumps_rev", [False, True])
async def test_a_lost_answer_to_a_link_only_update_is_settled_by_the_relation_list(
    link_bumps_rev: bool,
) -> None:
    """A link-only patch may leave the rev alone, so whether it landed is read off the item's
    relations, for an added link and for a removed one."""
    board = open_board(EmulatorOptions(link_bumps_rev=link_bumps_rev))
    await plan_and_apply(
        board, desired(item("a"), item("b"), item("c", links=[(REL_RELATED, "a")]))
    )
    want = desired(item("a", links=[(REL_RELATED, "b")]), item("b"), item("c"))
    plan = await plan_for(board, want)
    assert all(
        op.path.startswith("/relations/") or op.path == "/rev"
        for action in plan.actions
        for step in action.steps
        for op in step.ops
    ), "the plan should hold link changes only"
    board.set_options(EmulatorOptions(commit_drop_rate=1.0, link_bumps_rev=link_bumps_rev))
    before = len(board.requests)
    result = await apply_plan(board.client, plan)
    assert result.ok, result
    writes = [r for r in board.requests[before:] if r.method == "PATCH"]
    assert len(writes) == len(plan.actions), "a landed write was sent again"
    board.set_options(EmulatorOptions(link_bumps_rev=link_bumps_rev))
    await assert_matches(board, want)
