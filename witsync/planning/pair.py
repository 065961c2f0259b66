"""Pairing: which live work item each manifest entry manages, by marker key or `id:` adoption.

A live work item belongs to a key when it carries this scope's marker hyperlink for that key (its
tag is re-added if someone removed it; but the fetch finds the managed set by the tag, so an
untagged item is seen only when a manifest names its id). `id: N` adopts item N: the plan adds
the scope tag and the marker, plus any field and link differences. Two live items claiming one
key are duplicates: the lowest id keeps the key (`claims`), the others are `extras`, which the
planner reports or, with `dedupe`, deletes. An item tagged for the scope without a key is
reported (`marker-without-key`) and never touched; one that also carries another scope's tag is
warned about, since both manifest sets write its fields.

Errors (not warnings, because no plan can be right): a parent, link or adopted id that does not
exist on the board; adopting an item another key already owns; a type that differs from the
board's (Azure DevOps cannot change a type through this API).
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
        if pair.live.type.casefold() != pair.item.type.casefold():
            errors.append(
                Diagnostic(
                    "error",
                    f"{key!r} is a {pair.item.type} in the manifest but "
                    f"work item #{pair.live.id} is a {pair.live.type}",
                    pair.item.location,
                    "the API cannot change a work item's type: fix the manifest's type",
                )
            )
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
            pairs[item.key] = Pair(
                item, index, live.items[claimed] if claimed is not None else None
            )
            continue
        found = live.items.get(item.adopt_id)
        owner = owner_of_id.get(item.adopt_id)
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
        if isinstance(item.parent, int) and item.parent not in live.items:
            errors.append(
                Diagnostic(
                    "error",
                    f"parent #{item.parent} of {item.key!r} does not exist on the board",
                    item.parent_location or item.location,
                    "check the id, or name the parent by key",
                )
            )
        for link in item.links:
            if isinstance(link.target, int) and link.target not in live.items:
                errors.append(
                    Diagnostic(
                        "error",
                        f"link target #{link.target} of {item.key!r} does not exist on the board",
                        link.location,
                        "check the id, or name the item by key",
                    )
                )
    return errors
