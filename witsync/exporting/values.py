"""Board values as a manifest writes them: e-mail, tags without witsync's, Markdown if clean.

Identities become e-mail addresses, `witsync:` tags are left out, HTML becomes Markdown when it
converts cleanly, whole numbers lose their `.0`, dates stay ISO text.

Every value made here reads back (through the loader and the planner's comparison) as what the
board holds, so an exported or pulled value never shows as a change in the next plan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from witsync.exporting.markdown import html_to_markdown
from witsync.marker import TAG_PREFIX
from witsync.model import JSON
from witsync.model.markdown import MARKDOWN, MarkdownText
from witsync.planning.normalize import (
    canonical,
    canonical_html,
    identity_key,
    is_empty,
    looks_like_html,
    tag_list,
    to_html,
)

YamlValue = str | int | float | bool | list[str] | None
"""A value as it goes into a manifest."""

_EMAIL_IN_ANGLES = re.compile(r"<\s*([^<>\s]+@[^<>\s]+)\s*>\s*$")
PLAIN_TEXT_MARK = "<!-- plain text -->"
"""Put before a stored description that has no HTML element, which a manifest would otherwise
read as Markdown (and so send as `<p>...</p>`); the board's sanitiser drops the comment."""


def yaml_value(kind: str, value: JSON) -> YamlValue:
    """The manifest form of a board value of the given kind (see `normalize.field_kind`)."""
    if is_empty(value):
        return None
    if kind == "identity":
        return identity_text(value)
    if kind == "tags":
        return people_tags(value)
    if isinstance(value, MarkdownText):  # stored as Markdown (7.2): written back as it is
        return str(value)
    if kind in ("html", MARKDOWN):
        return description_text(str(value))
    if kind == "number":
        return number(value)
    if kind == "bool":
        return value if isinstance(value, bool) else str(value)
    if isinstance(value, (str, int, float)):
        return value
    return str(value)


def identity_text(value: JSON) -> str | None:
    """The e-mail (unique name) of an identity; its display name when it has none."""
    if isinstance(value, Mapping):
        for key in ("uniqueName", "displayName", "descriptor"):
            found = value.get(key)
            if isinstance(found, str) and found.strip():
                return found.strip()
        return None
    text = str(value).strip()
    match = _EMAIL_IN_ANGLES.search(text)
    return match.group(1) if match else text or None


def people_tags(value: JSON) -> list[str]:
    """The tags people gave an item: every `witsync:` tag (any scope's) left out."""
    return [tag for tag in tag_list(value) if not tag.casefold().startswith(TAG_PREFIX)]


def description_text(html: str) -> str:
    """An HTML field's value for a manifest: Markdown when it renders back to the same HTML,
    else the HTML itself (marked as such when it has no element to show it)."""
    markdown = html_to_markdown(html)
    if markdown is not None:
        # Several lines end with a line break, so that the manifest shows a plain `|` block.
        return markdown + "\n" if "\n" in markdown else markdown
    if looks_like_html(html):
        return html  # a manifest sends HTML as it is written
    if canonical_html(to_html(html)) == canonical_html(html):
        return html
    return PLAIN_TEXT_MARK + html


def number(value: JSON) -> int | float | str:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        return str(value)
    return int(as_float) if as_float.is_integer() and abs(as_float) < 1e15 else as_float


def same_value(kind: str, written: Any, board: JSON) -> bool:
    """Whether a manifest's value and the board's mean the same, as the planner compares them
    (an identity also matches by display name, as the planner accepts)."""
    if kind == "tags":
        mine = {tag.casefold() for tag in tag_list(written)}
        theirs = {tag.casefold() for tag in people_tags(board)}
        return mine == theirs
    if kind == "identity":
        if is_empty(written) or is_empty(board):
            return is_empty(written) and is_empty(board)
        if identity_key(written) == identity_key(board):
            return True
        name = board.get("displayName") if isinstance(board, Mapping) else None
        return isinstance(name, str) and name.casefold() == str(written).strip().casefold()
    return bool(canonical(kind, written) == canonical(kind, board, as_stored=True))
