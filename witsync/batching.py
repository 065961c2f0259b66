"""Creates coalesced into `$batch` requests: up to 200 new work items in one round trip.

Creates that become ready at the same moment (the children of the parents just created, every
independent new item at the start) are gathered for one turn of the event loop, then sent as
one `$batch` per 200. Each create keeps its own outcome: the answer for a sub-request becomes
that item's LiveItem or its own ServerError, and a lost answer is an OutcomeUnknownError for
every create in the batch (the applier then looks each one up by its marker, as for a single
create). A short answer means the server refused the batch while preparing it and saved
nothing; those creates are then sent one by one, so each gets its own verdict.

The client has no `$batch` call, so the request is built here over its transport (same
token, retries, pacing and error mapping as every other request).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from witsync import decode
from witsync.client import Client
from witsync.errors import ServerError, WitsyncError
from witsync.model import JSON, LiveItem
from witsync.responses import raise_for_response

BATCH_LIMIT = 200
"""The most work items one `$batch` may carry (VS401397 above)."""
API_VERSION = "7.1"


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
        for start in range(0, len(waiting), BATCH_LIMIT):
            task = asyncio.ensure_future(self._send(waiting[start : start + BATCH_LIMIT]))
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
                answers = await self._post(creates)
        except WitsyncError as error:
            for create in creates:
                _settle(create, error=error)
            return
        if len(answers) != len(creates):
            # refused while preparing: nothing was saved; send each alone for its own verdict
            await asyncio.gather(*(self._send_one(create) for create in creates))
            return
        for create, answer in zip(creates, answers, strict=True):
            try:
                _settle(create, item=self._item(create, answer))
            except ServerError as error:
                _settle(create, error=error)

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

    async def _post(self, creates: Sequence[_Create]) -> list[JSON]:
        query = f"?api-version={API_VERSION}"
        if self.suppress:
            query += "&suppressNotifications=true"
        body = [
            {
                "method": "PATCH",
                "uri": f"/{_segment(self.client.project)}/_apis/wit/workitems/"
                f"${_segment(create.type)}{query}",
                "headers": {"Content-Type": "application/json-patch+json"},
                # a unique temporary id each: two creates without one collide at -1 (VS403357)
                "body": [{"op": "add", "path": "/id", "value": -n}, *create.ops],
            }
            for n, create in enumerate(creates, start=1)
        ]
        transport = self.client.transport
        request = transport.http.build_request(
            "POST",
            self.client.url("$batch"),
            params={"api-version": API_VERSION},
            headers={"Accept": "application/json", "Content-Type": "application/json"},
            content=json.dumps(body).encode(),
        )
        what = f"a batch of {len(creates)} new work items"
        response = await transport.send(request, write=True, work_item=what)
        return decode.values(response.json(), "$batch")

    def _item(self, create: _Create, answer: JSON) -> LiveItem:
        """The created item from one sub-request's answer, or that answer's ServerError."""
        code = int(answer.get("code", 0)) if isinstance(answer, Mapping) else 0
        raw = answer.get("body") if isinstance(answer, Mapping) else None
        text = raw if isinstance(raw, str) else json.dumps(raw)
        if code == 200:
            try:
                return decode.live_item(json.loads(text))
            except ValueError:
                raise decode.WireFormatError(
                    f"new {create.type}: the batch answer is not JSON", status=code
                ) from None
        response = httpx.Response(
            code or 500, content=text.encode(), headers={"Content-Type": "application/json"}
        )
        raise_for_response(
            response, work_item=f"new {create.type}", has_token=self.client.transport.has_token
        )
        raise ServerError(f"new {create.type}: unexpected batch answer {code}", status=code)


def _segment(text: str) -> str:
    # Spaces stay as they are: a batch URI is read as text by the server ("$User Story").
    return quote(text, safe=" ")


def _settle(
    create: _Create, *, item: LiveItem | None = None, error: BaseException | None = None
) -> None:
    if create.future.done():
        return
    if error is not None:
        create.future.set_exception(error)
    elif item is not None:
        create.future.set_result(item)
