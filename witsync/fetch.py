"""Reads what a plan needs from the board: the managed set, adopted items, link targets, drift.

One WIQL query finds every item carrying the scope tag; the items, plus any adopted id or link
target outside that set, are then read 200 at a time, concurrently. Nothing here writes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence

from witsync.ado import wiql, wire
from witsync.ado.client import Client
from witsync.ado.transport import gather_all
from witsync.marker import parse_marker, scope_tag
from witsync.model import JSON, Desired, FieldEdit, Live


def outside_ids(desired: Desired) -> set[int]:
    """Existing work items the manifests name by id: adopted items, parents and link targets."""
    ids: set[int] = set()
    for item in desired.items:
        if item.adopt_id is not None:
            ids.add(item.adopt_id)
        if isinstance(item.parent, int):
            ids.add(item.parent)
        ids.update(link.target for link in item.links if isinstance(link.target, int))
    return ids


async def fetch_live(client: Client, desired: Desired) -> Live:
    """The managed set of `desired.scope`, with relations, plus the items named by id."""
    managed = await client.query_ids(wiql.managed_set(scope_tag(desired.scope)))
    extra = sorted(outside_ids(desired).difference(managed))
    items = await client.get_items([*managed, *extra])
    return Live(items={item.id: item for item in items}, managed_ids=frozenset(managed))


async def fetch_edits(
    client: Client, wanted: Mapping[int, Collection[str]]
) -> dict[int, dict[str, FieldEdit]]:
    """For each item id, the last edit of each named field (who, when, rev), from its history.

    Meant for the few items whose managed fields drifted, so a plan can say who changed them;
    the histories are read concurrently, within the client's limits.
    """
    ids = [id for id, fields in wanted.items() if fields]
    histories = await gather_all(*(client.get_updates(id) for id in ids))
    return {
        id: wire.last_edits(history, wanted[id])
        for id, history in zip(ids, histories, strict=True)
    }


def with_edits(live: Live, edits: Mapping[int, Mapping[str, FieldEdit]]) -> Live:
    """`live` with `edits` added (a new value; Live is frozen)."""
    return dataclasses.replace(live, edits={**live.edits, **edits})


async def fetch_unmoved(client: Client, ids: Iterable[int], scope: str) -> frozenset[int]:
    """Which of `ids` witsync created and whose state never changed since, from their histories
    (read concurrently: one request each, only for the few items `unmoved_candidates` names)."""
    wanted = list(ids)
    histories = await gather_all(*(client.get_updates(id) for id in wanted))
    return frozenset(
        id for id, history in zip(wanted, histories, strict=True) if never_moved(history, scope)
    )


def never_moved(updates: Sequence[JSON], scope: str) -> bool:
    """Whether the first revision carried this scope's marker (witsync created the item) and no
    later revision changed System.State."""
    ordered = sorted(updates, key=lambda update: int(update.get("rev", 0)))
    if not ordered or int(ordered[0].get("rev", 0)) != 1:
        return False
    added = (ordered[0].get("relations") or {}).get("added") or ()
    marked = any(
        (parse_marker(str(relation.get("url", ""))) or ("",))[0] == scope for relation in added
    )
    return marked and not any(
        "system.state" in {str(name).lower() for name in update.get("fields") or {}}
        for update in ordered[1:]
    )
