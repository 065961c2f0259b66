"""Rich text as a reader sees it: HTML values turned into plain text, and word-level diffs.

A description is stored as HTML (`<p>Remind customers <strong>before</strong> ...</p>`); a
reviewer wants to read the words that change, not the markup. `html_text` keeps what a browser
would show (paragraphs and list items on their own lines, entities decoded, scripts and styles
dropped, a link's address after its text), and `word_diff` compares two texts word by word.
Both are pure and take only strings.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

from witsync.htmlparsing import TolerantHTMLParser
from witsync.model.markdown import looks_like_html

_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol",
        "p", "pre", "section", "table", "tbody", "thead", "tfoot", "tr", "ul",
    }
)  # fmt: skip
_PARAGRAPHS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dl", "figure", "footer", "h1", "h2",
        "h3", "h4", "h5", "h6", "header", "hr", "p", "pre", "section", "table",
    }
)  # fmt: skip
"""Blocks a browser sets apart with space: a blank line between two of them in the text. A list
follows its paragraph on the next line; list items, table rows and divisions are one line each."""
_HIDDEN = frozenset({"script", "style", "template", "head", "title", "iframe", "object"})
_TOKEN = re.compile(r"\s+|\w+\s*|[^\w\s]+\s*")
"""Words (and runs of punctuation) with the spaces after them: a change of several words in a
row is then one run, not words and spaces interleaved."""
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
MAX_TOKENS = 6_000
"""Above this many words and spaces on either side, the diff is the whole before, then the
whole after (difflib's matching is quadratic in the worst case)."""


def html_text(html: str) -> str:
    """The text a browser shows for `html`: one line per block, list items bulleted."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(parser.out).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def readable(value: object) -> str:
    """A field value as text for reading and diffing: HTML as its text, anything else as is."""
    if value is None:
        return ""
    text = str(value)
    return html_text(text) if looks_like_html(text) else text


class _Text(TolerantHTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hidden = 0
        self.pre = 0
        self.links: list[str | None] = []
        self.lists: list[list[int]] = []
        """Per open list: [next number] for <ol>, [] for <ul>."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
            return
        if self.hidden:
            return
        if tag == "br":
            self.out.append("\n")
        elif tag in _BLOCKS:
            # a blank line before a paragraph that follows text or another paragraph
            self._line(blank=tag in _PARAGRAPHS)
        if tag in ("ul", "ol"):
            self.lists.append([1] if tag == "ol" else [])
        if tag == "pre":
            self.pre += 1
        if tag == "li":
            numbering = self.lists[-1] if self.lists else []
            if numbering:
                self.out.append(f"{numbering[0]}. ")
                numbering[0] += 1
            else:
                self.out.append("• ")
        elif tag in ("td", "th"):
            self.out.append(" | ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            self.out.append(f"[image: {alt}]" if alt else "[image]")
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
            return
        if self.hidden:
            return
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()

        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag == "a" and self.links:
            href = self.links.pop()
            if href and href.startswith(("http://", "https://", "mailto:")):
                self.out.append(f" ({href})")
        if tag in _BLOCKS:
            self._line()

    def _line(self, *, blank: bool = False) -> None:
        """Start a new line unless one was just started (a block inside a block); `blank`: and
        leave a blank line (unless there is one, or nothing is written yet)."""
        if not self.out:
            return
        if not self.out[-1].endswith("\n"):
            self.out.append("\n")
        if blank and not "".join(self.out[-2:]).endswith("\n\n"):
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.pre:
            self.out.append(data)
            return
        text = re.sub(r"\s*\n\s*", " ", data)
        if not text.strip() and (not self.out or self.out[-1].endswith("\n")):
            return  # the spacing between blocks (`</li>\n<li>`), which a browser never shows
        self.out.append(text)


Kind = Literal["same", "del", "ins"]


@dataclass(frozen=True)
class Segment:
    kind: Kind
    text: str


def word_diff(before: str, after: str, *, context: int = 80) -> tuple[Segment, ...]:
    """`before` → `after` as runs of kept, deleted and inserted text, compared word by word.

    A kept run longer than a few lines is shortened to its first and last `context` characters
    around an ellipsis, so a one-word change in a long description stays easy to find.
    """
    old, new = _TOKEN.findall(before), _TOKEN.findall(after)
    if len(old) > MAX_TOKENS or len(new) > MAX_TOKENS:
        segments = [Segment("del", before), Segment("ins", after)]
    else:
        segments = []
        # Words compare without the spaces after them ("one" ends the text, "one\n" a line);
        # kept runs are written as the new text spaces them: what the board will show.
        keys = [_key(token) for token in old], [_key(token) for token in new]
        matcher = difflib.SequenceMatcher(None, *keys, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                segments.append(Segment("same", "".join(new[j1:j2])))
                continue
            if i2 > i1:
                # Deleted words keep the break before them when the kept text has none there
                # ("one" then the deleted line "• two", not "one• two").
                lead = old[i1 - 1][len(old[i1 - 1].rstrip()) :] if i1 else ""
                if not segments or segments[-1].text[-1:].isspace():
                    lead = ""
                segments.append(Segment("del", lead + "".join(old[i1:i2])))
            if j2 > j1:
                segments.append(Segment("ins", "".join(new[j1:j2])))
    return tuple(_shorten(_merge(segments), context))


def _key(token: str) -> str:
    return token.rstrip() or ("\n" if "\n" in token else " ")


def _merge(segments: list[Segment]) -> list[Segment]:
    """Adjacent runs of one kind as one run."""
    merged: list[Segment] = []
    for segment in segments:
        if not segment.text:
            continue
        if merged and merged[-1].kind == segment.kind:
            merged[-1] = Segment(segment.kind, merged[-1].text + segment.text)
        else:
            merged.append(segment)
    return merged


def _shorten(segments: list[Segment], context: int) -> list[Segment]:
    out = []
    for index, segment in enumerate(segments):
        text = segment.text
        if segment.kind == "same" and len(text) > 3 * context:
            head = text[:context] if index > 0 else ""
            tail = text[-context:] if index < len(segments) - 1 else ""
            text = f"{head}…{tail}"
        out.append(Segment(segment.kind, text))
    return out
