"""Entries whose work items were closed or deleted on the board: reported, or taken out.

An `id:` that no longer exists is deleted; an item in a Completed or Removed state is closed
(unless the entry already states that state). With `remove_closed`, their entries are removed
when nothing else in the set needs them (no open entry under them), with the links to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from witsync.model import Desired, DesiredItem, LiveItem, Process
from witsync.planning.normalize import STATE_FIELD
from witsync.pulling.change import Change
from witsync.pulling.manifests import Manifests
from witsync.pulling.yamltree import EditRefused

CLOSED_CATEGORIES = ("Completed", "Removed")


def closed_entries(
    manifests: Manifests,
    desired: Desired,
    paired: Mapping[str, LiveItem],
    process: Process,
    *,
    remove: bool,
) -> set[str]:
    """Report deleted, closed and missing items; the keys whose entries are removed."""
    closed: dict[str, Change] = {}
    for item in desired.items:
        file = item.location.file
        board = paired.get(item.key)
        if board is None:
            if item.adopt_id is not None:
                closed[item.key] = Change(
                    "deleted",
                    file,
                    item.key,
                    item.adopt_id,
                    f"work item #{item.adopt_id} is no longer on the board (deleted, or not "
                    "readable with this token)",
                    line=item.location.line,
                )
            else:
                manifests.report(
                    Change(
                        "missing",
                        file,
                        item.key,
                        None,
                        "no work item carries this key yet (not applied, or deleted on the board)",
                        line=item.location.line,
                    )
                )
            continue
        state = str(board.fields.get(STATE_FIELD) or "")
        if _category(process, board.type, state) in CLOSED_CATEGORIES:
            stated = item.fields.get(STATE_FIELD)
            if isinstance(stated, str) and stated.casefold() == state.casefold():
                continue  # the manifest already says so: not news
            closed[item.key] = Change(
                "closed",
                file,
                item.key,
                board.id,
                f"{state} on the board",
                line=item.location.line,
            )
    if not remove:
        for change in closed.values():
            manifests.report(change)
        return set()
    return _remove(manifests, desired, closed)


def _category(process: Process, type: str, state: str) -> str:
    info = process.types.get(type)
    for known in info.states if info else ():
        if known.name.casefold() == state.casefold():
            return known.category
    return ""


def _remove(manifests: Manifests, desired: Desired, gone: Mapping[str, Change]) -> set[str]:
    """Remove the entries of `gone` whose children are all gone too (links to them from
    other entries go with them); report the others as kept."""
    by_key = {item.key: item for item in desired.items}
    children: dict[str, list[str]] = {}
    for item in desired.items:
        if isinstance(item.parent, str):
            children.setdefault(item.parent, []).append(item.key)
    removable: dict[str, bool] = {}

    def can_go(key: str) -> bool:
        if key not in removable:
            removable[key] = key in gone and all(can_go(c) for c in children.get(key, ()))
        return removable[key]

    removed: set[str] = {key for key in gone if can_go(key)}
    tops: dict[str, list[str]] = {}  # per file, the removed entries not under another one
    for key, change in gone.items():
        if key not in removed:
            manifests.report(
                replace(
                    change,
                    message=f"{change.message}; kept: entries under it are still open",
                )
            )
            continue
        item = by_key[key]
        parent = item.parent
        if isinstance(parent, str) and parent in removed:
            continue  # goes with its parent's entry
        tops.setdefault(item.location.file, []).append(key)
    for file, keys in tops.items():
        try:
            manifests.editor(file).remove_entries(keys)
        except EditRefused as error:
            for key in keys:
                manifests.tell(replace(gone[key], kind="skipped", message=str(error)))
                removed -= {key} | {k for k in removed if _under(k, key, by_key)}
            continue
        for key in keys:
            change = gone[key]
            under = sorted(k for k in removed if _under(k, key, by_key))
            extra = f" with {', '.join(under)}" if under else ""
            manifests.tell(
                replace(change, kind="removed", message=f"{change.message}: removed{extra}")
            )
    _unlink(manifests, desired, removed, by_key)
    return removed


def _unlink(
    manifests: Manifests, desired: Desired, removed: set[str], by_key: Mapping[str, DesiredItem]
) -> None:
    """Links from the remaining entries to removed ones, which would name unknown keys."""
    forms = {
        key: [key] + ([str(by_key[key].adopt_id)] if by_key[key].adopt_id else [])
        for key in removed
    }
    for item in desired.items:
        if item.key in removed:
            continue
        targets = sorted(
            {link.target for link in item.links if isinstance(link.target, str)} & removed
        )
        if not targets:
            continue
        written = [form for target in targets for form in forms[target]]
        try:
            manifests.editor(item.location.file).remove_references(
                item.key, ("related", "predecessors", "successors"), written
            )
        except EditRefused as error:
            manifests.tell(Change("skipped", item.location.file, item.key, None, str(error)))
            continue
        manifests.tell(
            Change(
                "removed",
                item.location.file,
                item.key,
                None,
                f"its links to {', '.join(targets)} (removed) are taken out too",
                line=item.location.line,
            )
        )


def _under(key: str, ancestor: str, by_key: Mapping[str, DesiredItem]) -> bool:
    parent = by_key[key].parent
    while isinstance(parent, str):
        if parent == ancestor:
            return True
        parent = by_key[parent].parent if parent in by_key else None
    return False
