"""Reads what a plan needs from the board: the managed set, adopted items, link targets, drift.

One WIQL query finds every item carrying the scope tag; the items, plus any adopted id or link
target outside that set, are then read 200 at a time, concurrently. Nothing here writes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence

from witsync.ado import wiql, wire
from witsync.ado.client import Client
from witsync.ado.history import last_link_edits, tags_people_removed, witsync_tags
from witsync.ado.transport import gather_all
from witsync.marker import parse_marker, scope_tag
from witsync.model import JSON, Desired, FieldEdit, Live
from witsync.phases import SILENT, Progress

TAGS_FIELD = "System.Tags"


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


PLANNER_READS = frozenset(
    {
        "System.WorkItemType",
        "System.Title",
        "System.State",
        "System.Reason",
        "System.Tags",
    }
)
"""The fields the planner reads off a live item whatever the manifests state: its type and title
(the plan shows them), its state (moves, prune, reopen, restore) and its tags (scope tags)."""


def planned_fields(desired: Desired) -> frozenset[str]:
    """What a plan of `desired` reads of each live item: the fields its manifests state, and
    `PLANNER_READS`. The rest (identities, dates, counters) is left out when fetching for a plan:
    at 100,000 items it was most of the memory."""
    stated = {ref for item in desired.items for ref in item.fields}
    return PLANNER_READS.union(stated)


async def fetch_live(
    client: Client,
    desired: Desired,
    progress: Progress = SILENT,
    *,
    keep: Collection[str] | None = None,
) -> Live:
    """The managed set of `desired.scope`, with relations, plus the items named by id; with
    `keep` (`planned_fields(desired)` for a plan), each item holds only the fields it names."""
    with progress.phase("querying the managed set") as phase:
        managed = await client.query_ids(wiql.managed_set(scope_tag(desired.scope)))
        phase.done(f"{len(managed):,} managed item{'s' if len(managed) != 1 else ''}")
    extra = sorted(outside_ids(desired).difference(managed))
    ids = [*managed, *extra]
    with progress.phase("reading work items", total=len(ids)) as phase:
        items = await client.get_items(ids, on_read=phase.advance, keep=keep)
    return Live(items={item.id: item for item in items}, managed_ids=frozenset(managed))


async def read_histories(
    client: Client, ids: Sequence[int], progress: Progress, label: str
) -> list[list[JSON]]:
    """The revision histories of `ids`, read concurrently, as one phase."""
    with progress.phase(label, total=len(ids)) as phase:

        async def history(id: int) -> list[JSON]:
            updates = await client.get_updates(id)
            phase.advance(1)
            return updates

        return await gather_all(*(history(id) for id in ids))


async def fetch_edits(
    client: Client, wanted: Mapping[int, Collection[str]], progress: Progress = SILENT
) -> dict[int, dict[str, FieldEdit]]:
    """For each item id, the last edit of each named field (who, when, rev), from its history.

    Meant for the few items whose managed fields drifted, so a plan can say who changed them;
    the histories are read concurrently, within the client's limits.
    """
    ids = [id for id, fields in wanted.items() if fields]
    label = "reading who changed the drifted fields"
    histories = await read_histories(client, ids, progress, label)
    return {
        id: wire.last_edits(history, wanted[id])
        for id, history in zip(ids, histories, strict=True)
    }


async def fetch_attribution(
    client: Client,
    live: Live,
    scope: str,
    fields: Mapping[int, Collection[str]],
    links: Mapping[int, Collection[tuple[str, int]]],
    tags: Collection[int] = (),
    progress: Progress = SILENT,
) -> Live:
    """`live` with what the histories of a plan's items say, each history read once: who last
    changed each changed field (`fields`) and link (`links`), and whether that is drift on the
    board or the manifests' change (witsync.notes); and, for `tags` (items whose live tags
    include tags their manifest lacks) and items whose tags change, which tags witsync added and
    which people removed (`Live.witsync_tags`, `Live.removed_tags`)."""
    ids = sorted(
        {id for id, refs in fields.items() if refs}
        | {id for id, wanted in links.items() if wanted}
        | set(tags)
    )
    if not ids:
        return live
    tagged = set(tags) | {id for id, refs in fields.items() if TAGS_FIELD in refs}
    label = "reading who changed what on the board"
    histories = await read_histories(client, ids, progress, label)
    edits: dict[int, dict[str, FieldEdit]] = {}
    link_edits: dict[int, dict[tuple[str, str, int], FieldEdit]] = {}
    owned: dict[int, frozenset[str]] = {}
    removed: dict[int, frozenset[str]] = {}
    for id, updates in zip(ids, histories, strict=True):
        if fields.get(id):
            edits[id] = wire.last_edits(updates, fields[id], scope)
        if links.get(id):
            link_edits[id] = last_link_edits(updates, links[id], scope)
        if id in tagged:
            owned[id] = witsync_tags(updates, scope)
            removed[id] = tags_people_removed(updates, scope)
    return dataclasses.replace(
        live,
        edits={**live.edits, **edits},
        link_edits={**live.link_edits, **link_edits},
        witsync_tags={**live.witsync_tags, **owned},
        removed_tags={**live.removed_tags, **removed},
    )


def with_edits(live: Live, edits: Mapping[int, Mapping[str, FieldEdit]]) -> Live:
    """`live` with `edits` added (a new value; Live is frozen)."""
    return dataclasses.replace(live, edits={**live.edits, **edits})


async def fetch_unmoved(
    client: Client, ids: Iterable[int], scope: str, progress: Progress = SILENT
) -> frozenset[int]:
    """Which of `ids` witsync created and whose state never changed since, from their histories
    (read concurrently: one request each, only for the few items `unmoved_candidates` names)."""
    wanted = list(ids)
    histories = await read_histories(client, wanted, progress, "reading the history of new items")
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
