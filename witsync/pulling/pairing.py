"""Which work item each manifest entry stands for, and which ids the manifests account for."""

from __future__ import annotations

from collections.abc import Mapping

from witsync.marker import marker_keys
from witsync.model import Desired, Live, LiveItem


def pair(desired: Desired, live: Live) -> dict[str, LiveItem]:
    """The work item of each entry: `id:` for adopted entries, else the lowest id carrying the
    entry's key marker, or one of its `previousKeys` (as the planner pairs them)."""
    claims: dict[str, int] = {}
    for item_id in sorted(live.managed_ids & live.items.keys()):
        keys = sorted(set(marker_keys(live.items[item_id], desired.scope)))
        if keys:
            claims.setdefault(keys[0], item_id)
    paired: dict[str, LiveItem] = {}
    for item in desired.items:
        found = item.adopt_id
        for key in (item.key, *item.previous_keys):  # a renamed key not yet applied
            if found is None:
                found = claims.get(key)
        if found is not None and found in live.items:
            paired[item.key] = live.items[found]
    return paired


def known_ids(desired: Desired, live: Live, paired: Mapping[str, LiveItem]) -> set[int]:
    """The ids the manifests already account for: paired, managed, or adopted with `id:`."""
    known = {item.id for item in paired.values()} | set(live.managed_ids)
    known |= {item.adopt_id for item in desired.items if item.adopt_id is not None}
    return known
