"""The board's news for a manifest set, and the edits that write it into the manifests.

The reverse of a plan. For each entry paired with its work item (pairing: by its key marker, or
`id:`):

- the fields the board owns (create-only: state, assignedTo, remainingWork, completedWork, by
  default) and any named with `--fields` take the board's value where the entry states them;
  with `drift`, so do the managed fields the board changed (accepting a colleague's edit instead
  of reverting it). A value is changed where it is written. One written in the file's
  `defaults:` is changed there when every entry that takes it has the same new value on the
  board; otherwise the default no longer fits some entries, and each of those gets the board's
  value written on itself (values).
- with `new_children`, work items people created under a managed item (not managed
  themselves) are added under their parent, adopted by `id:`, with their own children
  (children);
- items deleted on the board (an `id:` that no longer exists) or closed there are reported and,
  with `remove_closed`, their entries are removed when nothing else in the set needs them
  (closed).

Values are compared as the planner compares them, so a pull right after an apply changes
nothing, and a plan right after a pull has no field changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from witsync.fields import FRIENDLY_FIELDS
from witsync.model import JSON, Desired, FieldEdit, Live, LiveItem, Process
from witsync.pulling.change import Change, PullOptions, PullResult
from witsync.pulling.children import add_new_children
from witsync.pulling.closed import closed_entries
from witsync.pulling.manifests import Manifests
from witsync.pulling.pairing import pair
from witsync.pulling.values import write_values


def pull_news(
    desired: Desired,
    live: Live,
    process: Process,
    texts: Mapping[str, str],
    *,
    options: PullOptions,
    defaults: Mapping[str, Mapping[str, JSON]],
    extra: Mapping[int, LiveItem] | None = None,
) -> PullResult:
    """The news and the new text of every manifest it changes (`texts`: file name → text)."""
    paired = pair(desired, live)
    manifests = Manifests(texts)
    gone = closed_entries(manifests, desired, paired, process, remove=options.remove_closed)
    write_values(manifests, desired, paired, process, options, gone)
    if options.new_children:
        add_new_children(manifests, desired, live, paired, process, options, defaults, extra or {})
    return manifests.result()


def edited_ids(result: PullResult) -> dict[int, list[str]]:
    """For each work item whose values a pull writes, the fields, by reference name (to read
    who changed them on the board)."""
    wanted: dict[int, list[str]] = {}
    for change in result.changes:
        written = _written(change)
        if written is not None:
            wanted.setdefault(written[0], []).append(written[1])
    return wanted


def with_edits(result: PullResult, edits: Mapping[int, Mapping[str, FieldEdit]]) -> PullResult:
    """The news with who last changed each written value on the board (`edits`: by id, then
    by reference name)."""

    def edited(change: Change) -> Change:
        written = _written(change)
        if written is None:
            return change
        id, ref = written
        return replace(change, edit=edits.get(id, {}).get(ref))

    return replace(result, changes=tuple(edited(change) for change in result.changes))


def _written(change: Change) -> tuple[int, str] | None:
    """The work item and field (by reference name) of a value a pull writes; None for other
    news."""
    if change.kind == "value" and change.id is not None and change.field:
        return change.id, FRIENDLY_FIELDS.get(change.field, change.field)
    return None
