"""Never twice: a plan applied again, overlapping plans and racing applies leave one work item per
key (witsync.applying.claims and the applier's "already there" / "already applied" paths)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import re

import httpx
import pytest
from apply_support import (
    ORG,
    PROJECT,
    Board,
    desired,
    item,
    items_by_key,
    open_board,
    outcomes,
    plan_for,
)

from witsync.ado.client import Client
from witsync.ado.transport import RetryPolicy
from witsync.applying.applier import apply_plan
from witsync.emulator import EmulatorOptions, asgi_transport
from witsync.model import REL_PARENT, Desired, DesiredItem, Plan, Result


def tree(epics: int, features: int, stories: int, *, version: str = "") -> Desired:
    """A 3-level backlog; every story is stated Active, so each create has a later state move."""
    items: list[DesiredItem] = []
    for e in range(epics):
        items.append(item(f"e{e}", f"Epic {e}{version}", type="Epic"))
        for f in range(features):
            items.append(item(f"e{e}f{f}", f"Feature {e}.{f}", type="Feature", parent=f"e{e}"))
            for s in range(stories):
                key = f"e{e}f{f}s{s}"
                items.append(item(key, f"Story {key}", parent=f"e{e}f{f}", State="Active"))
    return desired(*items)


def another_client(board: Board) -> Client:
    """A second pipeline on the same board: its own connection, the same project."""

    async def no_sleep(_: float) -> None:
        return None

    http = httpx.AsyncClient(transport=asgi_transport(board.app))
    retry = RetryPolicy(max_attempts=12, base_delay=0.01, max_delay=0.1)
    return Client(http, ORG, PROJECT, retry=retry, sleep=no_sleep)


async def assert_one_item_per_key(board: Board, want: Desired) -> None:
    found = await items_by_key(board)
    assert {key: ids for key, ids in found.items() if len(ids) > 1} == {}, "duplicates"
    assert set(found) == {entry.key for entry in want.items}


async def assert_converged(board: Board, want: Desired) -> None:
    """One item per key, each story Active under its parent, and nothing left to plan."""
    await assert_one_item_per_key(board, want)
    found = await items_by_key(board)
    items = {live.id: live for live in await board.client.get_items(i for i, in found.values())}
    for entry in want.items:
        live = items[found[entry.key][0]]
        if entry.parent is not None:
            parents = [r.target_id for r in live.relations if r.rel == REL_PARENT]
            assert parents == found[str(entry.parent)], entry.key
        if "System.State" in entry.fields:
            assert live.fields["System.State"] == entry.fields["System.State"], entry.key
    assert not (await plan_for(board, want)).actions


def saved_writes_since(board: Board, start: int) -> int:
    """Write requests the board accepted (a refused `test /rev` guard saves nothing)."""
    writes = {id(request) for request in board.writes()}
    return sum(
        1
        for response in board.responses[start:]
        if id(response.request) in writes and response.is_success
    )


async def test_a_saved_plan_applied_twice_writes_nothing_the_second_time() -> None:
    board = open_board()
    want = tree(1, 2, 2)
    plan = await plan_for(board, want)
    first = await apply_plan(board.client, plan)
    assert first.ok
    sent = len(board.responses)
    again = await apply_plan(board.client, plan)
    assert again.ok, again
    assert saved_writes_since(board, sent) == 0
    assert {result.message.split(":")[0] for result in again.items if result.message} == {
        "already there"
    }
    assert [r.id for r in again.items] == [r.id for r in first.items]
    await assert_converged(board, want)


async def test_a_saved_plan_of_updates_applied_twice_says_already_applied() -> None:
    board = open_board()
    await apply_plan(board.client, await plan_for(board, tree(1, 1, 2)))
    plan = await plan_for(board, tree(1, 1, 2, version=" renamed"))
    assert [a.kind for a in plan.actions] == ["update"]
    assert (await apply_plan(board.client, plan)).ok
    sent = len(board.responses)
    again = await apply_plan(board.client, plan)
    assert again.ok
    assert again.items[0].message is not None
    assert again.items[0].message.startswith("already applied")
    assert saved_writes_since(board, sent) == 0


async def test_two_plans_made_together_and_applied_in_turn_share_their_items() -> None:
    board = open_board()
    small = tree(1, 2, 1)
    large = desired(*small.items, item("extra", parent="e0f1"))
    first_plan, second_plan = await plan_for(board, small), await plan_for(board, large)
    assert (await apply_plan(board.client, first_plan)).ok
    result = await apply_plan(board.client, second_plan)
    assert result.ok, result
    by_key = {r.key: r for r in result.items}
    assert str(by_key["e0"].message).startswith("already there")
    assert by_key["extra"].message is not None
    assert by_key["extra"].message.startswith("created")
    await assert_converged(board, large)


async def test_a_key_created_since_the_plan_with_other_values_is_a_conflict() -> None:
    board = open_board()
    stale = await plan_for(board, tree(1, 1, 1))
    newer = tree(1, 1, 1, version=" v2")
    assert (await apply_plan(board.client, await plan_for(board, newer))).ok
    result = await apply_plan(board.client, stale)
    by_key = {r.key: r for r in result.items}
    assert by_key["e0"].outcome == "conflict"
    assert "already has work item" in str(by_key["e0"].message)
    assert "System.Title" in str(by_key["e0"].message)
    # the children wait for their parent: not written, not duplicated
    assert {by_key["e0f0"].outcome, by_key["e0f0s0"].outcome} == {"skipped"}
    await assert_one_item_per_key(board, newer)


@pytest.mark.parametrize("seed", range(12))
async def test_two_applies_at_once_converge_without_duplicates(seed: int) -> None:
    rng = random.Random(seed)
    board = open_board(EmulatorOptions(latency_ms=rng.choice([0, 1, 3, 8])))
    want = tree(2, 3, rng.randint(2, 5))
    other = another_client(board)
    plans = [await plan_for(board, want), await plan_for(board, want)]
    assert plans[0].count("create") == len(want.items)

    async def run(client: Client, plan: Plan, delay: float) -> Result:
        await asyncio.sleep(delay)
        return await apply_plan(client, plan, parallelism=rng.choice([1, 4, 8]))

    delays = [0.0, rng.choice([0.0, 0.001, 0.005, 0.02, 0.05])]
    rng.shuffle(delays)
    results = await asyncio.gather(
        run(board.client, plans[0], delays[0]), run(other, plans[1], delays[1])
    )
    await other.aclose()
    for result in results:
        assert outcomes(result)["failed"] == 0, result
    await assert_one_item_per_key(board, want)
    # a run whose item lost the race may stop with a conflict, never with a copy; one more
    # plan and apply finishes whatever a conflict left
    leftover = await plan_for(board, want)
    assert (await apply_plan(board.client, leftover)).ok
    await assert_converged(board, want)


async def test_a_lost_race_deletes_this_runs_copy_and_uses_the_lower_id() -> None:
    """Deterministic: the other run's item for the key lands between this run's pre-flight query
    and its create (the moment no pre-flight check can cover)."""
    board = open_board()
    want = tree(1, 1, 1)
    mine, theirs = await plan_for(board, want), await plan_for(board, want)
    other = another_client(board)
    epic_only = dataclasses.replace(theirs, actions=theirs.actions[:1])
    raced = False

    async def the_other_run_first() -> None:
        nonlocal raced
        if not raced:
            raced = True
            assert (await apply_plan(other, epic_only)).ok

    real_batch, real_create = board.client.batch, board.client.create_item

    async def batch(*args: object, **kwargs: object) -> object:
        await the_other_run_first()
        return await real_batch(*args, **kwargs)  # type: ignore[arg-type]

    async def create_item(*args: object, **kwargs: object) -> object:
        await the_other_run_first()
        return await real_create(*args, **kwargs)  # type: ignore[arg-type]

    board.client.batch = batch  # type: ignore[method-assign]
    board.client.create_item = create_item  # type: ignore[method-assign]
    result = await apply_plan(board.client, mine)
    await other.aclose()
    assert result.ok, result
    epic = result.items[0]
    assert "created at the same time by another run" in str(epic.message)
    winner = (await items_by_key(board))["e0"]
    assert [epic.id] == winner
    await assert_converged(board, want)


async def test_creates_cost_one_query_before_and_one_per_group_that_lands_together() -> None:
    board = open_board()
    plan = await plan_for(board, tree(2, 3, 4))
    sent = len(board.responses)
    assert (await apply_plan(board.client, plan)).ok
    wiql = [r for r in board.requests[sent:] if r.url.path.endswith("/wiql")]
    # one pre-flight, then one per level of the tree (epics, features, stories)
    assert len(wiql) == 4


async def test_later_claim_queries_ask_only_for_ids_above_the_highest_one_seen() -> None:
    """Each group's query reads what was saved since, not the whole scope again (one query over
    every item per group of creates made an apply of 100,000 creates quadratic)."""
    board = open_board()
    plan = await plan_for(board, tree(2, 3, 4))
    sent = len(board.requests)
    result = await apply_plan(board.client, plan)
    assert result.ok, result
    queries = [
        json.loads(r.content)["query"]
        for r in board.requests[sent:]
        if r.url.path.endswith("/wiql")
    ]
    floors = [max(int(n) for n in re.findall(r"\[System\.Id\] > (\d+)", q)) for q in queries]
    ids = {entry.key: entry.id for entry in result.items}
    epics = max(ids[f"e{e}"] for e in range(2))
    features = max(ids[f"e{e}f{f}"] for e in range(2) for f in range(3))
    # pre-flight and the epics' check: above the plan's horizon; then above each level's ids
    assert floors[0] == floors[1] == plan.known_max_id
    assert floors[2:] == [epics, features]
