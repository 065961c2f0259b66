"""A manifest's values changed where they are written, or added to an entry, in the file's style.

A changed value keeps its own style where it can: a quoted value stays quoted, a flow list stays
a flow list, a literal block stays a block, and a comment after it stays. A value shared through
a YAML anchor is refused: changing it would change the others too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from witsync.exporting.emit import flow_list, literal_block, literal_ok, scalar, value_lines
from witsync.pulling.yamlsplice import SplicedText
from witsync.pulling.yamltree import (
    CHILDREN,
    FIELDS,
    EditRefused,
    Pair,
    find,
    is_block,
    is_empty,
    pairs,
)

_ANCHOR = re.compile(r"&[^\s,\[\]{}]+[ \t]*")


class ValueEdits(SplicedText):
    """A manifest whose field values are changed or added in place."""

    def set_value(self, key: str, name: str, value: Any, *, reference: str | None = None) -> None:
        """Change the value entry `key` states for a field (by its friendly `name`, or under
        `fields:` by `reference`) where it is written."""
        found = self._slot(self.entry(key), name, reference)
        if found is None:
            raise EditRefused(f"{key!r} does not state {name} in {self.name}")
        self._replace(found, value)

    def set_default(self, name: str, value: Any, *, reference: str | None = None) -> None:
        """Change a value of the file's `defaults:` where it is written."""
        found = self._slot(self.defaults, name, reference) if self.defaults else None
        if found is None:
            raise EditRefused(f"{self.name} has no default for {name}")
        self._replace(found, value)

    def _replace(self, pair: Pair, value: Any) -> None:
        key, node = pair
        column = self._column(key.start_mark.index)
        if self._is_alias(key, node):
            span = self._alias_span(key)
            if span is None:
                raise EditRefused(f"{key.value} at line {key.start_mark.line + 1} is an alias")
            self._splice(span[0], span[1], self._inline(value, node, column))
            return
        start = int(node.start_mark.index)
        anchor = getattr(node, "anchor", None)
        if anchor:
            if self.shared(node):
                raise EditRefused(
                    f"{key.value} at line {key.start_mark.line + 1} is an anchor (&{anchor}) that "
                    "other values use: change it by hand"
                )
            match = _ANCHOR.match(self.text, start)
            start = match.end() if match else start
        if is_empty(node):
            # `key:` with no value: the null node sits at the next token; write after the colon.
            colon = self._colon_end(key)
            end = self._line_break(colon)
            rest = self.text[colon:end]
            comment = "  " + rest.strip() if rest.strip().startswith("#") else ""
            new = self._new_value(value, node, column, colon, comment=comment)
            self._splice(colon, end if comment or new.startswith("|") else colon, " " + new)
            return
        if isinstance(node, SequenceNode) and is_block(node):
            self._replace_block_list(key, node, value, column)
            return
        if isinstance(node, ScalarNode) and node.style in ("|", ">"):
            # A block runs to its last line: replace through that line's break; the header's
            # comment (`| # note`) goes with the new value.
            header = self.text[start : self._line_break(start)]
            comment = "  #" + header.split("#", 1)[1] if "#" in header else ""
            end = self._after(node)
            ending = self.newline if self.text[start:end].endswith("\n") else ""
            new = self._new_value(value, node, column, start, comment=comment)
            self._splice(start, end, new + ending)
            return
        end = int(node.end_mark.index)
        new = self._new_value(value, node, column, start)
        if new.startswith("|"):
            # A block value runs over the next lines: the line's comment moves to its header.
            line_end = self._line_break(end)
            rest = self.text[end:line_end]
            if rest.strip() and not rest.strip().startswith("#"):
                raise EditRefused(
                    f"cannot write a block value for {key.value} at line {key.start_mark.line + 1}"
                )
            comment = "  " + rest.strip() if rest.strip() else ""
            new = self._new_value(value, node, column, start, comment=comment)
            self._splice(start, line_end, new)
            return
        self._splice(start, end, new)

    def _new_value(self, value: Any, old: Node, column: int, at: int, *, comment: str = "") -> str:
        """The text of a new value after `key: ` (a literal block runs over several lines)."""
        if isinstance(value, str) and literal_ok(value) and not self._in_flow(at):
            indent = " " * (column + self._block_step())
            block = literal_block(value, indent)
            header, _, body = block.partition("\n")
            return header + comment + ("\n" + body if body else "").replace("\n", self.newline)
        return self._inline(value, old, column) + comment

    def _inline(self, value: Any, old: Node, column: int) -> str:
        flow = self._in_flow(old.start_mark.index)
        if isinstance(value, list):
            if isinstance(old, ScalarNode) and old.value != "":
                return scalar("; ".join(str(v) for v in value), flow=flow, style=_quote(old))
            return flow_list(value)
        return scalar(value, flow=flow, style=_quote(old) if isinstance(old, ScalarNode) else None)

    def _replace_block_list(
        self, key: ScalarNode, node: SequenceNode, value: Any, column: int
    ) -> None:
        first = node.value[0] if node.value else None
        end = self._after(node)
        if not isinstance(value, list) or not value:
            # `key:` and its comment stay; the value goes on that line, the items away
            colon = self._colon_end(key)
            inline = self._inline(value if value else [], node, column)
            self._splice(colon, colon, " " + inline)
            self._splice(self._line_end(colon), end, "")
            return
        dash = self._line_start(node.start_mark.index) if first is not None else end
        indent = " " * self._column(node.start_mark.index)
        lines = [f"{indent}- {scalar(item)}" for item in value]
        self._splice(dash, end, self._lines(lines))

    def add_value(self, key: str, name: str, value: Any, *, reference: str | None = None) -> None:
        """Write a field on entry `key` that it does not state itself: by its friendly `name`,
        or under `fields:` when `reference` is given and there is no friendly name."""
        entry = self.entry(key)
        if reference is not None and not name:
            fields = find(entry, FIELDS)
            if fields is not None and isinstance(fields[1], MappingNode):
                self._insert_pair(fields[1], reference, value)
                return
            self._insert_pair(entry, FIELDS, {reference: value})
            return
        self._insert_pair(entry, name, value)

    def _insert_pair(self, mapping: MappingNode, name: str, value: Any) -> None:
        """A new `name: value` after the mapping's last pair (but before its `children:`)."""
        written = pairs(mapping)
        if not is_block(mapping):
            if isinstance(value, Mapping) or (isinstance(value, str) and "\n" in value):
                raise EditRefused(f"cannot add {name} to a flow-style mapping in {self.name}")
            close = self.text.rindex("}", 0, mapping.end_mark.index)
            text = f"{scalar(name, flow=True)}: {_flow_scalar(value)}"
            self._splice(close, close, (", " if written else "") + text)
            return
        anchor = [pair for pair in written if pair[0].value != CHILDREN] or written
        at = self._after_pair(*anchor[-1])
        self._insert_lines(at, value_lines(name, value, " " * self._key_column(mapping)))


def _quote(node: ScalarNode) -> str | None:
    return node.style if node.style in ("'", '"') else None


def _flow_scalar(value: Any) -> str:
    if isinstance(value, list):
        return flow_list(value)
    return scalar(value, flow=True)
