"""Pairing: which live work item each manifest entry manages, by marker key or `id:` adoption.

A live work item belongs to a key when it carries this scope's marker hyperlink for that key (its
tag is re-added if someone removed it; but the fetch finds the managed set by the tag, so an
untagged item is seen only when a manifest names its id). `id: N` adopts item N: the plan adds
the scope tag and the marker, plus any field and link differences. Two live items claiming one
key are duplicates: the lowest id keeps the key (`claims`), the others are `extras`, which the
planner reports or, with `dedupe`, deletes. An item tagged for the scope without a key is
reported (`marker-without-key`) and never touched; one that also carries another scope's tag is
warned about, since both manifest sets write its fields.

Items that come back keep their work item: an entry whose key has no item, but one of whose
`previousKeys` has, takes that item over (a rekey: the plan rewrites its marker); an entry whose
item is in the recycle bin (`Live.deleted`, its marker names the key or a previous key) is paired
with it, to be restored. A type that differs from the board's is no error: the plan changes it.

Errors (not warnings, because no plan can be right): a parent, link or adopted id that does not
exist on the board; adopting an item another key already owns (unless that key is one of the
entry's `previousKeys`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from witsync.errors import Diagnostic
from witsync.marker import TAG_PREFIX, marker_keys, scope_tag
from witsync.model import Desired, DesiredItem, Live, LiveItem, PlanWarning
from witsync.planning.normalize import TAGS_FIELD, tag_list


@dataclass(frozen=True)
class Pair:
    """A manifest entry and the live work item it manages (None: it is to be created)."""

    item: DesiredItem
    index: int
    """The entry's place in file order."""
    live: LiveItem | None
    adopt: bool = False
    """`id:` takes over an item that carries no marker for the key yet."""
    previous_key: str | None = None
    """The item carries this key of the entry's `previousKeys`: the plan moves it to `key`."""
    restore: bool = False
    """The item is in the recycle bin (`Live.deleted`): the plan restores it."""


@dataclass(frozen=True)
class Pairing:
    """Every manifest entry paired with its live item, and what the pairing found wrong."""

    pairs: Mapping[str, Pair]
    """By key, in file order; an entry whose adoption failed is left out (see `errors`)."""
    claims: Mapping[str, int]
    """Key -> the lowest id whose marker names it (whether or not a manifest still does)."""
    extras: Mapping[str, tuple[int, ...]]
    """Key -> further ids claiming it beyond the lowest (duplicates)."""
    key_of_id: Mapping[int, str]
    """The id of every paired live item -> its key."""
    keys_of_id: Mapping[int, tuple[str, ...]]
    """Every live item -> the keys its markers name, sorted (empty: no marker)."""
    errors: tuple[Diagnostic, ...] = ()
    warnings: tuple[PlanWarning, ...] = ()


def pair_items(desired: Desired, live: Live) -> Pairing:
    """Pair each entry of `desired` with the live item its key or `id:` names."""
    by_key, keys_of_id, warnings = _markers(live, desired.scope)
    claims = {key: ids[0] for key, ids in by_key.items()}
    extras = {key: tuple(ids[1:]) for key, ids in by_key.items() if len(ids) > 1}
    pairs, errors = _pairs(desired, live, claims)
    key_of_id: dict[int, str] = {}
    for key, pair in pairs.items():
        if pair.live is None:
            continue
        key_of_id[pair.live.id] = key
        warnings.extend(_other_scopes(key, pair, desired.scope))
        if pair.restore:
            keys_of_id[pair.live.id] = tuple(sorted(set(marker_keys(pair.live, desired.scope))))
        elif pair.previous_key is not None:
            # the item holds its new key from now on; the old one is not left behind to prune
            claims[key] = claims.pop(pair.previous_key)
            if pair.previous_key in extras:
                extras[key] = extras.pop(pair.previous_key)
    errors.extend(_missing_targets(desired, live))
    return Pairing(
        pairs=pairs,
        claims=claims,
        extras=extras,
        key_of_id=key_of_id,
        keys_of_id=keys_of_id,
        errors=tuple(errors),
        warnings=tuple(warnings),
    )


def _markers(
    live: Live, scope: str
) -> tuple[dict[str, list[int]], dict[int, tuple[str, ...]], list[PlanWarning]]:
    """The ids that claim each key (lowest first) and the keys of each id; an item with two keys
    and a tagged item without one are reported."""
    by_key: dict[str, list[int]] = {}
    keys_of_id: dict[int, tuple[str, ...]] = {}
    warnings: list[PlanWarning] = []
    for item_id in sorted(live.items):
        keys = tuple(sorted(set(marker_keys(live.items[item_id], scope))))
        keys_of_id[item_id] = keys
        if not keys:
            if item_id in live.managed_ids:
                warnings.append(
                    PlanWarning(
                        "marker-without-key",
                        f"work item #{item_id} is tagged {scope_tag(scope)} but has no key "
                        "marker; witsync leaves it alone (add it to a manifest with `id:` to "
                        "manage it)",
                        id=item_id,
                    )
                )
            continue
        if len(keys) > 1:
            warnings.append(
                PlanWarning(
                    "multiple-keys",
                    f"work item #{item_id} carries the keys {', '.join(keys)}; "
                    f"it is treated as {keys[0]!r} only (remove the extra marker hyperlinks)",
                    key=keys[0],
                    id=item_id,
                )
            )
        by_key.setdefault(keys[0], []).append(item_id)
    return by_key, keys_of_id, warnings


def _pairs(
    desired: Desired, live: Live, claims: Mapping[str, int]
) -> tuple[dict[str, Pair], list[Diagnostic]]:
    """Each entry with the item its key claims, or the one its `id:` adopts if that is allowed."""
    owner_of_id = {item_id: key for key, item_id in claims.items()}
    adopted: dict[int, str] = {}
    pairs: dict[str, Pair] = {}
    errors: list[Diagnostic] = []
    for index, item in enumerate(desired.items):
        claimed = claims.get(item.key)
        if item.adopt_id is None:
            pairs[item.key] = _pair(item, index, live, claims, desired.scope)
            continue
        found = live.items.get(item.adopt_id)
        owner = owner_of_id.get(item.adopt_id)
        if owner is not None and claimed is None and owner in item.previous_keys:
            # `id:` and `previousKeys`: the item moves to this key
            pairs[item.key] = Pair(item, index, found, previous_key=owner)
            adopted[item.adopt_id] = item.key
            continue
        if found is None:
            message = f"work item #{item.adopt_id} (id: of {item.key!r}) does not exist"
            hint = "check the id, or remove `id:` to create a new work item"
        elif claimed is not None and claimed != item.adopt_id:
            message = (
                f"key {item.key!r} already belongs to work item #{claimed}, not #{item.adopt_id}"
            )
            hint = f"use `id: {claimed}` or remove `id:`"
        elif owner is not None and owner != item.key:
            message = f"work item #{item.adopt_id} is already managed as {owner!r}"
            hint = "adopt it under that key, or remove the other marker"
        elif item.adopt_id in adopted:
            message = (
                f"work item #{item.adopt_id} is adopted by both "
                f"{adopted[item.adopt_id]!r} and {item.key!r}"
            )
            hint = "adopt it once"
        else:
            adopted[item.adopt_id] = item.key
            pairs[item.key] = Pair(item, index, found, adopt=claimed is None)
            continue
        errors.append(Diagnostic("error", message, item.location, hint))
    return pairs, errors


def _pair(item: DesiredItem, index: int, live: Live, claims: Mapping[str, int], scope: str) -> Pair:
    """An entry without `id:`: the item its key claims, else the one a previous key claims,
    else one in the recycle bin marked with either (lowest id first), else none (a create)."""
    claimed = claims.get(item.key)
    if claimed is not None:
        return Pair(item, index, live.items[claimed])
    for old in item.previous_keys:
        if old in claims:
            return Pair(item, index, live.items[claims[old]], previous_key=old)
    for deleted_id in sorted(live.deleted):
        deleted = live.deleted[deleted_id]
        keys = marker_keys(deleted, scope)
        if item.key in keys:
            return Pair(item, index, deleted, restore=True)
        moved = next((key for key in item.previous_keys if key in keys), None)
        if moved is not None:
            return Pair(item, index, deleted, restore=True, previous_key=moved)
    return Pair(item, index, None)


def _other_scopes(key: str, pair: Pair, scope: str) -> list[PlanWarning]:
    """An item another scope's tag marks is written by both sets, each undoing the other."""
    assert pair.live is not None
    own = scope_tag(scope).casefold()
    others = [
        tag
        for tag in tag_list(pair.live.fields.get(TAGS_FIELD))
        if tag.casefold().startswith(TAG_PREFIX) and tag.casefold() != own
    ]
    if not others:
        return []
    return [
        PlanWarning(
            "managed-by-another-scope",
            f"work item #{pair.live.id} ({key!r}) is also tagged {', '.join(others)}: both "
            "manifest sets write its fields, each undoing the other (manage it in one set)",
            key=key,
            id=pair.live.id,
            location=pair.item.location,
        )
    ]


def _missing_targets(desired: Desired, live: Live) -> list[Diagnostic]:
    """Every id a manifest names as parent or link target must exist on the board."""
    errors: list[Diagnostic] = []
    for item in desired.items:
        # each id the item names: (the id, its role, where it is written, what a key names)
        named = [(item.parent, "parent", item.parent_location or item.location, "the parent")]
        named += [(link.target, "link target", link.location, "the item") for link in item.links]
        for target, role, where, instead in named:
            if isinstance(target, int) and target not in live.items:
                errors.append(
                    Diagnostic(
                        "error",
                        f"{role} #{target} of {item.key!r} does not exist on the board",
                        where,
                        f"check the id, or name {instead} by key",
                    )
                )
    return errors
