"""A fast path for the plain block YAML most manifests are, with libyaml's values and positions.

Building values from libyaml's events costs about 1.5 µs per value in Python objects alone (a
100,000-item set is two million events). Most manifests use a small part of YAML: `key: value`
lines, `- ` entries, one-line `[a, b]` lists and `|` texts. This reads exactly that part, line
by line, and gives up (None) on anything else: then `yamlbuild` reads the file from libyaml's
events as always. So it never decides a question of YAML itself: it accepts only lines whose
meaning is unambiguous (no quoted texts, anchors, tags, flow mappings, folded or multi-line
plain texts, tabs, duplicate keys...), makes the same values and the same
(line, column) marks, and tests compare both paths on whatever it accepts.
"""

from __future__ import annotations

import re

from witsync.loading.yamlbuild import MAX_DEPTH, NOT_TEXT_WORDS, YamlMap, YamlSeq, resolve_plain

_OUTSIDE = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
"""A character outside the fast path: control characters and tabs, the line breaks YAML knows
besides \\n (\\r, NEL, LS, PS), a BOM or a non-character."""
_KEY_LINE = re.compile(r"( *)(- )?([A-Za-z_][A-Za-z0-9_.-]*):(?: (.*))?")
"""`key:` or `key: rest`, possibly a `- ` entry's first key; a key is a plain name."""
_ENTRY_LINE = re.compile(r"( *)- (.*)")
_SKIPPED = re.compile(r" *(?:#.*)?")
"""A blank line, or a comment alone on its line."""
_PLAIN = re.compile(r"(?:[A-Za-z0-9_.+(/\\~\x80-\U0010ffff]|-(?=[0-9]))[^:#\[\]{}\t]*(?<! )")
"""A plain text that means itself in a block: it starts with no indicator, holds no ':' or '#'
(no `key: value` or comment inside), no brackets, and ends with no space."""
_FLOW_ITEM = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_./\\ -]*[A-Za-z0-9_./\\-])?")
"""An entry of a one-line `[a, b]` list: no flow indicator, quote or space at either end."""
_FLOW_LIST = re.compile(rf"\[(?:{_FLOW_ITEM.pattern}(?:, {_FLOW_ITEM.pattern})*)?\]")


def parse_simple(text: str) -> YamlMap | None:
    """The document's top-level mapping, as `yamlbuild.Builder` would build it; None when the
    text uses anything beyond plain block mappings, lists, `[a, b]` and `|` (or has a problem
    that libyaml's reading must report)."""
    if not text.endswith("\n") or _OUTSIDE.search(text) is not None:
        return None
    lines = text.split("\n")
    last = len(lines) - 1  # the empty string after the final line break
    root: YamlMap | None = None
    stack: list[tuple[int, YamlMap | YamlSeq]] = []  # open containers and their indentation
    top: YamlMap | YamlSeq = YamlMap((0, 0))  # stack[-1], and its indentation
    top_indent = -1
    pending: tuple[YamlMap, str, int] | None = None  # a `key:` whose block follows, its indent
    key_line, entry_line = _KEY_LINE.match, _ENTRY_LINE.match
    skipped, plain = _SKIPPED.fullmatch, _PLAIN.fullmatch
    index = 0
    while index < last:
        line = lines[index]
        number = index + 1
        index += 1
        match = key_line(line)
        if match is not None and match.end() == len(line):
            spaces, dash, key, rest = match.groups()
        elif (entry := entry_line(line)) is not None:
            spaces, dash, key, rest = entry.group(1), "- ", None, entry.group(2)
        elif skipped(line) is not None:
            continue
        else:
            return None
        if rest is not None and "#" in rest:  # a '#' after a space starts a comment
            cut = rest.find(" #")
            if rest[0] == "#":
                rest = None
            elif cut >= 0:
                rest = rest[:cut].rstrip(" ") or None
        indent = len(spaces)
        if indent == top_indent and pending is None:
            pass  # the common case: the next line of the open mapping or list
        elif pending is not None:  # the first line of the block under `key:`
            owner, owner_key, owner_indent = pending
            pending = None
            if indent <= owner_indent:
                return None  # `key:` with nothing under it (null), or a list at its indentation
            start = (number, indent + 1)
            top = YamlSeq(start) if dash else YamlMap(start)
            top_indent = indent
            owner[owner_key] = top
            owner.value_marks[owner_key] = start
            stack.append((indent, top))
            if len(stack) > MAX_DEPTH:
                return None
        elif root is None:
            if indent or dash:
                return None
            root = top = YamlMap((number, 1))
            top_indent = 0
            stack.append((0, root))
        else:
            while stack and stack[-1][0] > indent:
                stack.pop()
            if not stack or stack[-1][0] != indent:
                return None
            top_indent, top = stack[-1]
        container = top
        if dash:
            if type(container) is not YamlSeq:
                return None
            if key is None:  # `- text`
                if rest is None or plain(rest) is None:
                    return None
                container.append(resolve_plain(rest))
                container.item_marks.append((number, indent + 3))
                continue
            top = YamlMap((number, indent + 3))
            container.append(top)
            container.item_marks.append(top.mark)
            indent = top_indent = indent + 2
            stack.append((indent, top))
            if len(stack) > MAX_DEPTH:
                return None
            container = top
        elif type(container) is not YamlMap or key is None:
            return None
        if key in container or key in NOT_TEXT_WORDS:
            return None  # a duplicate key is reported, and `null:` or `true:` is read, by libyaml
        key_column = indent + 1
        container.key_marks[key] = (number, key_column)
        if rest is None:
            pending = (container, key, indent)
            continue
        column = key_column + len(key) + 2
        if rest == "|":
            value, index = _literal(lines, index, last, indent)
            if value is None:
                return None
            container[key] = value
        elif rest[:1] == "[":
            listed = _flow_list(rest, number, column)
            if listed is None:
                return None
            container[key] = listed
        elif plain(rest) is not None:
            container[key] = resolve_plain(rest)
        else:
            return None
        container.value_marks[key] = (number, column)
    if pending is not None:
        return None
    return root


def _literal(lines: list[str], index: int, last: int, indent: int) -> tuple[str | None, int]:
    """A `|` text whose lines start at `index`, under a key at `indent`, and the index after it;
    None for any but the plainest (no blank line in it, each line at least as indented as the
    first, which is more indented than the key)."""
    if index >= last:
        return None, index
    first = lines[index]
    content = len(first) - len(first.lstrip(" "))
    if content <= indent or content == len(first):
        return None, index
    taken = []
    while index < last:
        line = lines[index]
        if line[:content].strip(" "):  # less indented: the text has ended
            break
        if not line:  # ends the text when no more of it follows (`|` keeps one line break)
            after = index
            while after < last and not lines[after]:
                after += 1
            if after < last and not lines[after][:content].strip(" "):
                return None, index  # a blank line inside the text
            break
        if not line[content:].strip(" "):
            return None, index  # a line of spaces only: libyaml reads what they keep
        taken.append(line[content:])
        index += 1
    return "\n".join(taken) + "\n", index


def _flow_list(rest: str, number: int, column: int) -> YamlSeq | None:
    """`[a, b]` on one line (column: where '[' is), or None for any other flow text."""
    if _FLOW_LIST.fullmatch(rest) is None:
        return None
    listed = YamlSeq((number, column))
    inner = rest[1:-1]
    if not inner:
        return listed
    offset = column + 1
    marks = listed.item_marks
    for part in inner.split(", "):
        listed.append(resolve_plain(part))
        marks.append((number, offset))
        offset += len(part) + 2
    return listed
