"""Tags: which of an item's tags are the manifest's to set, and which are people's to keep.

A manifest that states `tags` owns those tags and the ones witsync added before (its revisions
carry the history mark, `witsync.notes`; `Live.witsync_tags` holds, per item, the tags whose last
addition was witsync's): the stated tags are ensured, a tag witsync added that the manifest
dropped is removed, and a tag a person added on the board (`blocked`, `needs-design`) is kept.
Whose a tag is can only be told from the item's history, read only for items whose live tags
include tags their manifest lacks (`tag_candidates`); an item whose history was not read keeps
every such tag. `exactTags` (witsync.yaml, a file's `defaults:`, an item) makes the stated tags
the whole list. Always: this scope's tag is ensured, other scopes' `witsync:` tags are kept, and
an item whose manifest states no tags keeps its tags as they are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from witsync.marker import TAG_PREFIX, scope_tag
from witsync.model import (
    Desired,
    DesiredItem,
    FieldChange,
    FieldEdit,
    Live,
    LiveItem,
    PatchOp,
    Plan,
)
from witsync.planning.normalize import TAGS_FIELD, canonical_tags, join_tags, tag_list
from witsync.planning.patch import set_tags


def tag_work(
    item: DesiredItem,
    current: LiveItem,
    scope: str,
    edits: Mapping[str, FieldEdit],
    witsync_tags: frozenset[str] | None,
    removed_tags: frozenset[str] = frozenset(),
) -> tuple[PatchOp, FieldChange] | None:
    """The tag list to set, if it differs from the live one (see the module docstring);
    `witsync_tags` None: the item's history was not read, so no tag is known to be witsync's.

    The change is drift on the board when it puts back a stated tag a person removed
    (`removed_tags`), or, with `exactTags`, takes off a tag a person added; otherwise (a tag the
    manifest adds or dropped) it is the manifests', whoever last touched the list."""
    own_tag = scope_tag(scope)
    value = current.fields.get(TAGS_FIELD)
    live_tags = tag_list(value)
    other_scopes = [
        t
        for t in live_tags
        if t.casefold().startswith(TAG_PREFIX) and t.casefold() != own_tag.casefold()
    ]
    managed = TAGS_FIELD in item.fields and item.owner(TAGS_FIELD) == "managed"
    if managed:
        stated = tag_list(item.fields[TAGS_FIELD])
        kept = [] if item.exact_tags else people_tags(live_tags, stated, witsync_tags)
        wanted = tag_list((*stated, *kept, *other_scopes, own_tag))
    else:
        wanted = tag_list((*live_tags, own_tag))
    if canonical_tags(wanted) == canonical_tags(live_tags):
        return None
    mode = "managed" if managed else item.owner(TAGS_FIELD)
    edit = edits.get(TAGS_FIELD) if managed else None
    if edit is not None and witsync_tags is not None:
        now, then = canonical_tags(live_tags), canonical_tags(wanted)
        people = (now - then) - witsync_tags
        drift = bool((then - now) & removed_tags) or (item.exact_tags and bool(people))
        edit = dataclasses.replace(edit, drift=drift)
    change = FieldChange(TAGS_FIELD, join_tags(live_tags) or None, join_tags(wanted), mode, edit)
    return set_tags(value, wanted), change


def people_tags(
    live_tags: tuple[str, ...], stated: tuple[str, ...], witsync_tags: frozenset[str] | None
) -> list[str]:
    """The live tags a manifest does not state and witsync did not add (none of them known to
    be witsync's when its history was not read); `witsync:` tags are left to the caller."""
    stated_set = canonical_tags(stated)
    owned = witsync_tags or frozenset()
    return [
        tag
        for tag in live_tags
        if not tag.casefold().startswith(TAG_PREFIX)
        and tag.casefold() not in stated_set
        and tag.casefold() not in owned
    ]


def tag_candidates(desired: Desired, live: Live, plan: Plan) -> list[int]:
    """The items whose history can change their tags' plan: a manifest that states managed tags
    (not `exactTags`) and live tags besides them (and besides `witsync:` tags); by id."""
    entries = {item.key: item for item in desired.items}
    found: list[int] = []
    for planned in plan.items:
        item = entries.get(planned.key)
        current = live.items.get(planned.id) if planned.id is not None else None
        if item is None or current is None or item.exact_tags:
            continue
        if TAGS_FIELD not in item.fields or item.owner(TAGS_FIELD) != "managed":
            continue
        live_tags = tag_list(current.fields.get(TAGS_FIELD))
        if people_tags(live_tags, tag_list(item.fields[TAGS_FIELD]), None):
            found.append(current.id)
    return sorted(found)
