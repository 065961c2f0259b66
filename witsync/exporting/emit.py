"""YAML text as a person writes it: block style, two-space indents, quotes only where needed.

The manifests witsync writes (`export`, and the entries and values `pull` puts into existing
files) are text built here rather than dumped by a YAML library, for two reasons: the layout is
the project's own (a blank line between top-level items, short lists in flow style, Markdown as a
literal block), and it is fast (10,000 items in a fraction of a second). Every scalar is written
in a form that reads back as exactly the same value under the YAML 1.2 core schema (witsync's
loader, yaml-language-server) and is not mistaken by a YAML 1.1 reader either: text that could
pass for a number, a boolean, null or a date is quoted. tests/exporting/test_emit.py checks the
round trip on generated text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

INDENT = "  "
FLOW_WIDTH = 80
"""A list of scalars up to this wide (with its key) is written `[a, b]`, else one per line."""

_NOT_PLAIN_START = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_SAFE = re.compile(r"[^\W_][\w .\-/\\+()@=$^~]*")
"""Plain text in a flow list (`[a, b]`): word characters and a few harmless signs only, as
readers differ on the rest there (libyaml takes `a?]` for a mapping key)."""
_LOOKS_TYPED = re.compile(
    r"""
      ~ | null | Null | NULL
    | true | True | TRUE | false | False | FALSE
    | y | Y | yes | Yes | YES | n | N | no | No | NO | on | On | ON | off | Off | OFF
    | [-+]? \.? [0-9] [0-9a-fA-F_:.,eExXoO+-]*     # numbers in any base, sexagesimal, dates
    | [0-9]{4} - [0-9]{1,2} - [0-9]{1,2} (?: [Tt] | [\ \t]+ ) .*   # timestamps, time part and all
    | [-+]? \. (?: inf | Inf | INF | nan | NaN | NAN )
    | = | <<                                           # YAML 1.1's value and merge keys
    """,
    re.VERBOSE,
)
"""Plain text a YAML 1.2 or 1.1 reader may take for something other than a string."""


_UNPRINTABLE = re.compile(
    "[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\ufeff]"
)
"""Not safe to write as itself inside quotes or a block: outside YAML's printable set, or a
character a YAML 1.1 reader takes for a line break (U+0085, U+2028, U+2029), or the BOM."""
_UNPRINTABLE_IN_BLOCK = re.compile(
    "[^\t\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\ufeff]"
)


def _printable(char: str) -> bool:
    return not _UNPRINTABLE.match(char)


def plain_ok(text: str, *, flow: bool = False) -> bool:
    """Whether `text` can be written without quotes and read back as the same string."""
    if not text or text != text.strip(" ") or text[0] in _NOT_PLAIN_START:
        return False
    if _LOOKS_TYPED.fullmatch(text):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if flow and not _FLOW_SAFE.fullmatch(text):
        return False
    return not _UNPRINTABLE.search(text)


def single_quoted(text: str) -> str | None:
    """`'text'` with quotes doubled, or None when it holds a character quotes cannot show."""
    if _UNPRINTABLE.search(text):
        return None
    return "'" + text.replace("'", "''") + "'"


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def double_quoted(text: str) -> str:
    """`"text"` with escapes: always possible, on one line."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _printable(char):
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def literal_ok(text: str) -> bool:
    """Whether `text` can be a literal block (`|`) that reads back exactly: several lines, no
    leading space, no blank line made of spaces (a block cannot tell those from empty lines), at
    most one final line break, and nothing a block cannot hold."""
    if "\n" not in text.rstrip("\n") or text.endswith("\n\n") or text[0] in " \t\n":
        return False
    if _UNPRINTABLE_IN_BLOCK.search(text.replace("\n", " ")):
        return False
    return not any(line and not line.strip(" \t") for line in text.split("\n"))


def literal_block(text: str, indent: str) -> str:
    """`|` or `|-` and the lines of `text`, each indented by `indent` (see `literal_ok`)."""
    header = "|" if text.endswith("\n") else "|-"
    lines = text.removesuffix("\n").split("\n")
    return header + "".join(f"\n{indent}{line}" if line else "\n" for line in lines)


def scalar(value: Any, *, flow: bool = False, style: str | None = None) -> str:
    """One scalar on one line: plain when it reads back the same, else quoted. `style` (`'` or
    `"`) asks for that quoting, as a value that was quoted so keeps its quotes."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value)
    text = str(value)
    if style == '"':
        return double_quoted(text)
    if style == "'":
        quoted = single_quoted(text)
        return quoted if quoted is not None else double_quoted(text)
    if plain_ok(text, flow=flow):
        return text
    quoted = single_quoted(text)
    return quoted if quoted is not None else double_quoted(text)


def number_text(value: float) -> str:
    """A number as YAML writes it: whole numbers without a fraction, no exponent surprises."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    return text if "." in text or "e" in text else text + ".0"


def flow_list(values: Iterable[Any]) -> str:
    return "[" + ", ".join(scalar(value, flow=True) for value in values) + "]"


def value_lines(key: str, value: Any, indent: str) -> list[str]:
    """The lines of `key: value` at `indent`: a scalar, a literal block, a list or a mapping."""
    head = f"{indent}{scalar(key)}:"
    if isinstance(value, Mapping):
        if not value:
            return [head + " {}"]
        lines = [head]
        for name, inner in value.items():
            lines.extend(value_lines(str(name), inner, indent + INDENT))
        return lines
    if isinstance(value, (list, tuple)):
        if all(isinstance(item, Mapping) for item in value) and value:
            lines = [head]
            for entry in value:
                lines.extend(sequence_entry(entry, indent + INDENT))
            return lines
        flow = flow_list(value)
        if len(head) + 1 + len(flow) <= FLOW_WIDTH or not value:
            return [f"{head} {flow}"]
        return [head, *(f"{indent}{INDENT}- {scalar(item)}" for item in value)]
    if isinstance(value, str) and literal_ok(value):
        return (head + " " + literal_block(value, indent + INDENT)).split("\n")
    return [f"{head} {scalar(value)}"]


def sequence_entry(entry: Mapping[str, Any], indent: str) -> list[str]:
    """A mapping as one item of a block sequence: `- first: ...` then the rest aligned to it."""
    lines: list[str] = []
    inner = indent + INDENT
    for name, value in entry.items():
        lines.extend(value_lines(str(name), value, inner))
    if lines:
        lines[0] = indent + "- " + lines[0][len(inner) :]
    return lines


def document(header: Sequence[str], top: Mapping[str, Any], items_key: str | None = None) -> str:
    """A whole file: `# header` lines, then `top`; the entries of the list under `items_key`
    are set apart by blank lines, as people do with top-level items."""
    lines = [f"# {line}" if line else "#" for line in header]
    for name, value in top.items():
        if name == items_key and isinstance(value, (list, tuple)) and value:
            lines.append(f"{name}:")
            for index, entry in enumerate(value):
                if index:
                    lines.append("")
                lines.extend(sequence_entry(entry, INDENT))
        else:
            lines.extend(value_lines(name, value, ""))
    return "\n".join(lines) + "\n"
