"""HTML from the board as Markdown, for the common subset; None when it would not be the same.

An HTML description turns into Markdown only when the Markdown renders back to HTML that Azure
DevOps means the same way (witsync.planning.normalize.canonical): that is what the planner will
compare, so an exported description never shows as a change. Paragraphs, headings, lists (nested
too), emphasis, code, code blocks, links, quotes and rules convert; anything else (a `<div>`, a
table, an image, inline styles) leaves the description as HTML, which is just as valid in a
manifest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from witsync.htmlparsing import TolerantHTMLParser
from witsync.planning.normalize import canonical_html, looks_like_html, to_html


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str]
    children: list[_Element | str] = field(default_factory=list)


class _TreeBuilder(TolerantHTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("", {})
        self.stack = [self.root]
        self.broken = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = _Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in ("br", "hr"):
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "hr"):
            return
        if self.stack[-1].tag != tag:
            self.broken = True  # sloppy nesting: leave such HTML alone
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)

    def handle_comment(self, data: str) -> None:
        self.broken = True


class _NotMarkdown(Exception):
    """The HTML uses something this converter does not write as Markdown."""


_BLANK = re.compile(r"^\s*$")
_SPACES = re.compile(r"[ \t\r\n]+")
_INLINE_ESCAPE = re.compile(r"([\\`*_\[\]<>|~!&])")
_LINE_START = re.compile(r"^(\s*)(\d+)?([#+\-=>.)])")
_SAFE_URL = re.compile(r"^[^\s()<>]+$")
_OTHER_TAG = re.compile(
    r"<(?!/?(?:p|h[1-6]|ul|ol|li|strong|em|code|del|pre|a|br|hr|blockquote)[\s/>])[A-Za-z!/]"
)
"""An element this converter never writes (a `<div>`, a table, a comment): no need to parse."""
_BETWEEN_TAGS = re.compile(r">\s+<")


def html_to_markdown(html: str) -> str | None:
    """Markdown that renders to what `html` means, or None when there is none this can write."""
    if not looks_like_html(html) or _OTHER_TAG.search(html):
        return None
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    if builder.broken or len(builder.stack) != 1:
        return None
    try:
        markdown = _blocks(builder.root.children, "")
    except _NotMarkdown:
        return None
    if not markdown.strip() or looks_like_html(markdown):
        return None
    rendered = to_html(markdown)
    if _squeezed(rendered) == _squeezed(html):
        return markdown  # the same text but for whitespace between tags: the same meaning
    if canonical_html(rendered) != canonical_html(html):
        return None
    return markdown


def _squeezed(html: str) -> str:
    return _BETWEEN_TAGS.sub("><", html).strip()


def _blocks(nodes: list[_Element | str], prefix: str) -> str:
    """Block elements, separated by blank lines; `prefix` starts every line (quotes, lists)."""
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            if _BLANK.match(node):
                continue
            raise _NotMarkdown  # text outside a block would become a paragraph
        parts.append(_block(node, prefix))
    return ("\n" + prefix.rstrip() + "\n").join(parts)


def _block(element: _Element, prefix: str) -> str:
    tag = element.tag
    if element.attrs and tag not in ("ol", "pre"):
        raise _NotMarkdown
    if tag == "p":
        return prefix + _inline(element.children).replace("\n", "\n" + prefix)
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        text = _inline(element.children)
        if "\n" in text:
            raise _NotMarkdown
        return prefix + "#" * int(tag[1]) + " " + text
    if tag in ("ul", "ol"):
        return _list(element, prefix)
    if tag == "blockquote":
        return _blocks(element.children, prefix + "> ")
    if tag == "hr":
        return prefix + "---"
    if tag == "pre":
        return _code_block(element, prefix)
    raise _NotMarkdown


def _list(element: _Element, prefix: str) -> str:
    start = element.attrs.get("start", "1")
    if set(element.attrs) - {"start"} or not start.isdigit():
        raise _NotMarkdown
    lines = []
    number = int(start)
    for child in element.children:
        if isinstance(child, str):
            if _BLANK.match(child):
                continue
            raise _NotMarkdown
        if child.tag != "li" or child.attrs:
            raise _NotMarkdown
        marker = f"{number}. " if element.tag == "ol" else "- "
        number += 1
        inline: list[_Element | str] = []
        nested: list[_Element] = []
        for part in child.children:
            if isinstance(part, _Element) and part.tag in ("ul", "ol"):
                nested.append(part)
            elif nested:
                if isinstance(part, str) and _BLANK.match(part):
                    continue
                raise _NotMarkdown  # text after a nested list: a loose item
            else:
                inline.append(part)
        text = _inline(inline)
        if not text or "\n" in text:
            raise _NotMarkdown
        lines.append(prefix + marker + text)
        inner = prefix + " " * len(marker)
        lines.extend(_list(sub, inner) for sub in nested)
    if not lines:
        raise _NotMarkdown
    return "\n".join(lines)


def _code_block(element: _Element, prefix: str) -> str:
    children = [c for c in element.children if not (isinstance(c, str) and not c)]
    if element.attrs or len(children) != 1 or not isinstance(children[0], _Element):
        raise _NotMarkdown
    code = children[0]
    language = code.attrs.get("class", "")
    if code.tag != "code" or set(code.attrs) - {"class"}:
        raise _NotMarkdown
    if language and not re.fullmatch(r"language-[A-Za-z0-9_+-]+", language):
        raise _NotMarkdown
    if not all(isinstance(c, str) for c in code.children):
        raise _NotMarkdown
    text = "".join(str(c) for c in code.children)
    if "```" in text or not text.endswith("\n"):
        raise _NotMarkdown
    fence = "```" + language.removeprefix("language-")
    body = "".join(prefix + line + "\n" for line in text[:-1].split("\n"))
    return prefix + fence + "\n" + body + prefix + "```"


def _inline(nodes: list[_Element | str]) -> str:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(_escape(_SPACES.sub(" ", node)))
            continue
        tag = node.tag
        if tag == "br" and not node.attrs:
            out.append("\\\n")
            continue
        if tag in ("strong", "em", "code", "del") and node.attrs:
            raise _NotMarkdown
        if tag == "strong":
            out.append("**" + _inline(node.children) + "**")
        elif tag == "em":
            out.append("*" + _inline(node.children) + "*")
        elif tag == "del":
            out.append("~~" + _inline(node.children) + "~~")
        elif tag == "code":
            text = "".join(c if isinstance(c, str) else "\0" for c in node.children)
            if "\0" in text or "`" in text or not text.strip() or "\n" in text:
                raise _NotMarkdown
            out.append("`" + text + "`")
        elif tag == "a" and set(node.attrs) == {"href"}:
            href = node.attrs["href"]
            if not _SAFE_URL.match(href):
                raise _NotMarkdown
            out.append("[" + _inline(node.children) + "](" + href + ")")
        else:
            raise _NotMarkdown
    text = "".join(out).strip(" ")
    # A line that starts like a heading, list item or quote must not become one.
    return "\n".join(_LINE_START.sub(_escape_start, line) for line in text.split("\n"))


def _escape_start(match: re.Match[str]) -> str:
    indent, digits, mark = match.groups()
    if digits is None and mark in ".)":
        return match.group(0)
    return indent + (digits or "") + "\\" + mark


def _escape(text: str) -> str:
    return _INLINE_ESCAPE.sub(r"\\\1", text)
