"""Apply sends every write in `$batch` requests: mixed outcomes inside one batch, each on its own
item; the order between batches (parents first, removals children first, link ends before links);
a lost batch answer settled by asking the board, never by writing twice."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import httpx
from apply_support import (
    Board,
    desired,
    item,
    items_by_key,
    live,
    open_board,
    plan_and_apply,
    plan_for,
)

from witsync.applying.applier import apply_plan
from witsync.applying.removals import removal_levels
from witsync.emulator import EmulatorOptions
from witsync.model import REL_PARENT, DesiredItem, Result

PRIORITY = "Microsoft.VSTS.Common.Priority"


def batches(board: Board, since: int = 0) -> list[list[dict[str, Any]]]:
    """The sub-requests of each `$batch` sent (from request number `since` on)."""
    return [
        json.loads(r.content)
        for r in board.requests[since:]
        if r.url.path.endswith("/$batch")
    ]


def target_id(sub: dict[str, Any]) -> int:
    return int(sub["uri"].split("?")[0].rsplit("/", 1)[-1])


def by_key(result: Result) -> dict[str, tuple[str, str | None]]:
    return {r.key: (r.outcome, r.message) for r in result.items}


async def test_a_batch_of_200_updates_with_mixed_outcomes_reports_each_on_its_own_item() -> None:
    board = open_board()
    keys = [f"s{n:03d}" for n in range(200)]
    _, made = await plan_and_apply(board, desired(*(item(k, Priority=2) for k in keys)))
    assert made.ok
    changed = {k: 9 if k == "s150" else 3 for k in keys}  # 9: a value the rules refuse on save
    plan = await plan_for(
        board, desired(*(item(k, Priority=changed[k]) for k in keys)), process_check=False
    )
    assert plan.count("update") == 200
    ids = {k: v for k, [v] in (await items_by_key(board)).items()}
    # someone edits s010 after the plan; the server throttles s050, is unavailable for s100 and
    # fails s199 (inside the batch: the other sub-requests are saved)
    edit = {"op": "add", "path": "/fields/System.Title", "value": "Edited by someone"}
    await board.client.update_item(ids["s010"], [edit])
    board.set_options(
        EmulatorOptions(
            batch_faults=((ids["s050"], 429), (ids["s100"], 503), (ids["s199"], 500))
        )
    )
    sent = len(board.requests)

    result = await apply_plan(board.client, plan)

    outcomes = by_key(result)
    assert outcomes["s010"][0] == "conflict"
    assert "changed on the board after the plan" in str(outcomes["s010"][1])
    assert outcomes["s150"][0] == "failed"
    assert "Priority" in str(outcomes["s150"][1])
    assert outcomes["s199"][0] == "failed"
    assert "TF246021" in str(outcomes["s199"][1])
    others = set(keys) - {"s010", "s150", "s199"}
    assert {outcomes[k][0] for k in others} == {"applied"}  # s050 and s100 after a retry
    # 200 refused for the stale guard (nothing saved), 199 again, then the two throttled
    assert [len(b) for b in batches(board, sent)] == [200, 199, 2]
    assert [r for r in board.writes()[-3:] if not r.url.path.endswith("/$batch")] == []
    # the board: every other item changed once, the three not at all (s010 only by someone)
    now = {i.id: i for i in await board.client.get_items(ids.values())}
    for key in keys:
        expected = (3, 2) if key in others else (2, 1)
        if key == "s010":
            expected = (2, 2)
        assert (now[ids[key]].fields[PRIORITY], now[ids[key]].rev) == expected, key
    assert now[ids["s010"]].title == "Edited by someone"


def tree(epics: int, features: int, stories: int) -> list[DesiredItem]:
    items = [item(f"e{e}", type="Epic") for e in range(epics)]
    items += [
        item(f"e{e}f{f}", type="Feature", parent=f"e{e}")
        for e in range(epics)
        for f in range(features)
    ]
    items += [
        item(f"e{e}f{f}s{s}", parent=f"e{e}f{f}")
        for e in range(epics)
        for f in range(features)
        for s in range(stories)
    ]
    return items


async def test_creates_go_level_by_level_each_parent_in_an_earlier_batch() -> None:
    board = open_board()
    _, result = await plan_and_apply(board, desired(*tree(2, 3, 4)))
    assert result.ok, result
    sent = batches(board)
    assert [len(b) for b in sent] == [2, 6, 24]
    created: set[int] = set()
    ids = iter(sorted(r.id for r in result.items if r.id is not None))
    for batch in sent:
        for sub in batch:
            parents = [
                op["value"]["url"]
                for op in sub["body"]
                if op.get("path") == "/relations/-" and op["value"]["rel"] == REL_PARENT
            ]
            # every parent link names an item an earlier batch created
            assert all(int(url.rsplit("/", 1)[-1]) in created for url in parents)
        created.update(next(ids) for _ in batch)


async def test_an_update_linking_to_a_new_item_waits_for_its_create() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("old")))
    want = desired(item("old", parent="new"), item("new"))
    sent = len(board.requests)
    _, result = await plan_and_apply(board, want)
    assert result.ok, result
    new = await live(board, "new")
    writes = [r for r in board.writes() if board.requests.index(r) >= sent]
    # the create first (alone: a plain request), then the update carrying the new item's URL
    assert [r.method for r in writes] == ["POST", "PATCH"]
    link = json.loads(writes[1].content)[-1]
    assert link["value"]["url"].endswith(f"/{new.id}")


async def test_removals_go_in_batches_a_level_at_a_time_children_first() -> None:
    board = open_board()
    await plan_and_apply(board, desired(*tree(2, 3, 4), item("kept")))
    level = {v: k.count("f") + k.count("s") for k, [v] in (await items_by_key(board)).items()}
    sent = len(board.requests)
    plan, result = await plan_and_apply(board, desired(item("kept")), prune=True)
    assert plan.count("remove") == 32
    assert result.ok, result
    removal_batches = batches(board, sent)
    # stories, then features, then epics: one level per batch, lowest first
    assert [{level[target_id(sub)] for sub in b} for b in removal_batches] == [{2}, {1}, {0}]
    assert [len(b) for b in removal_batches] == [24, 6, 2]
    assert [r for r in board.requests[sent:] if r.method == "PATCH"] == []  # no single writes


async def test_deletes_read_their_items_together_and_go_in_batches() -> None:
    board = open_board()
    await plan_and_apply(board, desired(*tree(2, 2, 3)))
    sent = len(board.requests)
    _plan, result = await plan_and_apply(board, desired(), prune=True, removal="delete")
    assert result.ok, result
    after = [
        ("read" if "workitemsbatch" in r.url.path else "$batch", r.method)
        for r in board.requests[sent:]
        if r.url.path.endswith(("/workitemsbatch", "/$batch"))
    ]
    # each level: its items read in one request (a delete carries no guard), then deleted
    assert after[-6:] == [("read", "POST"), ("$batch", "POST")] * 3
    assert [{sub["method"] for sub in b} for b in batches(board, sent)] == [{"DELETE"}] * 3
    assert await items_by_key(board) == {}


async def lose_the_first_write_answer(board: Board) -> list[int]:
    """The next write is saved and its answer lost (commit, then the connection drops); the
    ones after it are answered. Returns a list that counts the writes sent."""
    board.set_options(EmulatorOptions(commit_drop_rate=1.0))
    writes: list[int] = []

    async def heal_after_first(request: httpx.Request) -> None:
        if request in board.writes():
            writes.append(1)
            if len(writes) == 2:
                board.set_options(EmulatorOptions())

    board.client.transport.http.event_hooks["request"].append(heal_after_first)
    return writes


async def test_a_lost_batch_answer_is_settled_by_asking_the_board_not_by_writing_again() -> None:
    board = open_board()
    keys = [f"s{n:02d}" for n in range(30)]
    await plan_and_apply(board, desired(*(item(k, Priority=2) for k in keys)))
    plan = await plan_for(board, desired(*(item(k, Priority=3) for k in keys)))
    writes = await lose_the_first_write_answer(board)

    result = await apply_plan(board.client, plan)

    assert result.ok, result
    assert len(writes) == 1  # the lost batch was never sent again
    for key in keys:
        now = await live(board, key)
        assert (now.fields[PRIORITY], now.rev) == (3, 2)  # written once


async def test_a_lost_batch_of_deletes_is_settled_by_reading() -> None:
    board = open_board()
    await plan_and_apply(board, desired(*(item(f"d{n}") for n in range(5)), item("kept")))
    plan = await plan_for(board, desired(item("kept")), prune=True, removal="delete")
    writes = await lose_the_first_write_answer(board)
    result = await apply_plan(board.client, plan)
    assert result.ok, result
    assert len(writes) == 1
    assert set(await items_by_key(board)) == {"kept"}


async def test_a_wave_of_creates_over_several_batches_checks_its_claims_once() -> None:
    board = open_board()
    want = desired(item("epic", type="Epic"), *(item(f"s{n}", parent="epic") for n in range(450)))
    plan = await plan_for(board, want)
    sent = len(board.requests)
    assert (await apply_plan(board.client, plan)).ok
    shapes = [r.url.path.rsplit("/", 1)[-1] for r in board.requests[sent:]]
    # one query before, the epic alone, one query, the 450 stories in 3 batches, one query
    assert shapes == ["wiql", "$Epic", "wiql", "$batch", "$batch", "$batch", "wiql"]


async def test_removal_levels_come_from_the_plans_overview_or_its_order() -> None:
    board = open_board()
    await plan_and_apply(board, desired(*tree(1, 2, 2), item("loose")))
    plan = await plan_for(board, desired(), prune=True)
    levels = removal_levels(plan)
    assert [sorted(a.key for a in level) for level in levels] == [
        ["e0f0s0", "e0f0s1", "e0f1s0", "e0f1s1", "loose"],
        ["e0f0", "e0f1"],
        ["e0"],
    ]
    # a plan read from an older file has no overview: its own (children-first) order, 200 a time
    assert removal_levels(dataclasses.replace(plan, items=())) == [list(plan.actions)]
