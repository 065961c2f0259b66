"""Field value normalisation as the server does it: identities, tags, dates, sanitised HTML."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import escape
from html.parser import HTMLParser

EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
NAMED = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>]+)>\s*$")


Clock = Callable[[], datetime]
"""The server's time source (tests give the emulator a frozen one)."""

ONE_MS = timedelta(milliseconds=1)


def system_clock() -> datetime:
    return datetime.now(UTC)


def now_stamp(clock: Clock = system_clock) -> str:
    """Server time as stored: ISO-8601 UTC with milliseconds."""
    return format_date(clock())


def revision_stamp(now: str, previous: object) -> str:
    """The date of an item's new revision: `now`, or 1 ms after its previous ChangedDate when the
    clock has not moved past it (two saves in one millisecond, a clock stepped back).

    The service keeps ChangedDate strictly increasing per item (it refuses a bypassRules write
    that is not: VS402625 "Dates must be increasing with each revision"), and every update in an
    item's history carries System.ChangedDate. What it does itself when two saves fall in the same
    clock tick is not documented; moving the later one forward keeps both promises.
    """
    before = parse_date(previous) if isinstance(previous, str) else None
    if before is None or now > before:  # both in the stored form: string order is time order
        return now
    return format_date(datetime.fromisoformat(before.replace("Z", "+00:00")) + ONE_MS)


def format_date(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_date(value: str) -> str | None:
    """Any ISO-8601 date or date-time (naive = UTC) as the stored form, None if unreadable."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_date(moment)


def wire_date(stored: str) -> str:
    """Stored date as the service writes it: fraction trimmed of trailing zeros (`.57Z`, `Z`)."""
    head, _, fraction = stored.rstrip("Z").partition(".")
    fraction = fraction.rstrip("0")
    return f"{head}.{fraction}Z" if fraction else f"{head}Z"


def display_name_from_email(email: str) -> str:
    local = email.split("@", 1)[0]
    words = [w for w in re.split(r"[._\-+]+", local) if w]
    return " ".join(w[:1].upper() + w[1:] for w in words) or email


def parse_identity(value: str) -> tuple[str, str] | None:
    """`"Name <email>"` or an e-mail as (display name, email); None if it is neither."""
    match = NAMED.match(value)
    if match and EMAIL.match(match["email"].strip()):
        email = match["email"].strip()
        return (match["name"] or display_name_from_email(email), email)
    text = value.strip()
    if EMAIL.match(text):
        return (display_name_from_email(text), text)
    return None


def identity_parts(stored: str) -> tuple[str, str]:
    parsed = parse_identity(stored)
    return parsed if parsed else (stored, stored)


def split_tags(value: str) -> list[str]:
    return [t.strip() for t in re.split(r"[;,]", value) if t.strip()]


def join_tags(tags: list[str]) -> str:
    """Unique case-insensitively (first spelling kept), sorted, joined with `; `."""
    seen: dict[str, str] = {}
    for tag in tags:
        seen.setdefault(tag.lower(), tag)
    return "; ".join(sorted(seen.values(), key=lambda t: (t.lower(), t)))


VOID = frozenset(
    {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "form", "frame"})
RENAMED = {"b": "strong", "i": "em"}


class _Sanitiser(HTMLParser):
    """Rebuilds HTML: no scripts, styles or event handlers, `<b>`/`<i>` as `<strong>`/`<em>`,
    attributes double-quoted, void elements without a closing slash."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED_WITH_CONTENT:
            if tag not in VOID:
                self.skipping += 1
            return
        if self.skipping:
            return
        kept = []
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "srcdoc"}:
                continue
            if value and value.strip().lower().startswith(("javascript:", "vbscript:")):
                continue
            kept.append(f' {name}="{escape(value or "", quote=True)}"')
        self.out.append(f"<{RENAMED.get(tag, tag)}{''.join(kept)}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and tag not in DROPPED_WITH_CONTENT and not self.skipping:
            self.out.append(f"</{RENAMED.get(tag, tag)}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED_WITH_CONTENT:
            if tag not in VOID:
                self.skipping = max(0, self.skipping - 1)
            return
        if not self.skipping and tag not in VOID:
            self.out.append(f"</{RENAMED.get(tag, tag)}>")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(escape(data, quote=False))

    def handle_comment(self, data: str) -> None:
        """Comments are dropped, as a sanitiser does."""

    def parse_html_declaration(self, i: int) -> int:
        # `<![` not followed by a name is a bogus comment to browsers; CPython before 3.13 raises
        # AssertionError there. (witsync.htmlparsing does the same for the client side: the
        # emulator imports nothing outside witsync.emulator.)
        rawdata = self.rawdata
        after = i + 3
        if rawdata.startswith("<![", i) and after < len(rawdata) and not rawdata[after].isalpha():
            end = rawdata.find(">", after)
            if end < 0:
                return -1
            return end + 1  # dropped, as comments are
        return super().parse_html_declaration(i)


def sanitise_html(value: str) -> str:
    parser = _Sanitiser()
    parser.feed(value)
    parser.close()
    return "".join(parser.out)
