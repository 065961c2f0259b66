"""Settle a write whose answer was lost: ask the board whether it landed before sending it again.

A create carries the scope marker (tag + hyperlink with the key) in the request itself, so a create
that landed is found by the marker and adopted instead of sent twice. An update landed when the
first revision after the guarded rev that this run did not cause by link ends alone changed the
fields it sent to the values it sent; a link-only update (which may leave the rev alone) landed when
the relation list shows its links added and removed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from witsync.ado.client import Client
from witsync.ado.wiql import FlatQuery, literal, managed_set
from witsync.ado.wire import revision_date
from witsync.applying.ledger import BOOKKEEPING_FIELDS, RunLedger, same_relation
from witsync.errors import StepConflict
from witsync.marker import marker_keys, scope_tag
from witsync.model import JSON, LiveItem, LiveRelation, tag_list
from witsync.planning.normalize import canonical

UNKNOWN_OUTCOME_ATTEMPTS = 4
"""How many times one write is sent when each answer is lost (each resend is checked first)."""
_KINDS = ("text", "tags", "identity", "number", "date", "path", "bool", "html")
"""Comparison rules tried for a sent value (the applier has no process metadata): a field whose
name and value both match under one of them was written by this patch."""
HISTORY = "system.history"
"""A history note (prune's close writes one) is a comment of its revision, not a field value."""


async def find_created(
    client: Client, scope: str, key: str, ops: Sequence[Mapping[str, JSON]]
) -> LiveItem | None:
    """The item carrying the marker of `key`, if a create whose answer was lost did land."""
    tag = scope_tag(scope)
    title = next((op.get("value") for op in ops if _field_of(op) == "system.title"), None)
    queries = [managed_set(tag).condition]
    if isinstance(title, str) and title:
        # narrow first (cheap, nearly always enough); the wide query covers a title the server
        # rewrote on the way in
        queries.insert(0, f"{queries[0]} AND [System.Title] = {literal(title)}")
    for condition in queries:
        ids = await client.query_ids(FlatQuery(condition))
        for item in sorted(await client.get_items(ids), key=lambda i: i.id):
            if key in marker_keys(item, scope):
                return item
    return None


async def update_landed(
    client: Client,
    ledger: RunLedger,
    item_id: int,
    expected: int,
    patch: Sequence[Mapping[str, JSON]],
    removed: Sequence[tuple[str, str]],
    *,
    read: Callable[[int], Awaitable[LiveItem | None]] | None = None,
) -> bool:
    """Whether `patch` (guarded at `expected`) was saved; re-arms the ledger's rev either way.
    `read` reads the item (the client's `get_item` unless given: the items of a `$batch` whose
    answer was lost are read together).

    Raises StepConflict when someone else's edit came first (the patch cannot have landed)."""
    live = await (read or client.get_item)(item_id)
    if live is None:
        raise StepConflict(f"#{item_id} was deleted after the plan; plan again")
    fields = [op for op in patch if _field_of(op) not in (None, HISTORY)]
    if not fields:
        if differences(live, patch, removed):  # only links: are they as the patch makes them?
            return False
        if live.rev != expected:
            updates = await client.get_updates(item_id)
            if not ledger.foreign_revisions(item_id, updates, expected):
                ledger.accept_rev(item_id, live.rev)
        return True
    if live.rev == expected:
        return False
    updates = await client.get_updates(item_id)
    later = sorted((u for u in updates if int(u.get("rev", 0)) > expected), key=_rev)
    rev, landed = expected, False
    for update in later:
        if ledger.is_own_revision(item_id, update):
            rev = _rev(update)
        elif not landed and _writes(update, fields):
            rev, landed = _rev(update), True
        elif not landed:
            raise changed_after_plan(item_id, [update])
        else:
            break  # someone edited after this run's write: the next guard will say so
    ledger.accept_rev(item_id, rev)
    return landed


def differences(
    live: LiveItem,
    patch: Sequence[Mapping[str, JSON]],
    removed: Sequence[tuple[str, str]] = (),
) -> list[str]:
    """What of `patch` (plus the relations in `removed`) `live` does not show yet: field names,
    and `link <rel> <url>`. Empty when the item already is as the patch would make it; tags
    count as there when every tag sent is (people's added tags do not matter)."""
    missing: list[str] = []
    fields = {name.lower(): value for name, value in live.fields.items()}
    for op in patch:
        name, value = _field_of(op), op.get("value")
        if name == HISTORY:
            continue  # a comment on the revision that wrote it: no later read shows it
        if name == "system.tags":
            if not _tags(value) <= _tags(fields.get(name)):
                missing.append(str(op["path"])[len("/fields/") :])
        elif name is not None:
            sent = None if op.get("op") == "remove" else value
            if not _same_value(sent, fields.get(name)):
                missing.append(str(op["path"])[len("/fields/") :])
        elif op.get("path") == "/relations/-" and isinstance(value, Mapping):
            rel, url = str(value.get("rel")), str(value.get("url"))
            if not _has(live.relations, rel, url):
                missing.append(f"link {rel} {url}")
    missing += [
        f"link {rel} {url} (removal)" for rel, url in removed if _has(live.relations, rel, url)
    ]
    return missing


def changed_after_plan(item_id: int, foreign: Sequence[Mapping[str, JSON]]) -> StepConflict:
    """The conflict for an item someone else changed after the plan, naming their edits."""
    return StepConflict(
        f"#{item_id} was changed on the board after the plan "
        f"({describe_revisions(foreign)}); plan again to see that edit before writing",
        hint="run witsync plan, review the change, then apply",
    )


def describe_revisions(updates: Sequence[Mapping[str, JSON]]) -> str:
    """`rev 5 by Jane <jane@x> at 2026-...: System.Title, System.State` (and how many more); the
    time is when the first revision was made (its ChangedDate; none for a link-only update)."""
    first = updates[0]
    who = first.get("revisedBy")
    if isinstance(who, Mapping):
        who = who.get("uniqueName") or who.get("displayName")
    changed = [name for name in first.get("fields") or {} if name.lower() not in BOOKKEEPING_FIELDS]
    relations = first.get("relations") or {}
    if any(relations.get(k) for k in ("added", "removed", "updated")):
        changed.append("links")
    text = f"rev {first.get('rev')}"
    if who:
        text += f" by {who}"
    when = revision_date(first)
    if when:
        text += f" at {when}"
    if changed:
        text += ": " + ", ".join(changed)
    if len(updates) > 1:
        text += f", and {len(updates) - 1} more revision{'s' if len(updates) > 2 else ''}"
    return text


def _rev(update: Mapping[str, JSON]) -> int:
    return int(update.get("rev", 0))


def _field_of(op: Mapping[str, JSON]) -> str | None:
    path = str(op.get("path", ""))
    return path[len("/fields/") :].lower() if path.startswith("/fields/") else None


def _same_value(sent: JSON, got: JSON) -> bool:
    for kind in _KINDS:
        try:
            if canonical(kind, sent) == canonical(kind, got):
                return True
        except (TypeError, ValueError):
            continue
    return False


def _writes(update: Mapping[str, JSON], ops: Sequence[Mapping[str, JSON]]) -> bool:
    """Whether one revision set every field of `ops` to the value sent (`remove` = emptied)."""
    changed = {str(name).lower(): change for name, change in (update.get("fields") or {}).items()}
    for op in ops:
        change = changed.get(str(_field_of(op)))
        if not isinstance(change, Mapping):
            return False
        sent = None if op.get("op") == "remove" else op.get("value")
        if not _same_value(sent, change.get("newValue")):
            return False
    return True


def _tags(value: JSON) -> set[str]:
    return {tag.casefold() for tag in tag_list(value)}


def _has(relations: Sequence[LiveRelation], rel: str, url: str) -> bool:
    return any(same_relation(relation, rel, url) for relation in relations)
