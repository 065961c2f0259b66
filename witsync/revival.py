"""Reads for items that come back: the ones prune closed (reopen) and the deleted ones (restore).

Both cost requests only when a plan needs them:
- reopen: the history of each item that `witsync.planning.returns.reopen_candidates` names (an
  item of the set in a closed state its entry does not state), one request each. witsync closed
  it when the revision that last changed its state carries prune's history note
  (`witsync.marker.prune_note`); a person's close is left alone.
- restore: only when the plan would create keys. The project's recycle bin is listed (one
  request, ids only), its items named (one request per 200: type and title), and those of a type
  a create has are read (one request each, the newest `RESTORE_READS` at most). One that carries
  this scope's marker for a key to create comes back instead of a new work item.
Nothing here writes.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence

from witsync.ado.client import BATCH_SIZE, Client
from witsync.ado.transport import gather_all
from witsync.errors import AuthError, NotFoundError
from witsync.fetch import read_histories
from witsync.marker import is_prune_note, marker_keys
from witsync.model import JSON, LiveItem
from witsync.notes import revision_note
from witsync.phases import SILENT, Progress

log = logging.getLogger(__name__)

RESTORE_READS = 200
"""The most recycle-bin items one plan reads whole (newest first)."""


async def fetch_pruned(
    client: Client, ids: Iterable[int], scope: str, progress: Progress = SILENT
) -> frozenset[int]:
    """Which of `ids` are closed because witsync's prune closed them (their histories say)."""
    wanted = list(ids)
    if not wanted:
        return frozenset()
    histories = await read_histories(
        client, wanted, progress, "reading the histories of closed items"
    )
    return frozenset(
        id for id, updates in zip(wanted, histories, strict=True) if closed_by_prune(updates, scope)
    )


def closed_by_prune(updates: Sequence[JSON], scope: str) -> bool:
    """Whether the revision that last changed System.State carries prune's note for `scope`."""
    ordered = sorted(updates, key=lambda update: int(update.get("rev", 0)))
    for update in reversed(ordered):
        changed = (update.get("fields") or {}).items()
        fields = {str(name).lower(): change for name, change in changed}
        if "system.state" not in fields:
            continue
        return is_prune_note(revision_note(update), scope)
    return False


async def fetch_deleted(
    client: Client, scope: str, wanted: Mapping[str, str], progress: Progress = SILENT
) -> dict[int, LiveItem]:
    """The recycle bin's items that carry `scope`'s marker for one of the keys of `wanted`
    (key -> the work item type its entry creates), by id, with their resource links only (a
    restore does not bring work-item links back)."""
    if not wanted:
        return {}
    with progress.phase("looking in the recycle bin") as phase:
        try:
            ids = await client.deleted_ids()
        except (AuthError, NotFoundError) as error:
            # reading the bin may need a permission the token lacks: plan without it
            log.warning(
                "the recycle bin could not be read (%s); an entry whose work item was deleted "
                "gets a new one",
                error.message,
            )
            return {}
        types = {kind.casefold() for kind in wanted.values()}
        chunks = [ids[i : i + BATCH_SIZE] for i in range(0, len(ids), BATCH_SIZE)]
        references = [
            reference
            for chunk in await gather_all(*(client.deleted_references(c) for c in chunks))
            for reference in chunk
        ]
        candidates = sorted(
            (
                int(reference["id"])
                for reference in references
                if str(reference.get("type", "")).casefold() in types
            ),
            reverse=True,
        )[:RESTORE_READS]
        items = await gather_all(*(client.get_deleted(id) for id in candidates))
        found = {
            item.id: _without_work_item_links(item)
            for item in items
            if item is not None and _names(item, scope, wanted.keys())
        }
        phase.done(f"{len(found)} to restore" if found else "nothing to restore")
    return found


def _names(item: LiveItem, scope: str, keys: Collection[str]) -> bool:
    return any(key in keys for key in marker_keys(item, scope))


def _without_work_item_links(item: LiveItem) -> LiveItem:
    return LiveItem(
        item.id,
        item.rev,
        item.fields,
        tuple(relation for relation in item.relations if relation.target_id is None),
    )
