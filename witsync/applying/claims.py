"""Which work item holds each key while apply runs, so that a key never keeps two work items.

A plan may be old (a saved plan applied again, a second pull request merged right after the
first) and another apply may run at the same time (two pipelines). So the applier asks the board,
not the plan, before and after every create:

- before the first create, one WIQL lists the scope's items with ids above the plan's
  `known_max_id` (everything that appeared since the plan) and the ones the run does not know are
  read: a key that got a work item since the plan is "already there" and is not created again;
- after a create lands, a query for the ids above the highest one seen so far runs (the creates
  that land together share it; ids grow in save order, so it finds every item saved since):
  when the key has another work item with a lower id, the whole set is asked again to be sure it
  is still there, and then that one wins, and the run deletes its own copy before anything links
  to it.

Ids grow in the order work items are saved, so every run that creates a key sees the lowest id at
its own check, and all of them converge on it without a lock. The limit: a server that handed out
ids out of commit order could let two runs each keep their own copy; the next plan then reports
the key as an error and `witsync apply --dedupe` repairs it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from witsync.ado import wiql
from witsync.ado.client import Client
from witsync.marker import marker_keys, scope_tag
from witsync.model import LiveItem


@dataclass(frozen=True)
class _Snapshot:
    """The scope's items above the plan's horizon at one moment: the ids the queries found, read
    through the run's key -> holders index (which only grows: ids not among them, such as items
    deleted before a whole-set query, are skipped)."""

    present: frozenset[int]
    holders: Mapping[str, list[int]]

    def lowest(self, key: str) -> int | None:
        # normally one holder per key: an index, not a scan of every id (a scan per create made
        # an apply of 100,000 creates quadratic)
        return min((i for i in self.holders.get(key, ()) if i in self.present), default=None)


class Claims:
    """`await claims.existing(key)` before a create, `await claims.winner(key, item)` after it."""

    def __init__(self, client: Client, scope: str, known_max_id: int) -> None:
        self.client = client
        self.scope = scope
        self._scope_set = wiql.managed_set(scope_tag(scope)).condition
        self._horizon = int(known_max_id)
        self.query = wiql.FlatQuery(f"{self._scope_set} AND [System.Id] > {self._horizon}")
        self._present: set[int] = set()
        """Ids the queries found (the last whole-set answer, plus ids above it found since)."""
        self._highest = self._horizon
        """The highest id any query found: the next incremental query asks for ids above it."""
        # What claims need of each item seen, and no more: 100,000 created items kept whole were
        # most of the 2 GB an apply of that size took. Items read from the board (another run's,
        # or there since the plan) are kept whole: a create may take one of them instead.
        self._known: set[int] = set()
        self._holders: dict[str, list[int]] = {}
        self._read: dict[int, LiveItem] = {}
        self._first: asyncio.Task[_Snapshot] | None = None
        self._next: dict[bool, asyncio.Future[_Snapshot]] = {}
        self.queries = 0
        """WIQL queries sent (for tests and benchmarks: one before the first create, then one per
        group of creates that land together)."""

    async def existing(self, key: str) -> LiveItem | None:
        """The work item that holds `key` on the board now although the plan did not know it
        (the lowest id when there are several), or None. One query for the whole run."""
        if self._first is None:
            self._first = asyncio.ensure_future(self._snapshot())
        holder = (await asyncio.shield(self._first)).lowest(key)
        return None if holder is None else await self._item(holder)

    def created(self, item: LiveItem) -> None:
        """Record a work item this run created (it need not be read back)."""
        self._remember(item)

    async def winner(self, key: str, item: LiveItem) -> LiveItem | None:
        """After creating `item` for `key`: the work item with a lower id that holds the key too
        (this run's copy must then go), or None when `item` is the one to keep."""
        self.created(item)
        holder = (await self._fresh()).lowest(key)
        if holder is not None and holder < item.id:
            # a lower id holds the key, or did when a query last saw it: ask for the whole set
            # again before this run's copy goes (it may have been deleted since)
            holder = (await self._fresh(full=True)).lowest(key)
        if holder is None or holder >= item.id:
            return None
        return await self._item(holder)

    def _remember(self, item: LiveItem) -> None:
        if item.id in self._known:
            return
        self._known.add(item.id)
        for key in dict.fromkeys(marker_keys(item, self.scope)):
            holders = self._holders.setdefault(key, [])
            holders.append(item.id)

    async def _item(self, holder: int) -> LiveItem | None:
        """The holder as read from the board; one this run created itself (it keeps none of
        those whole) is read now, and None if it is gone since."""
        live = self._read.get(holder)
        if live is None:
            for live in await self.client.get_items([holder]):
                self._read[live.id] = live
        return self._read.get(holder)

    async def _fresh(self, *, full: bool = False) -> _Snapshot:
        """A snapshot whose query is sent after this call: the callers of one turn of the event
        loop (the creates of one `$batch`) share it. Unless `full`, the query asks only for ids
        above the highest one seen (ids grow in save order, so every item saved since the last
        answer is there), and ids seen before count as still there: one query per group of
        creates reading the whole scope made an apply of 100,000 creates quadratic."""
        pending = self._next.get(full)
        if pending is None:
            loop = asyncio.get_running_loop()
            pending = loop.create_future()
            self._next[full] = pending
            loop.call_soon(self._start, pending, full)
        return await asyncio.shield(pending)

    def _start(self, future: asyncio.Future[_Snapshot], full: bool) -> None:
        del self._next[full]

        def deliver(task: asyncio.Task[_Snapshot]) -> None:
            if future.done():
                return
            error = task.exception() if not task.cancelled() else asyncio.CancelledError()
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(task.result())

        asyncio.ensure_future(self._snapshot(full=full)).add_done_callback(deliver)

    async def _snapshot(self, *, full: bool = True) -> _Snapshot:
        self.queries += 1
        query = self.query
        if not full:
            query = wiql.FlatQuery(f"{self._scope_set} AND [System.Id] > {self._highest}")
        ids = await self.client.query_ids(query)
        unknown = [item_id for item_id in ids if item_id not in self._known]
        for item in await self.client.get_items(unknown):
            self._read[item.id] = item
            self._remember(item)
        top = max(ids, default=self._horizon)
        if full:
            # gone: what the whole set no longer holds (ids above it came in a later answer)
            self._present = {i for i in self._present if i > top}
        self._present.update(ids)
        self._highest = max(self._highest, top)
        # an unknown id not read back was deleted since the query: in no holder list, so absent
        return _Snapshot(frozenset(self._present), self._holders)
