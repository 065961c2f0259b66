"""Writes coalesced into `$batch` requests of at most 200, each write with its own outcome: creates,
updates and deletes; a refused batch sorted out item by item without writing anything twice."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest
from apply_support import Board, open_board

from witsync.ado.transport import RetryPolicy
from witsync.applying.batching import WriteBatcher
from witsync.emulator import EmulatorOptions
from witsync.errors import (
    ConflictError,
    NotFoundError,
    OutcomeUnknownError,
    ServerError,
    TransientError,
)
from witsync.model import LiveItem

TAG = {"op": "add", "path": "/fields/System.Tags", "value": "batched"}


def title(text: str) -> list[dict[str, Any]]:
    return [{"op": "add", "path": "/fields/System.Title", "value": text}, TAG]


UNKNOWN_FIELD = [{"op": "add", "path": "/fields/Custom.Nope", "value": "x"}, *title("bad")]
BAD_STATE = [{"op": "add", "path": "/fields/System.State", "value": "Bogus"}, *title("bad")]


@pytest.fixture
async def board() -> AsyncIterator[Board]:
    board = open_board()
    yield board
    await board.client.aclose()


def batcher_for(board: Board, limit: int = 8, *, suppress: bool = False) -> WriteBatcher:
    return WriteBatcher(board.client, asyncio.Semaphore(limit), suppress_notifications=suppress)


def sent(board: Board) -> list[tuple[str, int]]:
    """Each write request: `$batch` with its number of sub-requests, or `create`, `update`,
    `delete`; and `read` for each workitemsbatch read in between."""
    shapes = []
    for request in board.requests:
        if request.url.path.endswith("/$batch"):
            shapes.append(("$batch", len(json.loads(request.content))))
        elif request.url.path.endswith("/workitemsbatch"):
            shapes.append(("read", len(json.loads(request.content)["ids"])))
        elif request.method == "POST" and "/workitems/$" in request.url.path:
            shapes.append(("create", 1))
        elif request.method in {"PATCH", "DELETE"}:
            shapes.append(({"PATCH": "update", "DELETE": "delete"}[request.method], 1))
    return shapes


async def on_board(board: Board) -> list[str]:
    """The titles of every item the creates saved, by id."""
    ids = await board.client.query_ids(
        "SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS 'batched' "
        "ORDER BY [System.Id]"
    )
    return [item.title for item in await board.client.get_items(ids)]


async def create_all(
    batcher: WriteBatcher, creates: Sequence[list[dict[str, Any]]]
) -> list[LiveItem | BaseException]:
    return await asyncio.gather(
        *(batcher.create("Task", ops) for ops in creates), return_exceptions=True
    )


async def test_creates_ready_together_go_in_batches_of_at_most_200(board: Board) -> None:
    batcher = batcher_for(board)
    titles = [f"t{n}" for n in range(450)]
    results = await create_all(batcher, [title(t) for t in titles])
    assert sent(board) == [("$batch", 200), ("$batch", 200), ("$batch", 50)]
    assert batcher.requests == 3
    # each create gets its own item back, in the order it asked
    assert all(isinstance(result, LiveItem) for result in results)
    assert [result.title for result in results if isinstance(result, LiveItem)] == titles
    assert len({result.id for result in results if isinstance(result, LiveItem)}) == 450
    assert await on_board(board) == titles


async def test_a_create_alone_is_a_plain_create(board: Board) -> None:
    batcher = batcher_for(board)
    item = await batcher.create("Task", title("alone"))
    assert (item.type, item.title) == ("Task", "alone")
    assert sent(board) == [("create", 1)]


async def test_creates_ready_at_different_moments_are_not_held_back(board: Board) -> None:
    batcher = batcher_for(board)
    first = await batcher.create("Task", title("first"))
    second, third = await create_all(batcher, [title("second"), title("third")])
    assert isinstance(second, LiveItem)
    assert isinstance(third, LiveItem)
    assert [first.title, second.title, third.title] == ["first", "second", "third"]
    assert sent(board) == [("create", 1), ("$batch", 2)]


async def test_each_create_of_a_batch_has_its_own_outcome(board: Board) -> None:
    results = await create_all(batcher_for(board), [title("a"), BAD_STATE, title("c")])
    assert sent(board) == [("$batch", 3)]
    a, bad, c = results
    assert isinstance(a, LiveItem)
    assert isinstance(c, LiveItem)
    assert (a.title, c.title) == ("a", "c")
    assert isinstance(bad, ServerError)
    assert (bad.status, bad.work_item, bad.field) == (400, "new Task", "System.State")
    assert await on_board(board) == ["a", "c"]


async def test_a_refused_batch_is_sent_again_one_create_at_a_time(board: Board) -> None:
    # An unknown field makes the server refuse the whole batch before saving anything.
    batcher = batcher_for(board)
    results = await create_all(batcher, [title("a"), UNKNOWN_FIELD, title("c")])
    assert sent(board) == [("$batch", 3), ("create", 1), ("create", 1), ("create", 1)]
    assert batcher.requests == 4
    a, bad, c = results
    assert isinstance(a, LiveItem)
    assert isinstance(c, LiveItem)
    assert isinstance(bad, ServerError)
    assert (bad.status, bad.field) == (400, "Custom.Nope")
    assert await on_board(board) == ["a", "c"]  # saved once each, nothing twice


async def test_a_lost_batch_answer_is_unknown_for_every_create_in_it(board: Board) -> None:
    board.set_options(EmulatorOptions(commit_drop_rate=1.0))
    results = await create_all(batcher_for(board), [title("a"), title("b")])
    assert all(isinstance(result, OutcomeUnknownError) for result in results)
    assert sent(board) == [("$batch", 2)]  # never resent: it may have been saved
    board.set_options(EmulatorOptions())
    assert await on_board(board) == ["a", "b"]


async def test_a_batch_that_fails_whole_fails_every_create_in_it(board: Board) -> None:
    board.set_options(EmulatorOptions(fail_rate=1.0))
    board.client.transport.retry = RetryPolicy(max_attempts=2, base_delay=0.0)
    results = await create_all(batcher_for(board), [title("a"), title("b")])
    assert [type(result) for result in results] == [TransientError, TransientError]
    assert sent(board) == [("$batch", 2), ("$batch", 2)]  # one $batch, tried twice


async def test_requests_wait_for_the_shared_write_limit(board: Board) -> None:
    limit = asyncio.Semaphore(1)
    batcher = WriteBatcher(board.client, limit, suppress_notifications=False)
    await limit.acquire()  # another write of the applier holds the only slot
    pending = asyncio.ensure_future(create_all(batcher, [title("a"), title("b")]))
    for _ in range(20):
        await asyncio.sleep(0)
    assert sent(board) == []
    limit.release()
    results = await pending
    assert all(isinstance(result, LiveItem) for result in results)
    assert sent(board) == [("$batch", 2)]


@pytest.mark.parametrize("count", [1, 2])
async def test_notifications_are_suppressed_when_asked(board: Board, count: int) -> None:
    await create_all(batcher_for(board, suppress=True), [title(f"t{n}") for n in range(count)])
    (request,) = board.writes()
    if count == 1:
        assert request.url.params["suppressNotifications"] == "true"
    else:
        uris = [httpx.URL(sub["uri"]) for sub in json.loads(request.content)]
        assert [uri.params["suppressNotifications"] for uri in uris] == ["true", "true"]


# -- updates and deletes ---------------------------------------------------------------------------


async def made(board: Board, count: int) -> list[LiveItem]:
    """`count` tasks on the board (their creates not logged)."""
    items = [await board.client.create_item("Task", title(f"t{n}")) for n in range(count)]
    board.requests.clear()
    return items


def guarded(item: LiveItem, text: str, rev: int | None = None) -> list[dict[str, Any]]:
    test = {"op": "test", "path": "/rev", "value": item.rev if rev is None else rev}
    return [test, {"op": "add", "path": "/fields/System.Title", "value": text}]


async def update_all(
    batcher: WriteBatcher, updates: Sequence[tuple[int, list[dict[str, Any]]]]
) -> list[LiveItem | BaseException]:
    return await asyncio.gather(
        *(batcher.update(id, ops) for id, ops in updates), return_exceptions=True
    )


async def test_updates_and_deletes_ready_together_share_a_batch(board: Board) -> None:
    items = await made(board, 4)
    batcher = batcher_for(board)
    results = await asyncio.gather(
        batcher.update(items[0].id, guarded(items[0], "v2")),
        batcher.update(items[1].id, guarded(items[1], "v2")),
        batcher.delete(items[2].id),
        batcher.create("Task", title("new")),
    )
    assert sent(board) == [("$batch", 4)]
    first, second, deleted, new = results
    assert (first.rev, first.title, second.title) == (2, "v2", "v2")
    assert deleted is None
    assert new.title == "new"
    assert await board.client.get_item(items[2].id) is None
    assert await on_board(board) == ["v2", "v2", "t3", "new"]


async def test_a_stale_guard_in_a_batch_is_that_items_conflict_and_the_rest_is_saved(
    board: Board,
) -> None:
    """The server refuses the whole batch for one failed `test /rev` and does not say whose it
    is: the items are read, the stale one gets its conflict, the rest is sent again once."""
    items = await made(board, 6)
    await board.client.update_item(items[3].id, title("someone"))  # after "the plan"
    board.requests.clear()
    results = await update_all(
        batcher_for(board), [(item.id, guarded(item, "v2")) for item in items]
    )
    assert sent(board) == [("$batch", 6), ("read", 6), ("$batch", 5)]
    assert isinstance(results[3], ConflictError)
    assert (results[3].status, results[3].work_item) == (412, items[3].id)
    assert "rev 2, not 1" in results[3].message
    for index in (0, 1, 2, 4, 5):
        result = results[index]
        assert isinstance(result, LiveItem)
        assert (result.rev, result.title) == (2, "v2")
    read = await board.client.get_item(items[3].id)
    assert read is not None
    assert (read.rev, read.title) == (2, "someone")  # nothing of ours written there


async def test_an_item_deleted_since_is_its_own_not_found(board: Board) -> None:
    items = await made(board, 3)
    await board.client.delete_item(items[1].id)
    board.requests.clear()
    results = await update_all(
        batcher_for(board), [(item.id, guarded(item, "v2")) for item in items]
    )
    assert isinstance(results[1], NotFoundError)
    assert [type(result) for result in results[::2]] == [LiveItem, LiveItem]
    assert sent(board) == [("$batch", 3), ("read", 3), ("$batch", 2)]


async def test_a_refusal_the_items_do_not_explain_is_found_by_halving(board: Board) -> None:
    """An unknown field refuses the batch; no rev tells whose it is: halves are sent until the
    refused one is alone, and every other update lands once."""
    items = await made(board, 16)
    updates = [(item.id, guarded(item, "v2")) for item in items]
    bad = [*guarded(items[11], "v2"), {"op": "add", "path": "/fields/Custom.Nope", "value": 1}]
    updates[11] = (items[11].id, bad)
    results = await update_all(batcher_for(board), updates)
    assert isinstance(results[11], ServerError)
    assert (results[11].status, results[11].field) == (400, "Custom.Nope")
    assert all(isinstance(r, LiveItem) and r.rev == 2 for i, r in enumerate(results) if i != 11)
    # 16 -> read -> 8 + 8 -> 4 + 4 -> 2 alone... never the whole 16 twice, nothing saved twice
    shapes = sent(board)
    assert shapes[:2] == [("$batch", 16), ("read", 16)]
    assert len(shapes) <= 10
    revs = [(await board.client.get_item(item.id)) for item in items]
    assert [live.rev for live in revs if live is not None] == [2] * 11 + [1] + [2] * 4


async def test_a_wave_of_creates_returns_together(board: Board) -> None:
    """Creates that left in one wave (three `$batch` requests) are answered in one turn of the
    event loop, so that their claims are checked with one query."""
    batcher = batcher_for(board)
    turns: list[int] = []
    turn = 0

    async def count_turns() -> None:
        nonlocal turn
        while True:
            await asyncio.sleep(0)
            turn += 1

    async def create(ops: list[dict[str, Any]]) -> None:
        await batcher.create("Task", ops)
        turns.append(turn)

    counter = asyncio.ensure_future(count_turns())
    await asyncio.gather(*(create(title(f"t{n}")) for n in range(450)))
    counter.cancel()
    assert [shape for shape, _ in sent(board)] == ["$batch"] * 3
    assert len(set(turns)) == 1
