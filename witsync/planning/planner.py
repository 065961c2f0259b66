"""The planner: desired × live → an ordered Plan of guarded patches; pure and deterministic.

Same inputs, same plan. It is made in four steps, each a module that states its rules, with
plain values passed from one to the next:
  1. pairing (witsync.planning.pair): which live item each manifest entry manages, by marker
     key, previous key or `id:` adoption, or in the recycle bin; duplicates, keyless markers and
     the errors no plan can survive (a missing id, a taken key), raised together as a
     ManifestError;
  2. field work (witsync.planning.fields): each item's field operations, changes and notes;
  3. links (witsync.planning.edges): canonical edges compared, each change sent by one end;
  4. order (here): the work of each item becomes one Action.

Order. Creates parents-first (depth, then file order); then updates and adopts in file order
(they may link to new items, never the reverse); then removals children-first. `depends_on`
names the keys whose creates (or restores) must be done first. An existing item's action is a
`restore` (back from the recycle bin: a restore step, then its update), a `reopen` (prune closed
it), a `rekey` (its marker moves to the entry's key), an `adopt` or an `update`. Managed items
that left the manifests and are closed already are `Plan.closed`, not counted unchanged.
Removals (only with prune) follow the policy:
close (a state of category Removed, else Completed), delete (recycle bin), or unmanage (the
marker tag and hyperlink removed); see witsync.planning.prune. Two live items claiming one key
are an error (`duplicate-key`, which blocks apply): the lowest id is the one to keep, and with
`dedupe` the plan deletes the others (their children in the set move to the kept one, as any
re-parenting does).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from witsync.errors import ManifestError
from witsync.marker import marker_keys
from witsync.model import (
    REL_CHILD,
    Action,
    ActionKind,
    Desired,
    LinkChange,
    Live,
    PatchOp,
    Plan,
    PlanWarning,
    Process,
    RemovalPolicy,
    Step,
    Target,
)
from witsync.planning.edges import LinkWork, link_work
from witsync.planning.fields import FieldWork, field_work
from witsync.planning.normalize import STATE_FIELD, is_empty
from witsync.planning.overview import plan_items
from witsync.planning.pair import Pair, Pairing, pair_items
from witsync.planning.patch import guard_rev, order_ops
from witsync.planning.prune import plan_removals

_NO_LINKS = LinkWork()


def make_plan(
    desired: Desired,
    live: Live,
    process: Process,
    target: Target,
    *,
    prune: bool = False,
    removal: RemovalPolicy = "close",
    dedupe: bool = False,
) -> Plan:
    """The actions that make the board match `desired` (see the module docstring for the rules)."""
    pairing = pair_items(desired, live)
    if pairing.errors:
        raise ManifestError(pairing.errors)
    fields = field_work(pairing, live, process, desired.scope)
    creates = _create_order(pairing.pairs)
    # a restored item is linked once it is back: its restore runs first, like a create
    restores = [key for key, pair in pairing.pairs.items() if pair.restore]
    links = link_work(
        pairing,
        {key: rank for rank, key in enumerate([*restores, *creates])},
        {key for key, work in fields.items() if work.ops},
    )
    actions = _actions(pairing, creates, fields, _attributed(links, pairing, live))
    leaving = sorted(
        (item_id, key) for key, item_id in pairing.claims.items() if key not in pairing.pairs
    )
    removed = plan_removals(live, process, desired.scope, leaving, prune=prune, removal=removal)
    duplicates, duplicate_warnings = _duplicates(pairing, live, process, desired.scope, dedupe)
    acted = {action.key for action in actions}
    unchanged = sum(1 for key in pairing.pairs if key not in acted)
    warnings = (*pairing.warnings, *removed.warnings, *duplicate_warnings)
    every = (*actions, *removed.actions, *duplicates)
    return Plan(
        target=target,
        actions=every,
        unchanged=unchanged,
        warnings=tuple(sorted(warnings, key=_warning_order)),
        manifest_digest=desired.digest,
        prune=prune,
        removal_policy=removal,
        known_max_id=max(live.managed_ids, default=0),
        items=plan_items(pairing, live, process, every),
        closed=removed.closed,
    )


def unmoved_candidates(desired: Desired, live: Live, process: Process) -> list[int]:
    """Items whose create may have stopped before its state move: managed by a key whose entry
    states a state other than its type's initial one, while the item is still in that initial
    state. Their histories tell (`Live.unmoved`); state is create-only, so nothing else would."""
    wanted = {
        item.key: item.fields[STATE_FIELD]
        for item in desired.items
        if item.adopt_id is None
        and item.owner(STATE_FIELD) == "create-only"
        and not is_empty(item.fields.get(STATE_FIELD))
    }
    candidates = []
    for item_id in sorted(live.managed_ids & live.items.keys()):
        item = live.items[item_id]
        keys = marker_keys(item, desired.scope)
        state = wanted.get(keys[0]) if len(keys) == 1 else None
        type_info = process.types.get(item.type)
        if state is None or type_info is None:
            continue
        current = str(item.fields.get(STATE_FIELD, "")).casefold()
        initial = type_info.initial_state.casefold()
        if current == initial and str(state).casefold() != initial:
            candidates.append(item_id)
    return candidates


def _create_order(pairs: Mapping[str, Pair]) -> list[str]:
    """The keys to create, parents first: by depth under the new items, then file order."""
    depth: dict[str, int] = {}

    def depth_of(key: str, seen: frozenset[str] = frozenset()) -> int:
        if key in depth:
            return depth[key]
        parent = pairs[key].item.parent if key in pairs else None
        value = 0
        if isinstance(parent, str) and parent in pairs and parent not in seen:
            value = depth_of(parent, seen | {key}) + 1
        depth[key] = value
        return value

    creates = [key for key, pair in pairs.items() if pair.live is None]
    return sorted(creates, key=lambda key: (depth_of(key), pairs[key].index))


def _actions(
    pairing: Pairing,
    creates: list[str],
    fields: Mapping[str, FieldWork],
    links: Mapping[str, LinkWork],
) -> list[Action]:
    """Creates in `creates` order, then updates and adopts in file order."""
    actions: list[Action] = []
    for key in creates:
        pair, work, linked = pairing.pairs[key], fields[key], links.get(key, _NO_LINKS)
        ops = order_ops(work.ops, (), (*_marker(work), *linked.adds))
        steps = (Step("create", ops), *work.later_steps)
        actions.append(_action("create", pair, work, linked, steps))
    for pair in sorted(pairing.pairs.values(), key=lambda p: p.index):
        if pair.live is None:
            continue
        work, linked = fields[pair.item.key], links.get(pair.item.key, _NO_LINKS)
        adds = (*_marker(work), *linked.adds)
        removes = (*work.removes, *linked.removes)
        writes: tuple[Step, ...] = ()
        if pair.restore:
            writes = (Step("restore", (), note="from the recycle bin"),)
        if work.ops or adds or removes:
            ops = order_ops(work.ops, removes, adds)
            writes = (*writes, Step("update", (guard_rev(pair.live.rev), *ops)))
        if writes:
            actions.append(_action(_update_kind(pair, work), pair, work, linked, writes))
    return actions


def _attributed(
    links: Mapping[str, LinkWork], pairing: Pairing, live: Live
) -> dict[str, LinkWork]:
    """Each link change with who last changed that link on the board (`Live.link_edits`): for an
    addition, who removed it; for a removal, who added it."""
    attributed = dict(links)
    for key, work in links.items():
        pair = pairing.pairs.get(key)
        edits = live.link_edits.get(pair.live.id, {}) if pair and pair.live else {}
        if not edits:
            continue
        changes = tuple(
            dataclasses.replace(
                change,
                last_edit=edits.get(
                    ("removed" if change.op == "add" else "added", change.rel, change.target_id)
                ),
            )
            if change.target_id is not None
            else change
            for change in work.changes
        )
        attributed[key] = dataclasses.replace(work, changes=changes)
    return attributed


def _update_kind(pair: Pair, work: FieldWork) -> ActionKind:
    """What an existing item's action is called: the first of restore (from the recycle bin),
    reopen (prune closed it), rekey (from a previous key), adopt (`id:`), update."""
    if pair.restore:
        return "restore"
    if work.reopen:
        return "reopen"
    if pair.previous_key is not None:
        return "rekey"
    return "adopt" if pair.adopt else "update"


def _marker(work: FieldWork) -> tuple[PatchOp, ...]:
    return (work.marker,) if work.marker is not None else ()


def _action(
    kind: ActionKind, pair: Pair, work: FieldWork, links: LinkWork, steps: tuple[Step, ...]
) -> Action:
    live = pair.live
    title = pair.item.fields.get("System.Title")
    return Action(
        kind=kind,
        key=pair.item.key,
        type=live.type if live is not None else pair.item.type,
        title=str(title) if isinstance(title, str) else (live.title if live is not None else ""),
        id=live.id if live is not None else None,
        rev=live.rev if live is not None else None,
        steps=steps,
        field_changes=work.changes,
        link_changes=tuple(sorted(links.changes, key=_link_order)),
        depends_on=tuple(sorted(links.depends_on)),
        notes=(*_restored(pair), *work.notes),
        location=pair.item.location,
        previous_key=pair.previous_key,
    )


def _restored(pair: Pair) -> tuple[str, ...]:
    if not pair.restore:
        return ()
    return (
        f"restored from the recycle bin (someone deleted #{pair.live.id if pair.live else '?'} "
        "on the board) instead of created again; `--no-restore` creates a new work item",
    )


def _duplicates(
    pairing: Pairing, live: Live, process: Process, scope: str, dedupe: bool
) -> tuple[list[Action], list[PlanWarning]]:
    """Two work items for one key: an error, or with `dedupe` the deletion of every copy but
    the lowest id. A copy with children outside the set is not deleted: people's items
    under it must be moved first, by hand."""
    removals: list[Action] = []
    warnings: list[PlanWarning] = []

    def warn(message: str, key: str, item_id: int) -> None:
        pair = pairing.pairs.get(key)
        location = pair.item.location if pair is not None else None
        warnings.append(
            PlanWarning(
                "duplicate-key", message, key=key, id=item_id, location=location, severity="error"
            )
        )

    extra_ids = {item_id for ids in pairing.extras.values() for item_id in ids}
    for key, extras in sorted(pairing.extras.items()):
        keeper = pairing.claims[key]
        copies = ", ".join(f"#{i}" for i in extras)
        if not dedupe:
            warn(
                f"key {key!r} has {len(extras) + 1} work items: #{keeper} and {copies}. Run "
                f"`witsync apply --dedupe` to keep #{keeper} and delete {copies} (their "
                "children in the manifests move to the kept one), or by hand: keep the "
                f"lowest id #{keeper}, move the others' children under it, delete the others",
                key,
                keeper,
            )
            continue
        for item_id in extras:
            stranded = _stranded_children(pairing, live, item_id, extra_ids)
            if stranded:
                listed = ", ".join(f"#{i}" for i in stranded)
                warn(
                    f"key {key!r}: #{item_id}, a second work item next to #{keeper}, has "
                    f"children that are not in the manifests ({listed}); move them under "
                    f"#{keeper} on the board, then run `witsync apply --dedupe` again",
                    key,
                    item_id,
                )
                continue
            found = plan_removals(
                live, process, scope, [(item_id, key)], prune=True, removal="delete"
            )
            for action in found.actions:
                note = f"a second work item for key {key!r}: #{keeper} keeps the key"
                removals.append(dataclasses.replace(action, notes=(note, *action.notes)))
    return removals, warnings


def _stranded_children(
    pairing: Pairing, live: Live, item_id: int, extra_ids: set[int]
) -> list[int]:
    """Children of `item_id` that are neither items of the set nor duplicates themselves."""
    children = (r.target_id for r in live.items[item_id].relations if r.rel == REL_CHILD)
    in_set = pairing.key_of_id.keys() | set(pairing.claims.values())
    return sorted(
        child
        for child in children
        if child is not None and child not in in_set and child not in extra_ids
    )


def _link_order(change: LinkChange) -> tuple[str, str, str, int]:
    return (change.op, change.rel, change.target_key or "", change.target_id or 0)


def _warning_order(warning: PlanWarning) -> tuple[str, int, str]:
    return (warning.code, warning.id or 0, warning.key or "")
