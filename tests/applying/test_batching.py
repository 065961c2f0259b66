"""Creates coalesced into `$batch` requests of at most 200, each create with its own outcome."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest
from apply_support import Board, open_board

from witsync.ado.transport import RetryPolicy
from witsync.applying.batching import CreateBatcher
from witsync.emulator import EmulatorOptions
from witsync.errors import OutcomeUnknownError, ServerError, TransientError
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


def batcher_for(board: Board, limit: int = 8, *, suppress: bool = False) -> CreateBatcher:
    return CreateBatcher(board.client, asyncio.Semaphore(limit), suppress_notifications=suppress)


def sent(board: Board) -> list[tuple[str, int]]:
    """Each write request: `$batch` with its number of sub-requests, or `create`."""
    shapes = []
    for request in board.writes():
        if request.url.path.endswith("/$batch"):
            shapes.append(("$batch", len(json.loads(request.content))))
        else:
            shapes.append(("create", 1))
    return shapes


async def on_board(board: Board) -> list[str]:
    """The titles of every item the creates saved, by id."""
    ids = await board.client.query_ids(
        "SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS 'batched' "
        "ORDER BY [System.Id]"
    )
    return [item.title for item in await board.client.get_items(ids)]


async def create_all(
    batcher: CreateBatcher, creates: Sequence[list[dict[str, Any]]]
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
    batcher = CreateBatcher(board.client, limit, suppress_notifications=False)
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
