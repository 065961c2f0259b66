"""Creates coalesced into `$batch` requests: up to 200 new work items in one round trip.

Creates that become ready at the same moment (the children of the parents just created, every
independent new item at the start) are gathered for one turn of the event loop, then sent as
one `$batch` per 200. Each create keeps its own outcome: the answer for a sub-request becomes
that item's LiveItem or its own ServerError, and a lost answer is an OutcomeUnknownError for
every create in the batch (the applier then looks each one up by its marker, as for a single
create). A refused batch (the server saved nothing) is sent again one create at a time, so each
gets its own verdict.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from witsync.ado.batch import WRITE_BATCH_SIZE, BatchCreate
from witsync.ado.client import Client
from witsync.errors import BatchRefusedError, WitsyncError
from witsync.model import JSON, LiveItem


@dataclass
class _Create:
    type: str
    ops: Sequence[Mapping[str, JSON]]
    future: asyncio.Future[LiveItem]


class CreateBatcher:
    """`await batcher.create(type, ops)` as if it were `client.create_item`, but batched.

    `limit` bounds the write requests in flight (shared with the applier's other writes)."""

    def __init__(
        self, client: Client, limit: asyncio.Semaphore, *, suppress_notifications: bool
    ) -> None:
        self.client = client
        self.limit = limit
        self.suppress = suppress_notifications
        self._waiting: list[_Create] = []
        self._sending: set[asyncio.Task[None]] = set()
        self.requests = 0
        """`$batch` and single create requests sent (retries inside the transport not counted)."""

    async def create(self, type: str, ops: Sequence[Mapping[str, JSON]]) -> LiveItem:
        loop = asyncio.get_running_loop()
        if not self._waiting:
            # flush after every create that is ready now has had its turn to join
            loop.call_soon(self._flush)
        request = _Create(type, ops, loop.create_future())
        self._waiting.append(request)
        return await request.future

    def _flush(self) -> None:
        waiting, self._waiting = self._waiting, []
        for start in range(0, len(waiting), WRITE_BATCH_SIZE):
            task = asyncio.ensure_future(self._send(waiting[start : start + WRITE_BATCH_SIZE]))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, creates: list[_Create]) -> None:
        try:
            await self._send_batch(creates)
        except Exception as error:  # a bug: still end every waiting create, with the bug itself
            for create in creates:
                _settle(create, error=error)

    async def _send_batch(self, creates: list[_Create]) -> None:
        if len(creates) == 1:
            await self._send_one(creates[0])
            return
        try:
            async with self.limit:
                self.requests += 1
                answers = await self.client.batch(
                    [BatchCreate(create.type, create.ops) for create in creates],
                    suppress_notifications=self.suppress,
                )
        except BatchRefusedError:
            # nothing was saved; send each alone for its own verdict
            await asyncio.gather(*(self._send_one(create) for create in creates))
            return
        except WitsyncError as error:
            for create in creates:
                _settle(create, error=error)
            return
        for create, answer in zip(creates, answers, strict=True):
            if isinstance(answer, LiveItem):
                _settle(create, item=answer)
            else:
                _settle(create, error=answer)

    async def _send_one(self, create: _Create) -> None:
        try:
            async with self.limit:
                self.requests += 1
                item = await self.client.create_item(
                    create.type, create.ops, suppress_notifications=self.suppress
                )
        except WitsyncError as error:
            _settle(create, error=error)
        else:
            _settle(create, item=item)


def _settle(
    create: _Create, *, item: LiveItem | None = None, error: BaseException | None = None
) -> None:
    if create.future.done():
        return
    if error is not None:
        create.future.set_exception(error)
    elif item is not None:
        create.future.set_result(item)
