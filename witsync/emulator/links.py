"""Work-item links: one parent, no cycles, reciprocal ends, link-only revisions, history entries."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from witsync.emulator import errors
from witsync.emulator.attachmentstore import check_attachment_count, stamp_attached_file
from witsync.emulator.linktypes import (
    ATTACHED_FILE,
    CHILD,
    HYPERLINK,
    PARENT,
    LinkType,
    link_target,
    link_type,
    work_item_path,
)
from witsync.emulator.patch import Patch
from witsync.emulator.store import Item, Store
from witsync.emulator.values import Clock, now_stamp, revision_stamp

OPEN_ENDED = "9999-01-01T00:00:00Z"


def _relation_key(relation: Mapping[str, Any]) -> tuple[str, str]:
    target = link_target(relation)
    return (str(relation["rel"]), str(target) if target is not None else str(relation["url"]))


def sync_parent(item: Item) -> None:
    """System.Parent follows the item's parent link, so reads and WIQL can use it."""
    parent = next((link_target(r) for r in item.relations if r["rel"] == PARENT), None)
    if parent is None:
        item.fields.pop("System.Parent", None)
    else:
        item.fields["System.Parent"] = parent


def stamp_revision(fields: dict[str, Any], rev: int, now: str, me: str, kept: set[str]) -> None:
    """A new revision's system fields; `kept` are fields a bypassRules patch set itself. `now` is
    the revision's date, later than the item's previous one (`values.revision_stamp`)."""
    fields["System.Rev"] = rev
    fields["System.AuthorizedDate"] = now
    if "System.ChangedDate" not in kept:
        fields["System.ChangedDate"] = now
    if "System.ChangedBy" not in kept:
        fields["System.ChangedBy"] = me


class LinkKeeper:
    """The link half of a `Board`: needs its store, organization, caller, revision mode, clock."""

    store: Store
    org: str
    me: str
    link_bumps_rev: bool
    clock: Clock

    def _final_relations(self, item: Item, patch: Patch) -> list[dict[str, Any]]:
        kept = [r for i, r in enumerate(patch.relations) if i not in patch.removed]
        for new in patch.added:
            match = next((r for r in kept if _relation_key(r) == _relation_key(new)), None)
            if match is not None:
                match["attributes"] = {**match.get("attributes", {}), **new.get("attributes", {})}
            else:
                kept.append(new)
        return self._ordered(kept)

    def _ordered(self, relations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        links = [r for r in relations if link_target(r) is not None]
        return links + [r for r in relations if link_target(r) is None]

    def _check_links(
        self,
        item: Item,
        patch: Patch,
        final: list[dict[str, Any]] | None = None,
        *,
        new: bool = False,
    ) -> None:
        """`new`: the item is being created (nothing links to it yet, so no link can close a
        cycle through it)."""
        relations = final if final is not None else patch.added
        existing = {_relation_key(r) for r in item.relations}
        parents = [r for r in relations if r["rel"] == PARENT]
        for relation in relations:
            if _relation_key(relation) in existing:
                continue
            target = link_target(relation)
            if target is None:
                attrs = relation.setdefault("attributes", {})
                if relation["rel"] in {HYPERLINK, ATTACHED_FILE} and "id" not in attrs:
                    now = now_stamp(self.clock)
                    stamp = {
                        "authorizedDate": now,
                        "id": self.store.next_value(self.org, "resource", start=100),
                        "resourceCreatedDate": now,
                        "resourceModifiedDate": now,
                        "revisedDate": OPEN_ENDED,
                    }
                    if relation["rel"] == ATTACHED_FILE:
                        stamp_attached_file(self.store, self.org, relation, stamp)
                    else:
                        attrs.update(stamp)
                continue
            kind = link_type(relation["rel"])
            assert kind is not None
            if target == item.id:
                raise errors.link_error(
                    400,
                    "WorkItemLinkInvalidException",
                    f"Work item {item.id} cannot be linked to itself.",
                )
            if kind.ref == CHILD:
                other = [t for r, t in self.store.links_from(self.org, target) if r == PARENT]
                if other and other[0] != item.id:
                    raise self._extra_parent(item.id, target)
            if kind.acyclic and item.id > 0 and not new:
                parent, child = (item.id, target) if kind.is_forward else (target, item.id)
                if self.store.reaches(self.org, child, parent, kind.forward_ref):
                    raise errors.link_error(
                        500,
                        "WorkItemLinkCircularException",
                        f"TF201035: Adding a {kind.name} link between work items {item.id} and "
                        f"{target} would result in a circular relationship. Update the link and "
                        "try "
                        "again.",
                        600270,
                    )
        if len(parents) > 1:
            raise self._extra_parent(link_target(parents[0]) or 0, item.id)
        check_attachment_count(relations)

    def _extra_parent(self, parent: int, child: int) -> errors.ServiceError:
        return errors.link_error(
            400,
            "WorkItemLinkAddExtraParentException",
            f"TF201036: You cannot add a Child link between work items {parent} and {child} "
            "because "
            "a work item can have only one Parent link.",
            600271,
        )

    # -- saving ---------------------------------------------------------------------------------

    def _relation_changes(
        self, before: list[dict[str, Any]], after: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        old = {_relation_key(r): r for r in before}
        new = {_relation_key(r): r for r in after}
        added = [r for k, r in new.items() if k not in old]
        removed = [r for k, r in old.items() if k not in new]
        updated = [r for k, r in new.items() if k in old and old[k] != r]
        return added, removed, updated

    def _relation_delta(
        self,
        added: list[dict[str, Any]],
        removed: list[dict[str, Any]],
        updated: list[dict[str, Any]],
    ) -> dict[str, Any]:
        delta: dict[str, Any] = {}
        for name, group in (("added", added), ("removed", removed), ("updated", updated)):
            if group:
                delta[name] = copy.deepcopy(group)
        return delta

    def _save_links(
        self,
        item: Item,
        removed: Sequence[dict[str, Any]],
        added: Sequence[dict[str, Any]],
        updated: Sequence[dict[str, Any]],
        now: str,
    ) -> None:
        project = self.store.project(self.org, item.project)
        here = work_item_path(self.org, project.id if project else item.project, item.id)
        for change, group in (("removed", removed), ("added", added), ("updated", updated)):
            for relation in group:
                target = link_target(relation)
                kind = link_type(relation["rel"])
                if target is None or kind is None or kind.opposite is None:
                    continue
                if change == "removed":
                    self.store.remove_link(self.org, item.id, kind.ref, target)
                    self.store.remove_link(self.org, target, kind.opposite, item.id)
                else:
                    self.store.add_link(self.org, item.id, kind.ref, target)
                    self.store.add_link(self.org, target, kind.opposite, item.id)
                self._reciprocal(target, kind, here, relation, change, now)

    def _reciprocal(
        self,
        target: int,
        kind: LinkType,
        here: str,
        relation: dict[str, Any],
        change: str,
        now: str,
    ) -> None:
        opposite = link_type(kind.opposite) if kind.opposite is not None else None
        if opposite is None:
            return
        mirror = {
            "rel": opposite.ref,
            "url": here,
            "attributes": {**relation.get("attributes", {}), "name": opposite.name},
        }
        key = _relation_key(mirror)
        if not self.link_bumps_rev and opposite.ref != PARENT:
            # Only the other end's relations change (not its System.Parent, nor its revision):
            # rewrite them alone, its fields neither decoded nor encoded again.
            found = self.store.relations_of(self.org, target)
            if found is None:
                return
            rev, relations = found
            relations = _mirrored(relations, mirror, key, change)
            self.store.put_relations(self.org, target, relations)
            self.store.add_update(self.org, target, rev, self.me, now, {}, {change: [mirror]})
            return
        other = self.store.get(self.org, target)
        if other is None:
            return
        other.relations = _mirrored(other.relations, mirror, key, change)
        sync_parent(other)
        fields_delta: dict[str, Any] = {}
        at = now  # a link-only update is dated when it was made
        if self.link_bumps_rev:
            before = dict(other.fields)
            at = revision_stamp(now, before.get("System.ChangedDate"))
            stamp_revision(other.fields, other.rev + 1, at, self.me, set())
            other.rev += 1
            fields_delta = {
                k: {"oldValue": before.get(k), "newValue": other.fields.get(k)}
                for k in (
                    "System.Rev",
                    "System.ChangedDate",
                    "System.ChangedBy",
                    "System.AuthorizedDate",
                )
                if before.get(k) != other.fields.get(k)
            }
        self.store.put(other)
        if self.link_bumps_rev:
            self.store.add_revision(other, other.fields)
        self.store.add_update(
            self.org, target, other.rev, self.me, at, fields_delta, {change: [mirror]}
        )

    def _drop_reciprocals(self, item: Item) -> None:
        for relation in item.relations:
            target = link_target(relation)
            kind = link_type(relation["rel"])
            if target is None or kind is None or kind.opposite is None:
                continue
            self.store.remove_link(self.org, item.id, kind.ref, target)
            self.store.remove_link(self.org, target, kind.opposite, item.id)
            other = self.store.get(self.org, target)
            if other is not None:
                other.relations = [r for r in other.relations if link_target(r) != item.id]
                sync_parent(other)
                self.store.put(other)


def _mirrored(
    relations: list[dict[str, Any]], mirror: dict[str, Any], key: tuple[str, str], change: str
) -> list[dict[str, Any]]:
    """The other end's relations once `mirror` (whose key is `key`) is removed, or added or
    updated: `_ordered([*rest, mirror])` in one pass, each relation's target read once (a parent
    of many children was walked three times per child created)."""
    if change == "removed":
        return [r for r in relations if _relation_key(r) != key]
    links: list[dict[str, Any]] = []
    resources: list[dict[str, Any]] = []
    for relation_there in relations:
        there = link_target(relation_there)
        if there is None:
            resources.append(relation_there)
        elif (str(relation_there["rel"]), str(there)) != key:
            links.append(relation_there)
    return [*links, mirror, *resources]
