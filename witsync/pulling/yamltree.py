"""A manifest's round-trip node tree over its text: entries by key, where values sit, its style.

ruamel.yaml's round-trip mode reads the file (`compose`: the node tree with the exact position
of every key and value). The editors (yamlvalues, yamledit) splice the text at these positions;
this module only reads: which entry has a key, where an entry or the file's `defaults:` states
a field, where a node's text ends, and how the file indents and spaces what it already holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

ITEMS = "items"
CHILDREN = "children"
DEFAULTS = "defaults"
FIELDS = "fields"

_ALIAS_AFTER_COLON = re.compile(r"[ \t]*:[ \t]*(\*[^\s,\[\]{}]+)")


class EditRefused(Exception):
    """An edit that cannot be made in place; the message says why (for a person)."""


Pair = tuple[ScalarNode, Node]


def pairs(mapping: MappingNode) -> list[Pair]:
    return [(key, value) for key, value in mapping.value if isinstance(key, ScalarNode)]


def find(mapping: MappingNode, name: str, *, fold: bool = False) -> Pair | None:
    for key, value in pairs(mapping):
        if key.tag == "tag:yaml.org,2002:merge":
            continue
        if key.value == name or (fold and str(key.value).casefold() == name.casefold()):
            return key, value
    return None


def is_block(node: Node) -> bool:
    return not getattr(node, "flow_style", False)


def is_empty(node: Node) -> bool:
    """`key:` with nothing after it (a null written as nothing)."""
    return isinstance(node, ScalarNode) and node.value == "" and node.style is None


class ManifestTree:
    """One manifest's text and its node tree, read once: the editors' map of the text."""

    def __init__(self, text: str, name: str = "<manifest>") -> None:
        self.name = name
        self.bom = text.startswith("\ufeff")
        self.text = text[1:] if self.bom else text
        self.newline = "\r\n" if "\r\n" in self.text else "\n"
        root = YAML(typ="rt").compose(self.text)
        if not isinstance(root, MappingNode):
            raise EditRefused(f"{name} is not a manifest (no mapping at the top)")
        self.root = root
        self.entries: dict[str, MappingNode] = {}
        self.holder: dict[str, tuple[SequenceNode, Pair | None]] = {}
        """For each key: the sequence its entry is in, and the `children:` pair holding it (None
        at the top level)."""
        self._uses: dict[int, int] = {}
        self._flow_spans: list[tuple[int, int]] | None = None
        self._step: int | None = None
        self._count_uses(root)
        items = find(root, ITEMS)
        if items is not None and isinstance(items[1], SequenceNode):
            self._walk(items[1], None)
        found = find(root, DEFAULTS)
        self.defaults = found[1] if found and isinstance(found[1], MappingNode) else None

    # -- reading ----------------------------------------------------------------------------

    def _count_uses(self, node: Node) -> None:
        self._uses[id(node)] = self._uses.get(id(node), 0) + 1
        if self._uses[id(node)] > 1:
            return  # an alias: its content was counted where the anchor is
        if isinstance(node, MappingNode):
            for key, value in node.value:
                self._count_uses(key)
                self._count_uses(value)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                self._count_uses(item)

    def _walk(self, sequence: SequenceNode, pair: Pair | None) -> None:
        for entry in sequence.value:
            if not isinstance(entry, MappingNode):
                continue
            key = find(entry, "key")
            if key is None or not isinstance(key[1], ScalarNode):
                continue
            self.entries.setdefault(str(key[1].value), entry)
            self.holder.setdefault(str(key[1].value), (sequence, pair))
            children = find(entry, CHILDREN)
            if children is not None and isinstance(children[1], SequenceNode):
                self._walk(children[1], children)

    def shared(self, node: Node) -> bool:
        """Whether other values use `node` through aliases of its anchor."""
        return self._uses.get(id(node), 0) > 1

    def entry(self, key: str) -> MappingNode:
        found = self.entries.get(key)
        if found is None:
            raise EditRefused(f"no entry with key {key!r} in {self.name}")
        return found

    def where(self, key: str, name: str, *, reference: str | None = None) -> str | None:
        """Where entry `key` states a field: "item" (its own mapping, or its `fields:`),
        "defaults" (the file's), or None (not here, e.g. through a `<<` merge)."""
        if self._slot(self.entry(key), name, reference) is not None:
            return "item"
        if self.defaults is not None and self._slot(self.defaults, name, reference) is not None:
            return "defaults"
        return None

    def _slot(self, mapping: MappingNode, name: str, reference: str | None) -> Pair | None:
        found = find(mapping, name)
        if found is not None:
            return found
        fields = find(mapping, FIELDS)
        if reference is not None and fields is not None and isinstance(fields[1], MappingNode):
            return find(fields[1], reference, fold=True)
        return None

    # -- positions ----------------------------------------------------------------------------

    def _line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def _line_end(self, index: int) -> int:
        """The position just after the line break of the line holding `index` (or the end)."""
        found = self.text.find("\n", index)
        return len(self.text) if found < 0 else found + 1

    def _line_break(self, index: int) -> int:
        """Where the line holding `index` ends: at its line break (before a `\\r\\n`)."""
        found = self.text.find("\n", index)
        if found < 0:
            return len(self.text)
        return found - 1 if found > index and self.text[found - 1] == "\r" else found

    def _column(self, index: int) -> int:
        return index - self._line_start(index)

    def _key_column(self, mapping: MappingNode) -> int:
        """The column of a block mapping's keys (its first one's)."""
        return self._column(pairs(mapping)[0][0].start_mark.index)

    def _colon_end(self, key: ScalarNode) -> int:
        """Just after the `:` that follows `key`."""
        return self.text.index(":", key.end_mark.index) + 1

    def _dash_line(self, node: Node) -> int:
        """The start of the line with the `-` that introduces a block list's item `node`."""
        return self._line_start(self.text.rindex("-", 0, node.start_mark.index))

    def _alias_span(self, key: ScalarNode) -> tuple[int, int] | None:
        match = _ALIAS_AFTER_COLON.match(self.text, key.end_mark.index)
        return (match.start(1), match.end(1)) if match else None

    def _is_alias(self, key: ScalarNode, value: Node) -> bool:
        return bool(value.start_mark.index < key.end_mark.index)

    def _content_end(self, node: Node) -> int:
        """Just after the last character that belongs to `node` (trailing blank lines and
        comments are not part of it; a `|+` block's final line breaks are)."""
        if isinstance(node, ScalarNode):
            if node.style in ("|", ">"):
                header = self.text[node.start_mark.index : self._line_end(node.start_mark.index)]
                if "+" in header.split("#", 1)[0]:
                    return int(node.end_mark.index)
                body = self.text[node.start_mark.index : node.end_mark.index]
                return int(node.start_mark.index) + len(body.rstrip())
            return int(node.end_mark.index)
        if not is_block(node) or not node.value:
            return int(node.end_mark.index)
        last = node.value[-1]
        if isinstance(node, MappingNode):
            return self._pair_end(*last)
        return self._content_end(last)

    def _pair_end(self, key: ScalarNode, value: Node) -> int:
        """Just after the last character of a `key: value` pair of a block mapping."""
        if self._is_alias(key, value):
            span = self._alias_span(key)
            return span[1] if span else int(key.end_mark.index)
        if is_empty(value):
            return int(key.end_mark.index) + 1  # `key:` with nothing after it
        return self._content_end(value)

    def _line_after(self, end: int) -> int:
        """Where a new line can start after the text that ends at `end`."""
        if end > 0 and self.text[end - 1] == "\n":
            return end
        return self._line_end(end)

    def _after(self, node: Node) -> int:
        """Where a new line can start right after `node`."""
        return self._line_after(self._content_end(node))

    def _after_pair(self, key: ScalarNode, value: Node) -> int:
        return self._line_after(self._pair_end(key, value))

    # -- the file's style ---------------------------------------------------------------------

    def _in_flow(self, index: int) -> bool:
        """Whether `index` lies inside a flow collection (`{...}` or `[...]`)."""
        if self._flow_spans is None:
            self._flow_spans = [
                (int(node.start_mark.index), int(node.end_mark.index))
                for node in self._collections()
                if not is_block(node)
            ]
        return any(start < index < end for start, end in self._flow_spans)

    def _collections(self) -> Iterator[Node]:
        seen: set[int] = set()
        stack: list[Node] = [self.root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, MappingNode):
                yield node
                for key, value in node.value:
                    stack.extend((key, value))
            elif isinstance(node, SequenceNode):
                yield node
                stack.extend(node.value)

    def _block_step(self) -> int:
        """How far this file indents a block's content past its key (2 unless it shows more)."""
        if self._step is None:
            self._step = 2
            for step in self._block_steps():
                self._step = step
                break
        return self._step

    def _block_steps(self) -> Iterator[int]:
        for node in self._collections():
            if not isinstance(node, MappingNode) or not is_block(node):
                continue
            for key, value in pairs(node):
                if not (isinstance(value, ScalarNode) and value.style in ("|", ">")):
                    continue
                lines = self.text[value.start_mark.index : value.end_mark.index].split("\n")
                body = next((line for line in lines[1:] if line.strip()), None)
                if body is not None:
                    step = len(body) - len(body.lstrip(" ")) - self._column(key.start_mark.index)
                    if step > 0:
                        yield step

    def _sequence_offset(self) -> int:
        """How far this file puts a list's `-` past its key (`items:` then `  - key: ...`)."""
        items = find(self.root, ITEMS)
        sequence = items[1] if items is not None else None
        if isinstance(sequence, SequenceNode) and is_block(sequence) and sequence.value:
            assert items is not None
            offset = self._column(sequence.start_mark.index) - self._column(
                items[0].start_mark.index
            )
            return offset if offset >= 0 else 2
        return 2

    def _blank_between(self, sequence: SequenceNode) -> bool:
        """Whether the entries of a block list are set apart by blank lines."""
        if len(sequence.value) < 2:
            items = find(self.root, ITEMS)
            other = items[1] if items else None
            if isinstance(other, SequenceNode) and other is not sequence and len(other.value) > 1:
                return self._blank_between(other)
            return False
        gap = self.text[
            self._after(sequence.value[0]) : self._line_start(sequence.value[1].start_mark.index)
        ]
        return any(not line.strip() for line in gap.split("\n")[:-1])
