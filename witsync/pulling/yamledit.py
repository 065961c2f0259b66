"""Edits a manifest's text in place: entries added and removed, on top of the value edits.

Every byte outside the edited values stays as it was. A value is changed where it is written, or
a key added (yamlvalues); a nested entry is added, an entry or a link removed (here). The
positions come from ruamel.yaml's round-trip node tree (yamltree).

The edits are made on the text itself, at those positions, rather than by dumping the tree
again: a dump re-indents the whole file to one style, re-wraps long lines and writes `null` as
nothing, so `git diff` would show lines nobody changed. Here the comments, key order, quoting,
blank lines, indentation and line endings of everything untouched are kept byte for byte.

An edit that cannot be made safely in place (a value shared through a YAML anchor, an entry in
flow style) is refused with the reason, for the caller to report; nothing is half-done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from witsync.exporting.emit import sequence_entry
from witsync.pulling.yamltree import CHILDREN, ITEMS, EditRefused, find, is_block, pairs
from witsync.pulling.yamlvalues import ValueEdits


class ManifestText(ValueEdits):
    """One manifest's text and its node tree; edits collect until `result()`."""

    def add_children(self, key: str, entries: Sequence[Mapping[str, Any]]) -> None:
        """Append `entries` to the nested `children:` of entry `key` (made if it has none)."""
        entry = self.entry(key)
        found = find(entry, CHILDREN)
        if not is_block(entry):
            raise EditRefused(f"{key!r} is written in flow style ({{...}}): add children by hand")
        if found is None:
            column = self._key_column(entry)
            lines = [" " * column + CHILDREN + ":"]
            lines += self._entry_lines(entries, column + self._sequence_offset())
            self._insert_lines(self._after_pair(*pairs(entry)[-1]), lines)
            return
        children_key, sequence = found
        if not isinstance(sequence, SequenceNode):
            raise EditRefused(f"the children of {key!r} are not a list")
        if not is_block(sequence):
            if sequence.value:
                raise EditRefused(f"the children of {key!r} are a flow list: add them by hand")
            lines = self._entry_lines(entries, self._key_column(entry) + self._sequence_offset())
            self._splice(
                self._colon_end(children_key),
                sequence.end_mark.index,
                self.newline + self._lines(lines).removesuffix(self.newline),
            )
            return
        dash = self._column(sequence.start_mark.index)
        lines = self._entry_lines(entries, dash, blank=self._blank_between(sequence))
        self._insert_lines(self._after(sequence), lines)

    def _entry_lines(
        self, entries: Sequence[Mapping[str, Any]], dash: int, *, blank: bool = False
    ) -> list[str]:
        """The lines of new list entries whose `-` stands at column `dash` (`blank`: each after
        a blank line)."""
        lines: list[str] = []
        for child in entries:
            if blank:
                lines.append("")
            lines.extend(sequence_entry(child, " " * dash))
        return lines

    def remove_references(self, key: str, names: Sequence[str], targets: Sequence[str]) -> int:
        """Take `targets` (keys, or ids as text) out of entry `key`'s link lists `names`
        (`related`...); a list left empty goes with its key. The number of items removed."""
        entry = self.entry(key)
        removed = 0
        wanted = set(targets)
        for name in names:
            found = find(entry, name)
            if found is None or not isinstance(found[1], SequenceNode):
                continue
            prop, sequence = found
            drop = [
                item
                for item in sequence.value
                if isinstance(item, ScalarNode) and str(item.value) in wanted
            ]
            if not drop:
                continue
            removed += len(drop)
            kept = [item for item in sequence.value if item not in drop]
            if not kept:
                start = self._line_start(prop.start_mark.index)
                self._remove(start, self._after_pair(prop, sequence))
            elif not is_block(sequence):
                text = (
                    "["
                    + ", ".join(
                        self.text[item.start_mark.index : item.end_mark.index] for item in kept
                    )
                    + "]"
                )
                self._splice(sequence.start_mark.index, sequence.end_mark.index, text)
            else:
                for item in drop:
                    self._remove(self._dash_line(item), self._after(item))
        return removed

    def remove_entry(self, key: str) -> None:
        """Remove entry `key` (with its nested children); see `remove_entries`."""
        self.remove_entries([key])

    def remove_entries(self, keys: Sequence[str]) -> None:
        """Remove these entries (with their nested children). A list they leave empty goes with
        its `children:` key (the top `items:` becomes `[]`); a removed entry takes the blank line
        that set it apart from its neighbours with it."""
        by_list: dict[int, list[str]] = {}
        for key in dict.fromkeys(keys):
            self.entry(key)
            sequence, _ = self.holder[key]
            by_list.setdefault(id(sequence), []).append(key)
        for group in by_list.values():
            sequence, pair = self.holder[group[0]]
            entries = [self.entries[key] for key in group]
            if not is_block(sequence) or any(not is_block(entry) for entry in entries):
                raise EditRefused(f"{group[0]!r} is written in flow style: remove it by hand")
            if len(entries) < len(sequence.value):
                for entry in entries:
                    self._remove_one(sequence, entry)
            elif pair is not None:
                self._remove(self._line_start(pair[0].start_mark.index), self._after(sequence))
            else:
                items = find(self.root, ITEMS)
                assert items is not None
                colon = self._colon_end(items[0])
                self._remove(colon, self._after(sequence), " []" + self.newline)

    def _remove_one(self, sequence: SequenceNode, entry: MappingNode) -> None:
        start, end = self._dash_line(entry), self._after(entry)
        if sequence.value[0] is not entry:
            while start > 0 and not self.text[self._line_start(start - 1) : start].strip():
                start = self._line_start(start - 1)
        else:
            while end < len(self.text) and not self.text[end : self._line_end(end)].strip():
                end = self._line_end(end)
        self._remove(start, end)
