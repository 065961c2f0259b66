"""Where output goes: the requested format to stdout, nothing else; progress and logs to stderr."""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console


def stdout_console(file: TextIO | None = None) -> Console:
    """For the requested output format only. Colour only on a terminal; rich honours NO_COLOR."""
    return Console(file=file or sys.stdout, soft_wrap=True, highlight=False)


def stderr_console(file: TextIO | None = None) -> Console:
    """For progress, logs, warnings and errors."""
    return Console(file=file or sys.stderr, soft_wrap=True, highlight=False)


def write_data(text: str, file: TextIO | None = None) -> None:
    """Machine-readable output (JSON, Markdown, plan text piped to a file): written verbatim."""
    out = file or sys.stdout
    out.write(text if text.endswith("\n") else text + "\n")
    out.flush()
