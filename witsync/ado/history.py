"""What an item's history (GET .../updates) says about links and tags; no I/O here.

Who last added or removed each link, and whether that is drift on the board; which tags witsync's
revisions added (the ones it owns) and which tags people removed. Field edits are
`witsync.ado.wire.last_edits`; witsync's revisions are told by their history mark
(`witsync.notes.is_witsync_revision`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from witsync.ado.wire import revision_date, who, work_item_id_from_url
from witsync.model import FieldEdit, tag_list
from witsync.notes import is_witsync_revision


def last_link_edits(
    updates: Sequence[Mapping[str, Any]], wanted: Iterable[tuple[str, int]], scope: str
) -> dict[tuple[str, str, int], FieldEdit]:
    """For each wanted link `(rel as this item holds it, target id)`, the most recent update that
    added or removed it, by `(change, rel, target)` with change `added` or `removed`.

    Drift: a revision witsync did not write changed the link after witsync first wrote the item
    (created or adopted it). A link-only update has no note, so an update without fields by the
    identity that wrote witsync's revisions of this item counts as witsync's (the other end of a
    link witsync wrote)."""
    ordered = list(updates)
    ours = [index for index, update in enumerate(ordered) if is_witsync_revision(update, scope)]
    writers = {who(ordered[index], ordered[index].get("fields") or {}) for index in ours}
    remaining = {(rel.casefold(), target): (rel, target) for rel, target in wanted}
    found: dict[tuple[str, str, int], FieldEdit] = {}
    for position in range(len(ordered) - 1, -1, -1):
        if not remaining:
            break
        update = ordered[position]
        relations = update.get("relations")
        if not isinstance(relations, Mapping):
            continue
        for change in ("added", "removed"):
            for relation in relations.get(change) or ():
                if not isinstance(relation, Mapping):
                    continue
                target = work_item_id_from_url(str(relation.get("url", "")))
                key = (str(relation.get("rel", "")).casefold(), target)
                if target is None or key not in remaining:
                    continue
                rel, target_id = remaining.pop(key)
                author = who(update, update.get("fields") or {})
                by_witsync = position in ours or (not update.get("fields") and author in writers)
                drift = not by_witsync and bool(ours) and ours[0] < position
                found[(change, rel, target_id)] = FieldEdit(
                    by=author,
                    at=change_date(update) or "",
                    rev=int(update.get("rev", 0)),
                    by_witsync=by_witsync,
                    drift=drift,
                )
    return found


def witsync_tags(updates: Sequence[Mapping[str, Any]], scope: str) -> frozenset[str]:
    """The tags (casefolded) whose last addition, in the item's history, was a revision witsync
    wrote for `scope`: the tags witsync owns on the item. A tag a person added (or added again
    after witsync) is theirs."""
    changes = _tag_changes(updates, scope).items()
    return frozenset(tag for tag, (added, ours) in changes if added and ours)


def tags_people_removed(updates: Sequence[Mapping[str, Any]], scope: str) -> frozenset[str]:
    """The tags (casefolded) whose last change was a removal by a revision witsync did not write:
    a stated tag missing for that reason is drift on the board, not the manifests' addition."""
    changes = _tag_changes(updates, scope).items()
    return frozenset(tag for tag, (added, ours) in changes if not added and not ours)


def _tag_changes(updates: Sequence[Mapping[str, Any]], scope: str) -> dict[str, tuple[bool, bool]]:
    """Each tag's last change: (added, by witsync), in history order."""
    last: dict[str, tuple[bool, bool]] = {}
    for update in updates:
        changed = update.get("fields")
        tags = _field_change(changed, "System.Tags") if isinstance(changed, Mapping) else None
        if tags is None:
            continue
        before = {tag.casefold() for tag in tag_list(tags.get("oldValue"))}
        after = {tag.casefold() for tag in tag_list(tags.get("newValue"))}
        if before == after:
            continue
        ours = is_witsync_revision(update, scope)
        for tag in after - before:
            last[tag] = (True, ours)
        for tag in before - after:
            last[tag] = (False, ours)
    return last


def _field_change(changed: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    for key, value in changed.items():
        if str(key).casefold() == name.casefold() and isinstance(value, Mapping):
            return value
    return None


def change_date(update: Mapping[str, Any]) -> str | None:
    """When an update was made: its revision's ChangedDate, or for a link-only update (no fields,
    the rev it shares) its `revisedDate`, which there is the moment of the change; never the open
    end 9999-01-01 of the newest revision."""
    found = revision_date(update)
    if found is not None or update.get("fields"):
        return found
    date = update.get("revisedDate")
    return str(date) if date and not str(date).startswith("9999") else None
