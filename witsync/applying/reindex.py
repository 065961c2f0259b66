"""Relation removals re-pointed at the live relation list just before an update is sent.

A planned `remove /relations/{index}` carries the relation it means (`PatchOp.relation`): the
index is looked up again in the list read right before the write, since links added or removed
since the plan (by people, or by this run's reciprocal ends) shift it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from witsync.applying.ledger import same_relation
from witsync.model import JSON, LiveRelation, PatchOp


def is_rev_test(op: PatchOp) -> bool:
    """Whether `op` is a step's `test /rev` guard (the run arms it with the rev it expects)."""
    return op.op == "test" and op.path == "/rev"


def reindex(
    planned: Sequence[PatchOp], wired: Sequence[dict[str, JSON]], relations: Sequence[LiveRelation]
) -> list[dict[str, JSON]]:
    """Point every relation removal at the relation's index in `relations`; drop removals of
    relations already gone, and additions of relations already there (someone made them since
    the plan). Removals go first, highest index first (right under both the current and the
    legacy shifting index rule); other ops keep their order after them."""
    kept: list[dict[str, JSON]] = []
    removals: list[int] = []
    planned_ops = [op for op in planned if not is_rev_test(op)]
    for op, wire in zip(planned_ops, wired, strict=True):
        if op.relation is None:
            value = wire.get("value")
            if (
                wire.get("path") == "/relations/-"
                and isinstance(value, Mapping)
                and any(
                    same_relation(live, str(value.get("rel")), str(value.get("url")))
                    for live in relations
                )
            ):
                continue
            kept.append(wire)
            continue
        rel, url = op.relation
        for index, live in enumerate(relations):
            if index not in removals and same_relation(live, rel, url):
                removals.append(index)
                break
    first = [{"op": "remove", "path": f"/relations/{i}"} for i in sorted(removals, reverse=True)]
    return first + kept
