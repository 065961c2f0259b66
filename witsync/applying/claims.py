"""Which work item holds each key while apply runs, so that a key never keeps two work items.

A plan may be old (a saved plan applied again, a second pull request merged right after the
first) and another apply may run at the same time (two pipelines). So the applier asks the board,
not the plan, before and after every create:

- before the first create, one WIQL lists the scope's items with ids above the plan's
  `known_max_id` (everything that appeared since the plan) and the ones the run does not know are
  read: a key that got a work item since the plan is "already there" and is not created again;
- after a create lands, the same query runs again (the creates that land together share it):
  when the key has another work item with a lower id, that one wins, and the run deletes its own
  copy before anything links to it.

Ids grow in the order work items are saved, so every run that creates a key sees the lowest id at
its own check, and all of them converge on it without a lock. The limit: a server that handed out
ids out of commit order could let two runs each keep their own copy; the next plan then reports
the key as an error and `witsync apply --dedupe` repairs it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from witsync.ado import wiql
from witsync.ado.client import Client
from witsync.marker import marker_keys, scope_tag
from witsync.model import LiveItem


@dataclass(frozen=True)
class _Snapshot:
    """The scope's items above the plan's horizon at one moment: id -> the keys it carries."""

    keys: dict[int, tuple[str, ...]]

    def lowest(self, key: str) -> int | None:
        holders = [item_id for item_id, keys in self.keys.items() if key in keys]
        return min(holders, default=None)


class Claims:
    """`await claims.existing(key)` before a create, `await claims.winner(key, item)` after it."""

    def __init__(self, client: Client, scope: str, known_max_id: int) -> None:
        self.client = client
        self.scope = scope
        self.query = wiql.FlatQuery(
            f"{wiql.managed_set(scope_tag(scope)).condition} AND [System.Id] > {int(known_max_id)}"
        )
        self._items: dict[int, LiveItem] = {}
        self._first: asyncio.Task[_Snapshot] | None = None
        self._next: asyncio.Future[_Snapshot] | None = None
        self.queries = 0
        """WIQL queries sent (for tests and benchmarks: one before the first create, then one per
        group of creates that land together)."""

    async def existing(self, key: str) -> LiveItem | None:
        """The work item that holds `key` on the board now although the plan did not know it
        (the lowest id when there are several), or None. One query for the whole run."""
        if self._first is None:
            self._first = asyncio.ensure_future(self._snapshot())
        holder = (await asyncio.shield(self._first)).lowest(key)
        return None if holder is None else self._items[holder]

    def created(self, item: LiveItem) -> None:
        """Record a work item this run created (it need not be read back)."""
        self._items[item.id] = item

    async def winner(self, key: str, item: LiveItem) -> LiveItem | None:
        """After creating `item` for `key`: the work item with a lower id that holds the key too
        (this run's copy must then go), or None when `item` is the one to keep."""
        self.created(item)
        holder = (await self._fresh()).lowest(key)
        if holder is None or holder >= item.id:
            return None
        return self._items[holder]

    async def _fresh(self) -> _Snapshot:
        """A snapshot whose query is sent after this call: the callers of one turn of the event
        loop (the creates of one `$batch`) share it."""
        if self._next is None:
            loop = asyncio.get_running_loop()
            future: asyncio.Future[_Snapshot] = loop.create_future()
            self._next = future
            loop.call_soon(self._start, future)
        return await asyncio.shield(self._next)

    def _start(self, future: asyncio.Future[_Snapshot]) -> None:
        self._next = None

        def deliver(task: asyncio.Task[_Snapshot]) -> None:
            if future.done():
                return
            error = task.exception() if not task.cancelled() else asyncio.CancelledError()
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(task.result())

        asyncio.ensure_future(self._snapshot()).add_done_callback(deliver)

    async def _snapshot(self) -> _Snapshot:
        self.queries += 1
        ids = await self.client.query_ids(self.query)
        unknown = [item_id for item_id in ids if item_id not in self._items]
        for item in await self.client.get_items(unknown):
            self._items[item.id] = item
        return _Snapshot(
            {
                item_id: tuple(marker_keys(self._items[item_id], self.scope))
                for item_id in ids
                if item_id in self._items  # read back, unless deleted since the query
            }
        )
