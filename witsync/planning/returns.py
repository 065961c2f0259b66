"""Which items may come back, so that the fetch reads only what a plan needs (pure).

- `reopen_candidates`: items of the set in a closed state (category Completed or Removed) that
  their entry does not state: if prune closed them (their history says so, `Live.pruned`), the
  plan reopens them. An entry that states the closed state keeps the item closed.
- `restore_wanted`: the keys the plan would create (with the previous keys of their entries),
  and the type each entry creates: the recycle bin is read only when there are some, and only
  its items of those types whose marker names one of those keys come back (`Live.deleted`).
"""

from __future__ import annotations

from witsync.model import Desired, Live, Process
from witsync.planning.normalize import STATE_FIELD, is_empty
from witsync.planning.pair import pair_items

CLOSED_CATEGORIES = frozenset({"Completed", "Removed"})


def reopen_candidates(desired: Desired, live: Live, process: Process) -> list[int]:
    """Ids of the paired items that prune may have closed (see the module docstring)."""
    candidates = []
    for pair in pair_items(desired, live).pairs.values():
        current = pair.live
        if current is None or current.id in live.deleted:
            continue
        type_info = process.types.get(current.type)
        state = str(current.fields.get(STATE_FIELD, ""))
        if type_info is None or not any(
            info.name.casefold() == state.casefold() and info.category in CLOSED_CATEGORIES
            for info in type_info.states
        ):
            continue
        stated = pair.item.fields.get(STATE_FIELD)
        if (
            pair.item.owner(STATE_FIELD) != "ignored"
            and not is_empty(stated)
            and str(stated).casefold() == state.casefold()
        ):
            continue
        candidates.append(current.id)
    return sorted(candidates)


def restore_wanted(desired: Desired, live: Live) -> dict[str, str]:
    """Key -> type, for every key a create of this plan would use (the entry's own key and its
    previous keys): what a work item in the recycle bin may still be marked with."""
    wanted: dict[str, str] = {}
    for pair in pair_items(desired, live).pairs.values():
        if pair.live is not None or pair.item.adopt_id is not None:
            continue
        for key in (pair.item.key, *pair.item.previous_keys):
            wanted[key] = pair.item.type
    return wanted
