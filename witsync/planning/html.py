"""Markdown to HTML as markdown-it-py renders it, with a fast path for the simple subset.

markdown-it-py costs about half a millisecond per description; a plan over 10,000 items that
all have Markdown descriptions would spend seconds in it. Most descriptions use a small subset:
paragraphs, ATX headings, one-level bullet lists, `**strong**`, `*em*` and `` `code` ``. Text
in that subset is rendered here with a few regular expressions; anything else (or anything
this module is unsure of) goes to markdown-it. tests/planning/test_markdown.py checks the fast path
against markdown-it on generated text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")

_UNSURE_CHARS = re.compile(r"[\\_\[\]!<>&~|\x00-\x08\x0b-\x1f\x7f]")
"""Escapes, links, images, HTML, entities, strikethrough, tables, control characters."""
_BLOCK_START = re.compile(r"^(?:\s|[#>=]|[-+*](?:\s|$)|\d{1,9}[.)]|(?:[-*_]\s*){3,}$|-+\s*$)")
"""A line that may start (or end) a block other than a paragraph: indented code, heading,
quote, setext underline, list item, thematic break."""
_HEADING = re.compile(r"^(#{1,6}) (\S(?:.*\S)?)$")
_BULLET = re.compile(r"^([-*+]) (\S(?:.*\S)?)$")
_INLINE = re.compile(
    r"(?P<open>^|(?<= ))(?P<strong>\*\*)(?P<s>[A-Za-z0-9](?:[^*`\n]*[A-Za-z0-9])?)\*\*"
    r"|(?P<open2>^|(?<= ))\*(?P<e>[A-Za-z0-9](?:[^*`\n]*[A-Za-z0-9])?)\*"
    r"|`(?P<c>[^`\s](?:[^`\n]*[^`\s])?)`"
)
_AFTER_CLOSE = frozenset(" .,;:?)")


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """The HTML markdown-it-py (CommonMark, tables, strikethrough, raw HTML) makes of `text`."""
    fast = _fast(text)
    return fast if fast is not None else str(_MARKDOWN.render(text))


def _fast(text: str) -> str | None:
    if _UNSURE_CHARS.search(text) or "``" in text:
        return None
    out: list[str] = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = block.split("\n")
        # Blank means spaces and tabs only (CommonMark): a no-break space is text.
        while lines and not lines[0].strip(" \t"):
            lines.pop(0)
        while lines and not lines[-1].strip(" \t"):
            lines.pop()
        if not lines:
            continue
        html = _block(lines)
        if html is None or (html.startswith("<ul>") and out and out[-1].startswith("<ul>")):
            return None  # two lists a blank line apart may be one loose list
        out.append(html)
    return "".join(out)


def _block(lines: list[str]) -> str | None:
    heading = _HEADING.match(lines[0])
    if heading and len(lines) == 1:
        if heading.group(2).endswith("#"):
            return None  # a closing sequence: leave it to the parser
        inner = _inline(heading.group(2))
        level = len(heading.group(1))
        return None if inner is None else f"<h{level}>{inner}</h{level}>\n"
    bullets = [_BULLET.match(line) for line in lines]
    if all(bullets):
        items = []
        marker = bullets[0].group(1) if bullets[0] else ""
        for bullet in bullets:
            assert bullet is not None
            content = bullet.group(2)
            if bullet.group(1) != marker or _BLOCK_START.match(content):
                return None
            inner = _inline(content)
            if inner is None:
                return None
            items.append(f"<li>{inner}</li>\n")
        return "<ul>\n" + "".join(items) + "</ul>\n"
    if any(_BLOCK_START.match(line) or line != line.rstrip() for line in lines):
        return None
    inner = _inline("\n".join(lines))
    return None if inner is None else f"<p>{inner}</p>\n"


def _inline(text: str) -> str | None:
    parts: list[str] = []
    position = 0
    for match in _INLINE.finditer(text):
        end = match.end()
        if match.group("c") is None and end < len(text) and text[end] not in _AFTER_CLOSE:
            return None
        parts.append(_escape(text[position : match.start()]))
        if match.group("s") is not None:
            parts.append(f"<strong>{_escape(match.group('s'))}</strong>")
        elif match.group("e") is not None:
            parts.append(f"<em>{_escape(match.group('e'))}</em>")
        else:
            parts.append(f"<code>{_escape(match.group('c'))}</code>")
        position = end
    parts.append(_escape(text[position:]))
    rendered = "".join(parts)
    # A `*` or backtick left outside a recognised span may mean something subtler: ask the parser.
    if any(c in "*`" for c in _without_spans(text)):
        return None
    return rendered


def _without_spans(text: str) -> str:
    return _INLINE.sub("", text)


def _escape(text: str) -> str:
    return text.replace('"', "&quot;")
