"""Single-item reads of one moment coalesced: `await reads.get(id)` costs a share of one request.

The applier reads an item before some writes (a relation removed by index, a parent changed, a
delete, which carries no guard) and after a failed guard. The reads asked for in one turn of the
event loop (the removals of one level, the link changes ready at the start) go together in
workitemsbatch requests of 200; a read alone is a plain GET.
"""

from __future__ import annotations

import asyncio

from witsync.ado.client import Client
from witsync.model import LiveItem


class ItemReads:
    """`await reads.get(id)` as `client.get_item(id)`: the item, or None when it is not there."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._waiting: dict[int, list[asyncio.Future[LiveItem | None]]] = {}
        self._reading: set[asyncio.Task[None]] = set()

    async def get(self, id: int) -> LiveItem | None:
        loop = asyncio.get_running_loop()
        if not self._waiting:
            loop.call_soon(self._flush)
        future: asyncio.Future[LiveItem | None] = loop.create_future()
        self._waiting.setdefault(id, []).append(future)
        return await future

    def abort(self) -> None:
        """Cancel the reads under way (the run was aborted)."""
        for task in self._reading:
            task.cancel()

    def _flush(self) -> None:
        task = asyncio.ensure_future(self._read())
        self._reading.add(task)
        task.add_done_callback(self._reading.discard)

    async def _read(self) -> None:
        waiting, self._waiting = self._waiting, {}
        futures = [future for group in waiting.values() for future in group]
        try:
            if len(waiting) == 1:
                (only,) = waiting
                found = {only: await self.client.get_item(only)}
            else:
                found = {item.id: item for item in await self.client.get_items(waiting)}
        except asyncio.CancelledError:
            for future in futures:
                future.cancel()
            raise
        except Exception as error:
            for future in futures:
                if not future.done():
                    future.set_exception(error)
            return
        for id, group in waiting.items():
            for future in group:
                if not future.done():
                    future.set_result(found.get(id))
