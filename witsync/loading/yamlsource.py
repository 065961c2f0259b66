"""Safe, bounded YAML parsing into plain dicts and lists that remember where each value was written.

libyaml's C parser (ruamel.yaml's, from ruamel.yaml.clib) turns the text into events, each with
its line and column; `yamlbuild` builds the values itself from those events instead of using a
YAML constructor (`yamlfast` reads the plainest files, most manifests, to the same values
without the events, and leaves everything else to libyaml), so:

- only plain data is made (str, int, float, bool, None, dict, list): no tag can construct an object;
- scalars resolve by the YAML 1.2 core schema (as yaml-language-server reads them): `on`, `no`
  and `2026-01-15` stay text;
- every mapping key and value, and every sequence item, keeps its position (`YamlMap.key_marks`,
  `YamlMap.value_marks`, `YamlSeq.item_marks`) at no extra parse;
- duplicate keys, undefined aliases, over-deep nesting and alias bombs are errors, found fast and
  in bounded memory (an alias shares its node; expansion is counted, never performed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError

from witsync.errors import Diagnostic
from witsync.loading.yamlbuild import Builder, Mark, Stop, YamlMap, YamlSeq, mark_location
from witsync.loading.yamlfast import parse_simple
from witsync.model import Location

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_SET_BYTES",
    "MEGABYTE",
    "Mark",
    "Parsed",
    "YamlMap",
    "YamlSeq",
    "mark_location",
    "parse_yaml",
    "read_text",
    "too_large",
]

MEGABYTE = 1024 * 1024
MAX_FILE_BYTES = 20 * MEGABYTE
MAX_SET_BYTES = 32 * MEGABYTE
"""All the files of a set together, checked before any is read (witsync.yaml `maxSetSizeMB`
raises it). Loading holds about 20 MB of memory and takes about 0.25 s per MB of plain YAML
(0.4 s when a file needs libyaml's events; see `yamlfast`): 100,000 typical items (the
project's target) are 18 MB, so 32 MB leaves 75% room above that, and one file at
`MAX_FILE_BYTES` fits, while a runaway set is refused before it costs a gigabyte."""


@dataclass(frozen=True)
class Parsed:
    """One YAML file: its single document (None when empty) and any problems found."""

    file: str
    root: Any
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


def too_large(size: int, file: str) -> Diagnostic:
    """The error for a file of `size` bytes, over `MAX_FILE_BYTES`."""
    return Diagnostic(
        "error",
        f"file is {size / 1024 / 1024:.1f} MB; the limit for one manifest is "
        f"{MAX_FILE_BYTES // 1024 // 1024} MB",
        Location(file, 1, 1),
        "split the items over several files",
    )


def read_text(data: bytes, file: str) -> tuple[str | None, Diagnostic | None]:
    """Decode UTF-8 (a BOM is allowed); say where the first bad byte is when it is not UTF-8."""
    if len(data) > MAX_FILE_BYTES:
        return None, too_large(len(data), file)
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, Diagnostic(
            "error",
            f"not UTF-8 text (byte 0x{data[error.start]:02x})",
            Location(file, line, column),
            "save the file as UTF-8",
        )


def parse_yaml(text: str, file: str) -> Parsed:
    """Parse one YAML document safely; never raises for bad input."""
    simple = parse_simple(text)  # most manifests: the same values, without libyaml's events
    if simple is not None:
        return Parsed(file, simple, ())
    builder = Builder(file)
    try:
        root = builder.build(text)
    except Stop as stop:
        return Parsed(file, None, (*builder.diagnostics, stop.diagnostic))
    except MarkedYAMLError as error:
        return Parsed(file, None, (*builder.diagnostics, _syntax_diagnostic(error, text, file)))
    except YAMLError as error:  # ReaderError: a character YAML does not allow
        return Parsed(file, None, (*builder.diagnostics, _reader_diagnostic(error, text, file)))
    return Parsed(file, root, tuple(builder.diagnostics))


def _syntax_diagnostic(error: Any, text: str, file: str) -> Diagnostic:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = str(error.problem or error.context or "invalid YAML")
    if context := error.context:
        problem = f"{problem} ({context}"
        if error.context_mark and error.context_mark is not mark:
            problem += f" at line {error.context_mark.line + 1}"
        problem += ")"
    lines = text.splitlines()
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    indent = source_line[: len(source_line) - len(source_line.lstrip(" \t"))]
    if "\t" in indent:
        return Diagnostic(
            "error",
            "tab character in indentation: YAML indents with spaces only",
            Location(file, line, indent.index("\t") + 1),
            "replace the tabs with spaces (set your editor to insert spaces for YAML)",
        )
    return Diagnostic(
        "error",
        f"invalid YAML: {problem}",
        Location(file, line, column),
        "check the indentation and quoting just before this place",
    )


def _reader_diagnostic(error: Any, text: str, file: str) -> Diagnostic:
    position = getattr(error, "position", 0) or 0
    before = text[:position]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1) + 1
    character = getattr(error, "character", None)  # an int from libyaml, a str from pure Python
    code = ord(character) if isinstance(character, str) else character
    what = f" #x{code:04x}" if isinstance(code, int) else ""
    return Diagnostic(
        "error",
        f"invalid YAML: unacceptable character{what}",
        Location(file, line, column),
        "remove control characters from the file",
    )
