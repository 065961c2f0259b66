"""Work items people created under managed ones: which to read, and the entries that adopt them.

With `new_children`, each such item (not managed itself, not another scope's) is added under its
parent's entry, adopted by `id:`, with its own children, in backlog order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from witsync.exporting.entries import STANDARD_FIELDS, Entries, child_ids, links_of
from witsync.exporting.keys import assign_keys
from witsync.exporting.values import YamlValue
from witsync.fields import FRIENDLY_FIELDS
from witsync.loading.yamlsource import YamlMap, parse_yaml
from witsync.marker import TAG_PREFIX, marker_keys, scope_tag
from witsync.model import JSON, Desired, Live, LiveItem, Process
from witsync.planning.normalize import tag_list
from witsync.pulling.change import Change, PullOptions
from witsync.pulling.manifests import Manifests
from witsync.pulling.pairing import known_ids, pair
from witsync.pulling.yamltree import EditRefused


def new_child_ids(desired: Desired, live: Live) -> list[int]:
    """Children of managed items that no entry holds and no marker claims: read these (and
    their own children) for `--new-children`."""
    paired = pair(desired, live)
    known = known_ids(desired, live, paired)
    found: list[int] = []
    for key in paired:
        found.extend(child for child in child_ids(paired[key]) if child not in known)
    return list(dict.fromkeys(found))


def add_new_children(
    manifests: Manifests,
    desired: Desired,
    live: Live,
    paired: Mapping[str, LiveItem],
    process: Process,
    options: PullOptions,
    defaults: Mapping[str, Mapping[str, JSON]],
    extra: Mapping[int, LiveItem],
) -> None:
    """Entries for the items people created under managed items, under their parent (`extra`:
    the items `new_child_ids` named, and their children, as read)."""
    own = scope_tag(desired.scope).casefold()
    known = known_ids(desired, live, paired)
    tree: dict[int, list[int]] = {}
    tops: dict[str, list[int]] = {}
    skipped: list[Change] = []

    def take(parent: int, child: int, file: str) -> bool:
        item = extra.get(child)
        if item is None or child in known:
            return False
        others = [
            tag
            for tag in tag_list(item.fields.get("System.Tags"))
            if tag.casefold().startswith(TAG_PREFIX) and tag.casefold() != own
        ]
        if others:
            skipped.append(
                Change(
                    "skipped",
                    file,
                    item.title,
                    child,
                    f"a new child of #{parent}, but managed by {', '.join(others)}",
                )
            )
            return False
        known.add(child)
        return True

    def grow(id: int, file: str) -> None:
        for child in child_ids(extra[id]):
            if take(id, child, file):
                tree.setdefault(id, []).append(child)
                grow(child, file)

    for item in desired.items:
        board = paired.get(item.key)
        if board is None:
            continue
        for child in child_ids(board):
            if take(board.id, child, item.location.file):
                tops.setdefault(item.key, []).append(child)
                grow(child, item.location.file)
    for change in skipped:
        manifests.report(change)
    if not tops:
        return
    new_ids = [id for ids in tops.values() for id in ids] + [
        id for ids in tree.values() for id in ids
    ]
    taken = {key for item in desired.items for key in (item.key, *item.previous_keys)}
    for id in live.managed_ids & live.items.keys():
        taken.update(marker_keys(live.items[id], desired.scope))
    keys = assign_keys(
        {id: extra[id].title for id in new_ids},
        taken=taken,
        types={id: extra[id].type for id in new_ids},
    )
    all_keys = {board.id: key for key, board in paired.items()} | keys
    rank = {id: _rank(extra[id]) for id in new_ids}
    for parent_key, ids in tops.items():
        parent = next(item for item in desired.items if item.key == parent_key)
        file = parent.location.file
        file_defaults = _file_defaults(manifests.texts[file], file)
        builder = Entries(
            process=process,
            defaults=defaults,
            fields=list(dict.fromkeys([*STANDARD_FIELDS, *sorted(options.fields)])),
            keys=all_keys,
        )

        def entry(id: int, builder: Entries = builder, defaults: Any = file_defaults) -> Any:
            item = extra[id]
            return builder.entry(
                item,
                children=[entry(c) for c in sorted(tree.get(id, []), key=rank.__getitem__)],
                links=links_of(item),
                file_defaults=defaults,
            )

        entries = [entry(id) for id in sorted(ids, key=rank.__getitem__)]
        try:
            manifests.editor(file).add_children(parent_key, entries)
        except EditRefused as error:
            manifests.tell(Change("skipped", file, parent_key, None, str(error)))
            continue
        for id in _flatten(ids, tree):
            added = extra[id]
            manifests.tell(
                Change(
                    "added",
                    file,
                    keys[id],
                    id,
                    f"{added.type} {added.title!r}, created on the board under {parent_key!r}",
                    line=parent.location.line,
                )
            )


def _file_defaults(text: str, file: str) -> dict[str, YamlValue]:
    """The file's `defaults:` field values, by reference name."""
    parsed = parse_yaml(text, file)
    root = parsed.root if isinstance(parsed.root, YamlMap) else None
    found = root.get("defaults") if root is not None else None
    if not isinstance(found, YamlMap):
        return {}
    values: dict[str, YamlValue] = {}
    for name, value in found.items():
        ref = FRIENDLY_FIELDS.get(name)
        if ref is not None:
            values[ref] = value
    extra = found.get("fields")
    if isinstance(extra, YamlMap):
        values.update({str(ref): value for ref, value in extra.items()})
    return values


def _rank(item: LiveItem) -> tuple[float, int]:
    for ref in ("Microsoft.VSTS.Common.StackRank", "Microsoft.VSTS.Common.BacklogPriority"):
        value = item.fields.get(ref)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return (float(value), item.id)
    return (float("inf"), item.id)


def _flatten(ids: Iterable[int], tree: Mapping[int, list[int]]) -> list[int]:
    out: list[int] = []
    for id in ids:
        out.append(id)
        out.extend(_flatten(tree.get(id, []), tree))
    return out
