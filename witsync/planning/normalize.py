"""Field values as Azure DevOps means them: one canonical, comparable form per wire type.

The server rewrites what it is sent: tags come back sorted and de-duplicated, identities as
objects, HTML through a sanitiser, numbers as floats, paths in the tree's own spelling. A plan
right after an apply must be empty, so the planner never compares raw values: it compares
`canonical(...)` of both sides. Canonical values are hashable (str, float, bool, frozenset,
tuples, datetime) so a whole item's managed fields can be compared with one `==`.

Markdown: a value for an `html` field that does not look like HTML is Markdown; it is rendered
with markdown-it-py (`to_html`) both before it is sent and before it is compared. A `markdown`
field (an `html` one that a 7.2 client writes natively, `markdown: native`) is sent as written and
compared as the HTML it renders to, and so is a value the board stores as Markdown (`MarkdownText`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Hashable, Iterable
from functools import lru_cache
from typing import cast

from witsync.htmlparsing import TolerantHTMLParser
from witsync.model import JSON, FieldInfo
from witsync.model import tag_list as tag_list  # re-exported beside join_tags
from witsync.model.markdown import MARKDOWN, MarkdownText
from witsync.model.markdown import looks_like_html as looks_like_html  # re-exported (exporting)
from witsync.planning.html import render_markdown

TAGS_FIELD = "System.Tags"
STATE_FIELD = "System.State"
REASON_FIELD = "System.Reason"

_NUMBER_TYPES = frozenset({"integer", "double", "picklistInteger", "picklistDouble"})
_EMAIL_IN_ANGLES = re.compile(r"<\s*([^<>\s]+@[^<>\s]+)\s*>\s*$")
_SPACE = re.compile(r"[\s\u00a0\u200b]+")
_BETWEEN_TAGS = re.compile(r">\s+<")
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_DROPPED_ELEMENTS = frozenset(
    {"script", "style", "iframe", "object", "embed", "form", "frame", "noscript"}
)
"""Elements a sanitiser removes with their content: what is left is what the board shows."""
_SAME_ELEMENT = {"b": "strong", "i": "em", "strike": "del", "s": "del"}
"""Spellings a sanitiser may swap for one another: they look the same on the board."""
_DROPPED_ATTRIBUTES = frozenset({"style", "srcdoc"})
_SCRIPT_URL = ("javascript:", "vbscript:")


def field_kind(ref: str, info: FieldInfo | None) -> str:
    """The comparison rule for a field: tags, state, identity, html, number, path, date, bool or
    text."""
    if ref == TAGS_FIELD:
        return "tags"
    if ref == STATE_FIELD:
        return "state"
    if info is None:
        return "text"
    if info.is_identity or info.type == "identity":
        return "identity"
    if info.type == "html":
        return "html"
    if info.type == MARKDOWN:
        return MARKDOWN
    if info.type in _NUMBER_TYPES:
        return "number"
    if info.type == "treePath":
        return "path"
    if info.type == "dateTime":
        return "date"
    if info.type == "boolean":
        return "bool"
    return "text"


def is_empty(value: JSON) -> bool:
    """The server omits an empty field: None, "", an empty tag list and blank text are all empty."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (tuple, list, frozenset, set)):
        return not value
    return False


def canonical(kind: str, value: JSON, *, as_stored: bool = False) -> Hashable:
    """A hashable form of `value` that is equal exactly when Azure DevOps means the same thing.

    `as_stored`: the value was read from the board, so an `html` value is HTML as it stands,
    never Markdown (a sanitiser may have left plain text, e.g. after dropping an `<iframe>`).
    """
    if is_empty(value):
        return None
    if kind == "tags":
        tags = canonical_tags(tag_list(value))
        return tags or None
    if kind == "identity":
        return identity_key(value)
    if kind in ("html", MARKDOWN):
        return canonical_html(_stored_html(value) if as_stored else to_html(value)) or None
    if kind == "number":
        return _number(value)
    if kind == "path":
        return str(value).strip().strip("\\").casefold()
    if kind == "state":
        return str(value).strip().casefold()  # stored in the process's spelling, "active" is Active
    if kind == "date":
        return _instant(value)
    if kind == "bool":
        return _boolean(value)
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    if isinstance(value, (bool, int, float)):
        return str(value)  # a text field stores what it is sent as text: 2 comes back as "2"
    return _freeze(value)


def quick_canonical(kind: str, value: JSON, *, as_stored: bool = False) -> Hashable:
    """Like `canonical`, but HTML is only squeezed (whitespace between tags dropped), not parsed.

    Equal quick forms imply equal canonical forms, so a planner compares these first and parses
    HTML only where they differ: an unchanged board costs no HTML parsing.
    """
    if kind in ("html", MARKDOWN) and not is_empty(value):
        html = _stored_html(value) if as_stored else to_html(value)
        return ("html-text", _BETWEEN_TAGS.sub("><", html).strip())
    return canonical(kind, value, as_stored=as_stored)


# ---------------------------------------------------------------------------------------------
# Tags


def canonical_tags(tags: Iterable[str]) -> frozenset[str]:
    return frozenset(tag.casefold() for tag in tags)


def join_tags(tags: Iterable[str]) -> str:
    """The wire form, sorted case-insensitively so the same set is always sent the same way."""
    return "; ".join(sorted(tag_list(tuple(tags)), key=lambda t: (t.casefold(), t)))


# ---------------------------------------------------------------------------------------------
# Identities


def identity_key(value: JSON) -> str | None:
    """The e-mail (else descriptor or display name) an identity value names, lower-cased.

    Accepts an IdentityRef object, `"Name <email>"`, a bare e-mail or a display name.
    """
    if value is None:
        return None
    if isinstance(value, dict):
        for key in ("uniqueName", "descriptor", "displayName"):
            found = value.get(key)
            if isinstance(found, str) and found.strip():
                return identity_key(found) if key != "descriptor" else found.strip().casefold()
        return None
    text = str(value).strip()
    if not text:
        return None
    match = _EMAIL_IN_ANGLES.search(text)
    if match:
        return match.group(1).casefold()
    return text.casefold()


def identity_display(value: JSON) -> str | None:
    """How to show an identity in a plan: `Name <email>` when both are known."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        name = value.get("displayName")
        unique = value.get("uniqueName")
        if name and unique and name != unique:
            return f"{name} <{unique}>"
        return str(unique or name or value.get("descriptor") or "")
    return str(value)


# ---------------------------------------------------------------------------------------------
# HTML and Markdown


def _stored_html(value: JSON) -> str:
    """A board's multi-line value as HTML: stored Markdown rendered, HTML as it stands."""
    return render_markdown(value) if isinstance(value, MarkdownText) else str(value)


def to_html(value: JSON) -> str:
    """What an `html` field is sent: HTML as written, anything else rendered from Markdown."""
    text = str(value)
    if looks_like_html(text):
        return text
    return render_markdown(text)


class _Canonicaliser(TolerantHTMLParser):
    """Builds a tree from (possibly sloppy) HTML and flattens it into comparable tokens."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: list[object] = []
        self.stack: list[tuple[str, list[object]]] = [("", self.root)]
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_ELEMENTS:
            if tag not in _VOID:  # a void element (<embed>) has no end tag to stop skipping
                self.skipping += 1
            return
        if self.skipping:
            return
        kept = tuple(
            sorted(
                (name, _SPACE.sub(" ", value or "").strip())
                for name, value in attrs
                if not name.startswith("on")
                and name not in _DROPPED_ATTRIBUTES
                and not (value or "").strip().lower().startswith(_SCRIPT_URL)
            )
        )
        children: list[object] = []
        self.stack[-1][1].append((_SAME_ELEMENT.get(tag, tag), kept, children))
        if tag not in _VOID:
            self.stack.append((_SAME_ELEMENT.get(tag, tag), children))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and tag not in _DROPPED_ELEMENTS and not self.skipping:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_ELEMENTS:
            if tag not in _VOID:
                self.skipping = max(0, self.skipping - 1)
            return
        if self.skipping or tag in _VOID:
            return
        # Close up to the matching open element; an end tag that matches nothing is dropped,
        # as browsers and sanitisers do.
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth][0] == _SAME_ELEMENT.get(tag, tag):
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.stack[-1][1].append(data)  # whitespace is settled per run, in _freeze_tree


def _freeze_tree(nodes: list[object]) -> tuple[Hashable, ...]:
    out: list[Hashable] = []
    run: list[str] = []

    def end_run() -> None:
        # Adjacent text (split by a dropped element, a comment or the parser) is one run, joined
        # as written: the sanitiser's output has the pieces side by side, "a<!-- -->b" is "ab".
        text = _SPACE.sub(" ", "".join(run)).strip()
        if text:
            out.append(text)
        run.clear()

    for node in nodes:
        if isinstance(node, str):
            run.append(node)
        else:
            end_run()
            element = cast("tuple[str, tuple[tuple[str, str], ...], list[object]]", node)
            out.append((element[0], element[1], _freeze_tree(element[2])))
    end_run()
    return tuple(out)


@lru_cache(maxsize=16384)
def canonical_html(html: str) -> tuple[Hashable, ...]:
    """Elements (lower-case names, `b` as `strong`..., sorted attributes; scripts, styles and
    handlers dropped) and text with whitespace collapsed; unclosed elements closed. Robust to a
    sanitiser's re-serialisation: what compares equal looks the same on the board."""
    parser = _Canonicaliser()
    parser.feed(html)
    parser.close()
    return _freeze_tree(parser.root)


# ---------------------------------------------------------------------------------------------
# Numbers, dates, booleans


def _number(value: JSON) -> Hashable:
    if isinstance(value, bool):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _instant(value: JSON) -> Hashable:
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        try:
            moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    # The board keeps milliseconds: finer digits in a manifest are not a difference.
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    return moment.astimezone(datetime.UTC)


def _boolean(value: JSON) -> Hashable:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes"}:
        return True
    if text in {"false", "0", "no"}:
        return False
    return text


def _freeze(value: JSON) -> Hashable:
    if isinstance(value, dict):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------------
# What to send and what to show


def wire_value(kind: str, value: JSON) -> JSON:
    """The value to put in a patch for a desired value (never None: clearing is the caller's op)."""
    if kind == "tags":
        return join_tags(tag_list(value))
    if kind == "html":
        return to_html(value)
    if kind == MARKDOWN:
        return str(value)  # as written, Markdown or HTML (the client says which, per write)
    if kind == "date" and isinstance(value, (datetime.date, datetime.datetime)):
        return _iso(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def display_value(kind: str, value: JSON) -> JSON:
    """A live or desired value as a plan shows it: JSON-safe, one form per kind."""
    if is_empty(value):
        return None
    if kind == "tags":
        return join_tags(tag_list(value))
    if kind == "identity":
        return identity_display(value)
    if kind == "date" and isinstance(value, (datetime.date, datetime.datetime)):
        return _iso(value)
    if kind == "number" and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _iso(value: datetime.date) -> str:
    if isinstance(value, datetime.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
        return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()
