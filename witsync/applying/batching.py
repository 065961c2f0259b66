"""Writes coalesced into `$batch` requests: up to 200 creates, updates, deletes in one round trip.

Writes that become ready at the same moment (the children of the parents just created, every
independent update at the start, the removals of one level) are gathered for one turn of the
event loop, a wave, then sent as one `$batch` per 200. Each write keeps its own outcome: the
answer for a sub-request becomes that item's LiveItem or its own ServerError (sub-requests
answered 429 or 503 are sent again by the client, as single requests are); a lost answer is an
OutcomeUnknownError for every write in the batch (the applier then asks the board about each one,
as for a single write). A write alone in its wave goes as a plain request.

A refused batch (nothing saved; the answer holds the refused entries only, and does not say whose
they are) is sorted out without guessing: the items it updates or deletes are read (one request
per 200); an item whose rev is not the one its `test /rev` guards gets its conflict, an item no
longer there its NotFoundError, and the rest is sent again without them. When that does not
account for every refused entry, the rest is split in halves until each refusal is alone.

A create returns once every write of its wave is settled, so that the creates that landed
together check their claims (`witsync.applying.claims`) with one query.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from witsync.ado.batch import (
    WRITE_BATCH_SIZE,
    BatchCreate,
    BatchDelete,
    BatchRequest,
    BatchResult,
    BatchUpdate,
    Deleted,
)
from witsync.ado.client import Client
from witsync.errors import (
    BatchRefusedError,
    ConflictError,
    NotFoundError,
    ServerError,
    WitsyncError,
)
from witsync.model import JSON, LiveItem

Written = LiveItem | Deleted
ALONE_AT_MOST = 3
"""A refused rest of at most this many writes is sent one write a request, not halved."""


class _Wave:
    """The writes gathered in one turn of the event loop. The outcomes of its creates are held
    until every write of the wave is settled, then given out together (so that their callers
    carry on in one turn of the event loop)."""

    def __init__(self) -> None:
        self.pending = 0
        self.held: list[tuple[asyncio.Future[Written], Written | BaseException]] = []

    def settled(self) -> None:
        self.pending -= 1
        if self.pending > 0:
            return
        held, self.held = self.held, []
        for future, outcome in held:
            _resolve(future, outcome)


@dataclass(eq=False)
class _Write:
    request: BatchRequest
    future: asyncio.Future[Written]
    wave: _Wave = field(repr=False)
    settled: bool = False


class WriteBatcher:
    """`await batcher.create(type, ops)`, `.update(id, ops)`, `.delete(id)` as if they were the
    client's single writes, but batched.

    `limit` bounds the write requests in flight (shared with the applier's other writes): a
    `$batch` holds one slot, whatever it carries."""

    def __init__(
        self, client: Client, limit: asyncio.Semaphore, *, suppress_notifications: bool
    ) -> None:
        self.client = client
        self.limit = limit
        self.suppress = suppress_notifications
        self._waiting: list[_Write] = []
        self._wave: _Wave | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self.requests = 0
        """`$batch` and single write requests sent (retries inside the client not counted)."""

    async def create(self, type: str, ops: Sequence[Mapping[str, JSON]]) -> LiveItem:
        """The new item, once every write of its wave is settled (so the creates that landed
        together check their claims together)."""
        item = await self._join(BatchCreate(type, ops)).future
        assert isinstance(item, LiveItem)
        return item

    async def update(self, id: int, ops: Sequence[Mapping[str, JSON]]) -> LiveItem:
        """The item as `ops` (starting with `test /rev`) left it."""
        item = await self._join(BatchUpdate(id, ops)).future
        assert isinstance(item, LiveItem)
        return item

    async def delete(self, id: int) -> None:
        """Item `id` moved to the recycle bin."""
        await self._join(BatchDelete(id)).future

    def abort(self) -> None:
        """Cancel the requests under way (the run was aborted: their callers are gone)."""
        for task in self._sending:
            task.cancel()

    def _join(self, request: BatchRequest) -> _Write:
        loop = asyncio.get_running_loop()
        if self._wave is None:
            # flush after every write that is ready now has had its turn to join
            self._wave = _Wave()
            loop.call_soon(self._flush)
        write = _Write(request, loop.create_future(), self._wave)
        self._wave.pending += 1
        self._waiting.append(write)
        return write

    def _flush(self) -> None:
        waiting, self._waiting, self._wave = self._waiting, [], None
        for start in range(0, len(waiting), WRITE_BATCH_SIZE):
            task = asyncio.ensure_future(self._send(waiting[start : start + WRITE_BATCH_SIZE]))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, writes: list[_Write]) -> None:
        try:
            await self._send_batch(writes)
        except Exception as error:  # a bug: still end every waiting write, with the bug itself
            for write in writes:
                _settle(write, error=error)

    async def _send_batch(self, writes: list[_Write], *, read: bool = True) -> None:
        if len(writes) == 1:
            await self._send_one(writes[0])
            return
        try:
            async with self.limit:
                self.requests += 1
                results = await self.client.batch(
                    [write.request for write in writes], suppress_notifications=self.suppress
                )
        except BatchRefusedError as refusal:
            await self._refused(writes, refusal, read=read)
            return
        except WitsyncError as error:
            for write in writes:
                _settle(write, error=error)
            return
        refused: list[_Write] = []
        later: BatchRefusedError | None = None
        for write, result in zip(writes, results, strict=True):
            if isinstance(result, BatchRefusedError):
                # a later send of this batch's throttled sub-requests was refused
                refused.append(write)
                later = result
            elif isinstance(result, ServerError):
                _settle(write, error=result)
            else:
                _settle(write, result=result)
        if later is not None:
            await self._refused(refused, later, read=True)

    async def _send_one(self, write: _Write) -> None:
        try:
            async with self.limit:
                self.requests += 1
                result = await self._single(write.request)
        except WitsyncError as error:
            _settle(write, error=error)
        else:
            _settle(write, result=result)

    async def _single(self, request: BatchRequest) -> Written:
        suppress = self.suppress
        if isinstance(request, BatchCreate):
            return await self.client.create_item(
                request.type, request.ops, suppress_notifications=suppress
            )
        if isinstance(request, BatchUpdate):
            return await self.client.update_item(
                request.id, request.ops, suppress_notifications=suppress
            )
        await self.client.delete_item(request.id)
        return Deleted(request.id)

    async def _refused(
        self, writes: list[_Write], refusal: BatchRefusedError, *, read: bool
    ) -> None:
        """Find whose sub-requests the refusal was for; send the others again."""
        if len(writes) == 1:
            _settle(writes[0], error=refusal.errors[0] if len(refusal.errors) == 1 else refusal)
            return
        culprits = await self._culprits(writes) if read else {}
        for index, error in culprits.items():
            _settle(writes[index], error=error)
        rest = [write for index, write in enumerate(writes) if index not in culprits]
        if not rest:
            return
        if culprits and len(culprits) >= len(refusal.errors):
            await self._send_batch(rest)  # every refused entry is accounted for
            return
        # which of the rest was refused is unknown: halves, until each refusal is alone (a few
        # are sent alone at once: as many requests as halving them, and sooner)
        if len(rest) <= ALONE_AT_MOST:
            await asyncio.gather(*(self._send_one(write) for write in rest))
            return
        half = len(rest) // 2
        await asyncio.gather(
            self._send_batch(rest[:half], read=False), self._send_batch(rest[half:], read=False)
        )

    async def _culprits(self, writes: Sequence[_Write]) -> dict[int, ServerError]:
        """By index: the writes that cannot have passed, as the board shows their items now (a
        rev other than the one guarded, an item gone)."""
        ids = [w.request.id for w in writes if not isinstance(w.request, BatchCreate)]
        if not ids:
            return {}
        try:
            live = {item.id: item for item in await self.client.get_items(ids)}
        except WitsyncError:
            return {}  # the halves will tell
        found: dict[int, ServerError] = {}
        for index, write in enumerate(writes):
            request = write.request
            if isinstance(request, BatchCreate):
                continue
            item = live.get(request.id)
            if item is None:
                found[index] = NotFoundError(
                    f"work item {request.id}: not found: it is no longer on the board",
                    hint="check the organization URL, the project name and the work item id",
                    status=404,
                    work_item=request.id,
                )
                continue
            guard = guarded_rev(request.ops) if isinstance(request, BatchUpdate) else None
            if guard is not None and item.rev != guard:
                found[index] = ConflictError(
                    f"work item {request.id}: changed on the board since it was read: "
                    f"rev {item.rev}, not {guard}",
                    hint="run `witsync plan` again to see the current state, then apply the "
                    "new plan",
                    status=412,
                    work_item=request.id,
                )
        return found


def guarded_rev(ops: Sequence[Mapping[str, JSON]]) -> int | None:
    """The rev a patch's `test /rev` guard expects, if it has one."""
    for op in ops:
        if op.get("op") == "test" and op.get("path") == "/rev":
            value = op.get("value")
            return value if isinstance(value, int) else None
    return None


def _settle(
    write: _Write, *, result: BatchResult | None = None, error: BaseException | None = None
) -> None:
    if write.settled:
        return
    write.settled = True
    outcome: Written | BaseException
    if error is not None:
        outcome = error
    elif isinstance(result, LiveItem | Deleted):
        outcome = result
    else:
        outcome = AssertionError(f"no result for {write.request}")
    if isinstance(write.request, BatchCreate):
        write.wave.held.append((write.future, outcome))
    else:
        _resolve(write.future, outcome)
    write.wave.settled()


def _resolve(future: asyncio.Future[Written], outcome: Written | BaseException) -> None:
    if future.done():
        return  # its caller was cancelled
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
