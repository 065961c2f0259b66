"""Values as people read them on the pages: names, dates, tags, one-line text, cleaned rich text."""

from __future__ import annotations

import html
import re

import nh3
from markupsafe import Markup

from witsync.emulator.processes import lookup_field

RICH_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3",
        "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "ol", "p", "pre", "s", "span",
        "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
        "tr", "u", "ul",
    }
)  # fmt: skip
"""What a description may show; images are left out (they would be fetched from elsewhere)."""
_RICH_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_NAMED = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>]+)>\s*$")


def person(stored: object) -> str:
    """`Name <email>` as its name (the e-mail goes in a tooltip where the page shows one)."""
    if not isinstance(stored, str):
        return "" if stored is None else str(stored)
    match = _NAMED.match(stored)
    return match.group("name") or match.group("email") if match else stored


def email(stored: object) -> str:
    match = _NAMED.match(stored) if isinstance(stored, str) else None
    return match.group("email") if match else ""


def tags_of(value: object) -> list[str]:
    return [tag.strip() for tag in str(value or "").split(";") if tag.strip()]


def when(stamp: object) -> str:
    """`2026-11-20T09:15:00.000Z` → `2026-11-20 09:15 UTC`."""
    text = str(stamp or "")
    match = re.match(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)", text)
    return f"{match.group(1)} {match.group(2)} UTC" if match else text


def rich(value: object) -> Markup:
    """Stored rich text, cleaned to an allowlist (no script, style, event handler, image or
    unsafe URL), ready to be shown as HTML."""
    cleaned = nh3.clean(
        str(value or ""),
        tags=set(RICH_TAGS),
        attributes=_RICH_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)  # noqa: S704 - cleaned above by nh3 (ammonia) to an allowlist


def plain(value: object, ref: str = "") -> str:
    """A value in one line of text (rich text without its markup, a date as a date), for the
    history and the details."""
    if value is None:
        return ""
    fdef = lookup_field(ref) if ref else None
    if fdef is not None and fdef.type == "dateTime":
        return when(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if text.lstrip().startswith("<"):
        text = html.unescape(nh3.clean(text, tags=set()))
        text = re.sub(r"\s+", " ", text).strip()
    if isinstance(value, str) and _NAMED.match(text):
        return person(text)
    return text


def field_name(ref: str) -> str:
    fdef = lookup_field(ref)
    return fdef.name if fdef else ref


def is_rich(ref: str) -> bool:
    """Whether the field holds rich text (HTML)."""
    fdef = lookup_field(ref)
    return fdef is not None and fdef.type == "html"
