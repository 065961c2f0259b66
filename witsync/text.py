"""Text from a board or a file made safe to print: control characters and line breaks shown."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def shown(text: str) -> str:
    """`text` with control characters written out (`\\x1b`): a value typed on the board is
    printed in terminals and CI logs, where an escape sequence could hide or rewrite lines."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def one_line(text: str) -> str:
    """`shown(text)` with its line breaks written out too (`\\n`, `\\r`), for places that are
    one line: a heading, a name, a value, a message."""
    return shown(text.replace("\n", "\\n").replace("\r", "\\r"))
