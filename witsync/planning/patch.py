"""JSON-patch operations as Azure DevOps wants them: guarded by `test /rev`, minimal, ordered.

Server rules encoded here (DESIGN.md, "Patches"): `add` for a field that is empty now, `replace`
for one that has a value, `remove` to clear, except that an identity is cleared with `""` and
tags are set with `replace` (`add` on System.Tags appends to the list; it is used only when the
item has no tags, where appending to nothing is setting). Relations are
added with `add /relations/-` and removed by index in the live list, highest index first, each
removal annotated with the `(rel, url)` it deletes so the applier can check the index.
"""

from __future__ import annotations

from collections.abc import Iterable

from witsync.model import JSON, REL_HYPERLINK, PatchOp
from witsync.planning.normalize import TAGS_FIELD, is_empty, join_tags, tag_list, wire_value


def field_path(ref: str) -> str:
    return f"/fields/{ref}"


def guard_rev(rev: int) -> PatchOp:
    """The guard every update starts with; the applier moves it past its own revisions."""
    return PatchOp("test", "/rev", rev)


def set_field(ref: str, kind: str, live_value: JSON, desired: JSON) -> PatchOp:
    """The one operation that makes a field `desired` on an item where it is `live_value` now."""
    if kind == "tags":
        return set_tags(live_value, tag_list(desired))
    if is_empty(desired):
        if kind == "identity":
            return PatchOp("replace", field_path(ref), "")
        return PatchOp("remove", field_path(ref))
    value = wire_value(kind, desired)
    if not is_empty(live_value):
        return PatchOp("replace", field_path(ref), value)
    return PatchOp("add", field_path(ref), value)


def create_field(ref: str, kind: str, desired: JSON) -> PatchOp:
    """A field of a new item: there is nothing to replace or append to yet."""
    return PatchOp("add", field_path(ref), wire_value(kind, desired))


def set_tags(live_value: JSON, tags: Iterable[str]) -> PatchOp:
    """Set the whole tag list (replace), or clear it when empty."""
    joined = join_tags(tags)
    if not joined:
        return PatchOp("remove", field_path(TAGS_FIELD))
    if is_empty(live_value):
        # Nothing to append to, so `add` sets the list, and unlike `replace` it is valid on a
        # field the item does not have yet.
        return PatchOp("add", field_path(TAGS_FIELD), joined)
    return PatchOp("replace", field_path(TAGS_FIELD), joined)


def add_link(rel: str, *, target_key: str | None = None, target_id: int | None = None) -> PatchOp:
    """A work-item link; the applier fills `url` from the key (created this run) or the id."""
    return PatchOp(
        "add",
        "/relations/-",
        {"rel": rel, "url": None},
        target=target_key,
        target_id=None if target_key is not None else target_id,
    )


def add_hyperlink(url: str) -> PatchOp:
    return PatchOp("add", "/relations/-", {"rel": REL_HYPERLINK, "url": url})


def remove_relation(index: int, rel: str, url: str) -> PatchOp:
    return PatchOp("remove", f"/relations/{index}", relation=(rel, url))


def order_ops(
    fields: Iterable[PatchOp], removals: Iterable[PatchOp], additions: Iterable[PatchOp]
) -> tuple[PatchOp, ...]:
    """Relation removals first, highest index first (right under any server's index rule), then
    field operations, then relation additions (`/relations/-` appends after the removals)."""
    by_index = sorted(removals, key=lambda op: int(op.path.rsplit("/", 1)[1]), reverse=True)
    return (*by_index, *fields, *additions)
