"""Field values the board changed, written where the manifest states them: entry or `defaults:`.

The fields the board owns (create-only, by default) and any named with `--fields` take the
board's value where the entry states them; with `drift`, so do the managed fields the board
changed. A value written in the file's `defaults:` is changed there when every entry that takes
it has the same new value on the board; otherwise each entry whose item differs gets the board's
value written on itself. Values are compared as the planner compares them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from witsync.exporting.values import YamlValue, same_value, yaml_value
from witsync.fields import REFERENCE_TO_FRIENDLY
from witsync.model import Desired, DesiredItem, LiveItem, Process
from witsync.planning.normalize import field_kind
from witsync.pulling.change import Change, PullOptions
from witsync.pulling.manifests import Manifests
from witsync.pulling.yamltree import EditRefused

_Takers = Sequence[tuple[DesiredItem, LiveItem | None]]


def write_values(
    manifests: Manifests,
    desired: Desired,
    paired: Mapping[str, LiveItem],
    process: Process,
    options: PullOptions,
    gone: Collection[str],
) -> None:
    """Write the board's values of the fields a pull takes, for every entry not in `gone`."""
    by_default: dict[tuple[str, str], list[tuple[DesiredItem, LiveItem | None]]] = {}
    for item in desired.items:
        if item.key in gone:
            continue
        board = paired.get(item.key)
        file = item.location.file
        for ref in item.fields:
            name = REFERENCE_TO_FRIENDLY.get(ref, "")
            where = _where(manifests, file, item.key, name, ref)
            if where == "defaults":
                by_default.setdefault((file, ref), []).append((item, board))
                continue
            if board is None or not _wanted(options, item, ref):
                continue
            kind = field_kind(ref, process.fields.get(ref))
            written = item.fields[ref]
            if same_value(kind, written, board.fields.get(ref)):
                continue
            value = yaml_value(kind, board.fields.get(ref))
            _write(manifests, item, board, ref, name, written, value, in_place=where == "item")
    for (file, ref), takers in by_default.items():
        _default(manifests, process, options, file, ref, takers)


def _wanted(options: PullOptions, item: DesiredItem, ref: str) -> bool:
    if ref in options.fields:
        return True
    mode = item.owner(ref)
    return mode == "create-only" or (options.drift and mode == "managed")


def _where(manifests: Manifests, file: str, key: str, name: str, ref: str) -> str | None:
    try:
        return manifests.editor(file).where(key, name, reference=ref)
    except EditRefused:
        return None


def _write(
    manifests: Manifests,
    item: DesiredItem,
    board: LiveItem,
    ref: str,
    name: str,
    written: Any,
    value: YamlValue,
    *,
    in_place: bool,
    note: str = "",
) -> None:
    file = item.location.file
    shown = name or ref
    where = item.field_locations.get(ref, item.location)
    try:
        editor = manifests.editor(file)
        if in_place:
            editor.set_value(item.key, name, value, reference=ref)
        else:
            editor.add_value(item.key, name, value, reference=None if name else ref)
    except EditRefused as error:
        manifests.tell(
            Change("skipped", file, item.key, board.id, str(error), shown, line=where.line)
        )
        return
    manifests.tell(
        Change(
            "value",
            file,
            item.key,
            board.id,
            note or f"{shown}: {_show(written)} → {_show(value)}",
            shown,
            _plain(written),
            value,
            line=where.line if in_place else item.location.line,
        )
    )


def _default(
    manifests: Manifests,
    process: Process,
    options: PullOptions,
    file: str,
    ref: str,
    takers: _Takers,
) -> None:
    """A value from the file's `defaults:` that some entries' work items no longer have."""
    kind = field_kind(ref, process.fields.get(ref))
    written = takers[0][0].fields[ref]
    name = REFERENCE_TO_FRIENDLY.get(ref, "")
    shown = name or ref
    differing = [
        (item, board)
        for item, board in takers
        if board is not None
        and _wanted(options, item, ref)
        and not same_value(kind, written, board.fields.get(ref))
    ]
    if not differing:
        return
    boards = [board for _, board in takers]
    first = differing[0][1]
    assert first is not None
    if all(
        board is not None
        and same_value(kind, yaml_value(kind, first.fields.get(ref)), board.fields.get(ref))
        for board in boards
    ):
        value = yaml_value(kind, first.fields.get(ref))
        where = takers[0][0].field_locations.get(ref)
        try:
            manifests.editor(file).set_default(name, value, reference=ref)
        except EditRefused as error:
            manifests.tell(Change("skipped", file, "defaults", None, str(error), shown))
            return
        keys = ", ".join(item.key for item, _ in takers)
        manifests.tell(
            Change(
                "default",
                file,
                "defaults",
                None,
                f"defaults {shown}: {_show(written)} → {_show(value)} (every entry that takes "
                f"it has that value on the board: {keys})",
                shown,
                _plain(written),
                value,
                line=where.line if where else None,
            )
        )
        return
    for item, board in differing:
        assert board is not None
        value = yaml_value(kind, board.fields.get(ref))
        _write(
            manifests,
            item,
            board,
            ref,
            name,
            written,
            value,
            in_place=False,
            note=f"{shown}: {_show(value)} on the board, so the file's default "
            f"{_show(written)} no longer fits it: written on the item",
        )


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(v) for v in value) + "]"
    text = str(value)
    if "\n" in text or len(text) > 60:
        first = text.strip().split("\n", 1)[0]
        return repr(first[:57] + "...") if len(first) > 57 or "\n" in text.strip() else repr(first)
    return repr(text) if isinstance(value, str) else text
