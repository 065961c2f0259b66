"""Builds plain values from libyaml's parser events: core-schema scalars, positions, bounds.

The values are made here rather than by a YAML constructor, so only plain data can come out (no
tag constructs an object), every key, value and item keeps where it was written, and nesting
depth and alias expansion are bounded while the events stream by (an alias shares its node; its
expansion is counted, never performed). An explicit stack, not recursion: no depth crash.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ruamel.yaml import events as ev
from ruamel.yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]  # re-exported C type

from witsync.errors import Diagnostic
from witsync.model import Location

Mark = tuple[int, int]
"""1-based (line, column)."""


def mark_location(file: str, mark: Mark) -> Location:
    """Where `mark` is in `file`, as diagnostics say it."""
    return Location(file, mark[0], mark[1])


MAX_DEPTH = 100
"""Nesting of mappings and sequences; a backlog nested ten deep uses about 22."""
MAX_ALIAS_EXPANSION = 100_000
ALIAS_FACTOR = 10
"""Aliases may make a document as large as `MAX_ALIAS_EXPANSION` values plus `ALIAS_FACTOR`
times the values written: merge keys and anchors in 10,000 items fit easily, a billion-laughs
document (a hundred values that expand to a billion) does not. Work stays linear in the input."""

STR_TAG = "tag:yaml.org,2002:str"
_SAFE_TAGS = {
    STR_TAG,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "!",
}

_NULL = re.compile(r"~|null|Null|NULL")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_SPECIAL_FLOAT = {
    ".inf": float("inf"), ".Inf": float("inf"), ".INF": float("inf"),
    "+.inf": float("inf"), "+.Inf": float("inf"), "+.INF": float("inf"),
    "-.inf": float("-inf"), "-.Inf": float("-inf"), "-.INF": float("-inf"),
    ".nan": float("nan"), ".NaN": float("nan"), ".NAN": float("nan"),
}  # fmt: skip
_MAYBE_NOT_TEXT = frozenset("0123456789+-.~ntfNTF")
_WORD_STARTS = frozenset("ntfNTF")
_WORDS: dict[str, bool | None] = {"null": None, "Null": None, "NULL": None, **_BOOL}
"""The plain scalars starting with a letter that are not text: nulls and booleans."""
NOT_TEXT_WORDS = frozenset(_WORDS)
_MAX_NUMBER_TEXT = 64
"""Longer digit strings stay text: Python refuses to parse huge ints, and no field wants one."""


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector. Loading makes hundreds of thousands of containers and
    no reference cycles; the collector would rescan the growing heap over and over (a third of
    the time of a 10,000-item load). Reference counting still frees everything as usual."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class YamlMap(dict[str, Any]):
    """A YAML mapping: a dict whose keys and values remember their positions."""

    __slots__ = ("key_marks", "mark", "value_marks")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.key_marks: dict[str, Mark] = {}
        self.value_marks: dict[str, Mark] = {}


class YamlSeq(list[Any]):
    """A YAML sequence: a list whose items remember their positions."""

    __slots__ = ("item_marks", "mark")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.item_marks: list[Mark] = []


class Stop(Exception):
    """Parsing cannot go on; carries the diagnostic that says why."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class _Frame:
    __slots__ = ("anchor", "container", "depth", "key", "key_mark", "merge_next", "merges", "size")

    def __init__(self, container: YamlMap | YamlSeq, anchor: str | None, depth: int) -> None:
        self.container = container
        self.anchor = anchor
        self.depth = depth
        self.size = 1
        self.key: str | None = None
        self.key_mark: Mark = (0, 0)
        self.merge_next = False
        self.merges: list[tuple[Any, Mark]] = []


class Builder:
    """Builds values from parser events with an explicit stack (no recursion, so no depth crash)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.diagnostics: list[Diagnostic] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.events = 0

    def error(self, message: str, mark: Mark, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic("error", message, self.location(mark), hint))

    def location(self, mark: Mark) -> Location:
        return mark_location(self.file, mark)

    def build(self, text: str) -> Any:
        """The document's value (None when empty); raises `Stop`, or ruamel's YAMLError for text
        that is not YAML. Problems that do not stop it are in `diagnostics`."""
        parser = _Parser(text)
        try:
            with no_cyclic_gc():
                return self._run(parser.get_event)
        finally:
            parser.dispose()

    def _run(self, get_event: Callable[[], Any]) -> Any:
        # The hot loop of loading (a 100,000-item set is about two million events): the common
        # cases are inlined and attributes read once, so keep it lean.
        stack: list[_Frame] = []
        root: Any = None
        documents = 0
        scalar_event = ev.ScalarEvent
        stream_end = ev.StreamEndEvent
        mapping_start, sequence_start = ev.MappingStartEvent, ev.SequenceStartEvent
        mapping_end, sequence_end = ev.MappingEndEvent, ev.SequenceEndEvent
        resolve = _resolve_plain
        maybe_not_text, word_starts, words = _MAYBE_NOT_TEXT, _WORD_STARTS, _WORDS
        events = 0
        while True:
            event = get_event()
            kind = type(event)
            if kind is stream_end:
                break
            events += 1
            start = event.start_mark
            mark = (start.line + 1, start.column + 1)
            if kind is scalar_event:
                # `ctag`, not the `tag` property: the same None for an untagged scalar, no call.
                plain = not event.style and event.ctag is None
                if plain:
                    text = event.value
                    if not text:
                        value = None
                    elif (first := text[0]) not in maybe_not_text:
                        value = text  # most keys and texts: `_resolve_plain` says text
                    elif first in word_starts:
                        value = words.get(text, text)
                    else:
                        value = resolve(text)
                else:
                    value = self._scalar(event, mark)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, 1)
                if not stack:
                    root = value
                    continue
                frame = stack[-1]
                key = frame.key
                mapping = frame.container
                if key is not None and type(mapping) is YamlMap and key not in mapping:
                    # The common case, inlined: a scalar value for a new key of a mapping.
                    frame.size += 1
                    frame.key = None
                    mapping[key] = value
                    mapping.key_marks[key] = frame.key_mark
                    mapping.value_marks[key] = mark
                elif (
                    key is None
                    and type(mapping) is YamlMap
                    and type(value) is str
                    and value != "<<"
                    and not frame.merge_next
                ):
                    # The other common case, inlined: a text key (`_attach` does the rest).
                    frame.key = value
                    frame.key_mark = mark
                else:
                    merge = plain and value == "<<"
                    self._attach(frame, value, 1, mark, plain_merge=merge)
            elif kind is mapping_start or kind is sequence_start:
                if event.ctag is not None:
                    self._check_tag(event.tag, mark)
                depth = len(stack) + 1
                if depth > MAX_DEPTH:
                    raise Stop(
                        Diagnostic(
                            "error",
                            f"nested more than {MAX_DEPTH} levels deep",
                            self.location(mark),
                            "flatten the structure: give deep children `parent:` instead",
                        )
                    )
                container = YamlMap(mark) if kind is mapping_start else YamlSeq(mark)
                stack.append(_Frame(container, event.anchor, depth))
            elif kind is mapping_end or kind is sequence_end:
                frame = stack.pop()
                if frame.merges:
                    self._merge(frame)
                self.events = events
                limit = MAX_ALIAS_EXPANSION + ALIAS_FACTOR * events
                if frame.size > limit:
                    raise Stop(
                        Diagnostic(
                            "error",
                            f"aliases expand this document to {frame.size:,} values or more "
                            f"(the limit here is {limit:,}: {MAX_ALIAS_EXPANSION:,} plus "
                            f"{ALIAS_FACTOR} per value written)",
                            self.location(frame.container.mark),
                            "use fewer or smaller anchors and aliases",
                        )
                    )
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (frame.container, frame.size)
                if not stack:
                    root = frame.container
                    continue
                parent = stack[-1]
                container = frame.container
                if type(parent.container) is YamlSeq:
                    # The common case, inlined: an item of a list (`_attach` does the rest).
                    parent.size += frame.size
                    parent.container.append(container)
                    parent.container.item_marks.append(container.mark)
                else:
                    self._attach(parent, container, frame.size, container.mark)
            elif kind is ev.AliasEvent:
                self.events = events
                if event.anchor not in self.anchors:
                    raise Stop(
                        Diagnostic(
                            "error",
                            f"alias *{event.anchor} refers to no anchor defined before it",
                            self.location(mark),
                            f"define &{event.anchor} earlier in the file",
                        )
                    )
                value, size = self.anchors[event.anchor]
                if stack:
                    self._attach(stack[-1], value, size, mark, alias=True)
                else:
                    root = value
            elif kind is ev.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise Stop(
                        Diagnostic(
                            "error",
                            "more than one YAML document in this file",
                            self.location(mark),
                            "keep one document per file: remove the '---' line or split the file",
                        )
                    )
        self.events = events
        return root

    def _scalar(self, event: Any, mark: Mark) -> Any:
        text: str = event.value
        tag = event.tag
        if tag is not None and tag != "!":
            self._check_tag(tag, mark)
            if tag == STR_TAG:
                return text
            value = _resolve_plain(text)
            expected = tag.rsplit(":", 1)[-1]
            if expected == "float" and type(value) is int:
                return float(value)
            if _core_type_name(value) != expected:
                self.error(f"'{text}' is not a valid !!{expected}", mark)
            return value
        if event.style or tag == "!":  # quoted or block scalars are always text
            return text
        return _resolve_plain(text)

    def _check_tag(self, tag: str | None, mark: Mark) -> None:
        if tag is not None and tag not in _SAFE_TAGS:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise Stop(
                Diagnostic(
                    "error",
                    f"unsupported YAML tag {shown}",
                    self.location(mark),
                    "manifests hold text, numbers, booleans, lists and mappings: remove the tag",
                )
            )

    def _attach(
        self,
        frame: _Frame,
        value: Any,
        size: int,
        mark: Mark,
        *,
        plain_merge: bool = False,
        alias: bool = False,
    ) -> None:
        frame.size += size
        container = frame.container
        if isinstance(container, YamlSeq):
            container.append(value)
            container.item_marks.append(mark)
            return
        if frame.merge_next:
            frame.merge_next = False
            frame.merges.append((value, mark))
            return
        if frame.key is None:
            if isinstance(value, YamlMap | YamlSeq) or alias:
                raise Stop(
                    Diagnostic(
                        "error",
                        "a mapping key must be plain text, not a list, mapping or alias",
                        self.location(mark),
                    )
                )
            if plain_merge:
                frame.merge_next = True
            else:
                frame.key = _key_text(value)
                frame.key_mark = mark
            return
        key, key_mark = frame.key, frame.key_mark
        frame.key = None
        if key in container:
            first = container.key_marks[key]
            self.error(
                f"duplicate key '{key}' (first at line {first[0]}, column {first[1]})",
                key_mark,
                "remove one of them: YAML keeps only one value per key",
            )
            return
        container[key] = value
        container.key_marks[key] = key_mark
        container.value_marks[key] = mark

    def _merge(self, frame: _Frame) -> None:
        """Apply `<<` merge keys: explicit keys win, then earlier merged mappings."""
        container = frame.container
        assert isinstance(container, YamlMap)
        sources: list[YamlMap] = []
        for value, mark in frame.merges:
            items = value if isinstance(value, YamlSeq) else [value]
            for source in items:
                if not isinstance(source, YamlMap):
                    self.error("a merge key '<<' takes a mapping or a list of mappings", mark)
                    continue
                sources.append(source)
        for source in sources:
            for key, value in source.items():
                if key not in container:
                    container[key] = value
                    container.key_marks[key] = source.key_marks[key]
                    container.value_marks[key] = source.value_marks[key]
                    frame.size += 1


def _key_text(value: Any) -> str:
    """Mapping keys are names: keep what was written (`1`, `true`, `null` become their text)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _resolve_plain(text: str) -> Any:
    """YAML 1.2 core schema for a plain scalar."""
    if not text:
        return None
    first = text[0]
    if first not in _MAYBE_NOT_TEXT or len(text) > _MAX_NUMBER_TEXT:
        return text
    if first in _WORD_STARTS:  # `title`, `tags`, `type`...: no number starts with a letter
        return _WORDS.get(text, text)
    if _NULL.fullmatch(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.fullmatch(text):
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    return _SPECIAL_FLOAT.get(text, text)


resolve_plain = _resolve_plain
"""The same, for `yamlfast`, which reads the plainest files without libyaml's events."""


def _core_type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "str"
