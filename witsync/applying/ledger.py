"""What one apply run wrote: the rev it expects of each item, and the link ends its writes changed.

A `test /rev` guard must pass for the applier's own earlier writes in the same run and fail for
anybody else's. The applier learns the rev of every item it writes from the response, but a link
it adds from A to B also changes B (the reciprocal end), and some servers give B a new revision
for it while others do not. So the ledger remembers every link end its writes put on, or took off,
another item; when a guard on B fails, the revisions B gained since the expected rev are read and
counted as the applier's own only when each one consists of such link ends and bookkeeping.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from witsync.ado.wire import work_item_id_from_url
from witsync.model import JSON, LiveItem, LiveRelation, PatchOp, opposite_rel

BOOKKEEPING_FIELDS = frozenset(
    name.lower()
    for name in (
        "System.Rev",
        "System.Watermark",
        "System.ChangedDate",
        "System.ChangedBy",
        "System.AuthorizedDate",
        "System.AuthorizedAs",
        "System.RevisedDate",
        "System.PersonId",
        "System.RelatedLinkCount",
        "System.ExternalLinkCount",
        "System.HyperLinkCount",
        "System.RemoteLinkCount",
        "System.AttachedFileCount",
        "System.Parent",
    )
)
"""Fields a server updates in every revision, or that follow a link change (the link counts,
System.Parent): never an edit on their own, since the link change itself is judged."""


def same_relation(relation: LiveRelation, rel: str, url: str) -> bool:
    """Whether a live relation is `rel` to `url` (a work item link may be spelled with another URL
    form, e.g. with or without the project, so those compare by target id)."""
    if relation.rel.lower() != rel.lower():
        return False
    if relation.url == url:
        return True
    target = work_item_id_from_url(url)
    return target is not None and target == work_item_id_from_url(relation.url)



_target_of = functools.lru_cache(maxsize=4096)(work_item_id_from_url)
"""`work_item_id_from_url`, remembered: the children of one parent all link to the same URL, and
every create's links are read two or three times (a urlsplit each)."""


def added_links(ops: Iterable[Mapping[str, JSON]]) -> list[tuple[str, int]]:
    """`(rel, target id)` of every work-item link a patch adds (`add /relations/-`)."""
    links = []
    for op in ops:
        value = op.get("value")
        adds = op.get("op") == "add" and op.get("path") == "/relations/-"
        if adds and isinstance(value, Mapping):
            target = _target_of(str(value.get("url", "")))
            if target is not None:
                links.append((str(value.get("rel", "")), target))
    return links


def far_ends(planned: Sequence[PatchOp], wired: Sequence[Mapping[str, JSON]]) -> set[int]:
    """The work items whose relation lists a step changes at the far end of its links."""
    removed = {work_item_id_from_url(op.relation[1]) for op in planned if op.relation is not None}
    added = {target for _, target in added_links(wired)}
    return {item_id for item_id in removed if item_id is not None} | added


@dataclass(frozen=True)
class LinkEnd:
    """A link end this run put on (`add`) or took off (`remove`) `item`, pointing at `other`.

    `other` is None while the writing item is still being created (its id is not known yet)."""

    item: int
    op: str
    rel: str
    other: int | None


class RunLedger:
    """The revisions and link ends one apply run caused. Single event loop: no locking needed."""

    def __init__(self) -> None:
        self._rev: dict[int, int] = {}
        self._ends: set[LinkEnd] = set()

    def expected_rev(self, item_id: int, planned: int | None) -> int | None:
        """The rev `item_id` should have now: the last one this run's responses showed, else the
        plan's."""
        return self._rev.get(item_id, planned)

    def saw(self, item: LiveItem) -> None:
        """Record the rev a write (or a read this run trusts) returned for an item."""
        self._rev[item.id] = max(item.rev, self._rev.get(item.id, 0))

    def accept_rev(self, item_id: int, rev: int) -> None:
        """Take `rev` as expected after checking that every revision up to it is this run's own."""
        self._rev[item_id] = rev

    def link_ends(self, writer: int | None, ops: Iterable[Mapping[str, JSON]]) -> list[LinkEnd]:
        """Both ends of the work-item links a patch for `writer` adds (None: being created).

        Call it BEFORE sending: a concurrent guard on the far item may fail because of this very
        write before its response arrives, and must still recognise it as this run's."""
        ends = []
        for rel, target in added_links(ops):
            ends.append(LinkEnd(target, "add", opposite_rel(rel).lower(), writer))
            if writer is not None:
                ends.append(LinkEnd(writer, "add", rel.lower(), target))
        return ends

    def note(self, ends: Iterable[LinkEnd]) -> None:
        self._ends.update(ends)

    def note_removed(self, writer: int, rel: str, target: int) -> None:
        """Record that this run removes the link `writer --rel--> target`, at both ends."""
        self._ends.add(LinkEnd(target, "remove", opposite_rel(rel).lower(), writer))
        self._ends.add(LinkEnd(writer, "remove", rel.lower(), target))

    def resolve_writer(self, ends: Iterable[LinkEnd], writer: int) -> None:
        """Once a created item's id is known, its pending link ends name it."""
        for end in ends:
            self._ends.add(LinkEnd(end.item, end.op, end.rel, writer))

    def is_own_revision(self, item_id: int, update: Mapping[str, JSON]) -> bool:
        """Whether one entry of an item's update history holds only link ends this run wrote."""
        fields = update.get("fields") or {}
        if any(name.lower() not in BOOKKEEPING_FIELDS for name in fields):
            return False
        relations = update.get("relations") or {}
        if relations.get("updated"):
            return False
        for op, key in (("add", "added"), ("remove", "removed")):
            for relation in relations.get(key) or ():
                other = work_item_id_from_url(str(relation.get("url", "")))
                if other is None:
                    return False
                rel = str(relation.get("rel", "")).lower()
                mine = LinkEnd(item_id, op, rel, other)
                pending = LinkEnd(item_id, op, rel, None)
                if mine not in self._ends and pending not in self._ends:
                    return False
        return True

    def foreign_revisions(
        self, item_id: int, updates: Iterable[Mapping[str, JSON]], after_rev: int
    ) -> list[Mapping[str, JSON]]:
        """The revisions after `after_rev` that this run did not cause (someone else's edits)."""
        return [
            update
            for update in updates
            if int(update.get("rev", 0)) > after_rev and not self.is_own_revision(item_id, update)
        ]
