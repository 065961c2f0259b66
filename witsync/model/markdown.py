"""Multi-line text stored as Markdown (Azure DevOps 7.2): the format's name, a live value's mark.

And the one test of which written values are HTML rather than Markdown: the planner renders a
value by it (planning/normalize.py), the 7.2 client labels a write's format by it
(ado/markdown.py), and these two may not import each other.
"""

from __future__ import annotations

import re

MARKDOWN = "markdown"
"""The format Azure DevOps 7.2 names (`multilineFieldsFormat`), and the field type witsync gives
a multi-line (`html`) field that it writes as Markdown (witsync.yaml `markdown: native`)."""


class MarkdownText(str):
    """A multi-line field's value as the board stores it when its format is Markdown: the text as
    written (ado/wire.py marks it). Plans compare it as the HTML it renders to
    (planning/normalize.py); an export writes it back as it is."""

    __slots__ = ()


_LOOKS_LIKE_HTML = re.compile(r"^\s*<(?:[a-zA-Z][a-zA-Z0-9-]*(?=[\s/>])|!--)[^>]*>", re.DOTALL)
"""An element or comment first; `<https://...>` and `<a@b.c>` are Markdown autolinks."""


def looks_like_html(text: str) -> bool:
    """Whether a multi-line value is written as HTML (it starts with an element or a comment);
    anything else is Markdown."""
    return bool(_LOOKS_LIKE_HTML.match(text))
