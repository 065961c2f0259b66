"""An item's field changes in the HTML plan: values, word diffs, tag changes, who last set them."""

from __future__ import annotations

import re

from witsync.fields import REFERENCE_TO_FRIENDLY, RICH_TEXT_FIELDS, display_name
from witsync.model import Action, FieldChange, FieldEdit, LinkChange
from witsync.model.markdown import looks_like_html
from witsync.rendering.html_markup import Emit
from witsync.rendering.html_markup import escape as _e
from witsync.rendering.origin import HEADINGS, edit_text, origin_of
from witsync.rendering.richtext import Segment, readable, word_diff
from witsync.text import shown

TITLE_FIELD = "System.Title"
TAGS_FIELD = "System.Tags"
_DIFFED = 60
"""A text value longer than this (or on several lines, or HTML) is shown as a word diff."""


def new_values(emit: Emit, action: Action) -> None:
    """A new item's fields: name and value (its title is on its line already)."""
    rows = [
        f"<dt>{_e(field_label(change.field))}{_mode(change)}</dt>"
        f"<dd>{_value(change.after, change.field)}</dd>"
        for change in action.field_changes
        if change.field != TITLE_FIELD
    ]
    if rows:
        emit('<dl class="v">' + "".join(rows) + "</dl>\n")


def changed_fields(emit: Emit, action: Action) -> None:
    """Changed fields: before (with who last set it on the board) and after; titles, rich text
    and long text as one word diff."""
    emit(
        '<table class="f">\n<thead><tr><th scope="col">Field</th>'
        '<th scope="col">Before (on the board)</th><th scope="col">After</th></tr></thead>'
        "\n<tbody>\n"
    )
    drift = any(change.drift for change in action.field_changes)
    shown_origin = None
    # manifests' changes first, then drift on the board, each under its heading (when both)
    for change in sorted(action.field_changes, key=lambda change: change.drift):
        origin = origin_of(change)
        if drift and origin != shown_origin:
            emit(f'<tr class="origin origin-{origin}"><th colspan="3" scope="rowgroup">'
                 f"{_e(HEADINGS[origin])}</th></tr>\n")  # fmt: skip
            shown_origin = origin
        name = (
            f'<th scope="row" title="{_e(change.field)}">{_e(field_label(change.field))}'
            f"{_mode(change)}</th>"
        )
        if change.field == TAGS_FIELD:
            emit(f"<tr>{name}<td>{_tags(change.before, change.after, 'del')}{_who(change)}</td>"
                 f"<td>{_tags(change.before, change.after, 'ins')}</td></tr>\n")  # fmt: skip
        elif _diffed(change):
            before, after = readable(change.before), readable(change.after)
            diff = "".join(_segment(s) for s in word_diff(before, after))
            emit(f'<tr>{name}<td class="diff" colspan="2">{diff}{_who(change)}</td></tr>\n')
        else:
            emit(
                f"<tr>{name}<td>{_value(change.before, change.field)}{_who(change)}</td>"
                f"<td>{_value(change.after, change.field)}</td></tr>\n"
            )
    emit("</tbody>\n</table>\n")


def _diffed(change: FieldChange) -> bool:
    """Titles, rich text and long text read best as a word diff (when both sides have text)."""
    values = (change.before, change.after)
    if not all(isinstance(v, str) and v for v in values):
        return False
    if change.field == TITLE_FIELD or _is_rich(change):
        return True
    return any(len(str(v)) > _DIFFED or "\n" in str(v) for v in values)


def _is_rich(change: FieldChange) -> bool:
    """Known HTML fields; a field the name table knows as plain never; any other field when
    its values look like HTML (a custom HTML field) -- as the Markdown plan decides."""
    if change.field in RICH_TEXT_FIELDS:
        return True
    if change.field in REFERENCE_TO_FRIENDLY:
        return False
    values = [v for v in (change.before, change.after) if v is not None]
    return bool(values) and all(isinstance(v, str) and looks_like_html(v) for v in values)


def _segment(segment: Segment) -> str:
    text = _e(shown(segment.text))
    if segment.kind == "del":
        return f"<del>{text}</del>"
    if segment.kind == "ins":
        return f"<ins>{text}</ins>"
    return text


def _value(value: object, ref: str) -> str:
    if value is None or value == "":
        return '<span class="empty">(empty)</span>'
    if ref == TAGS_FIELD and isinstance(value, str):
        tags = "".join(f"<i>{_e(tag)}</i>" for tag in _split_tags(value))
        return f'<span class="tagset">{tags}</span>'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _e(shown(readable(value)))
    return _e(shown(str(value)))


def _split_tags(value: object) -> list[str]:
    if value is None:
        return []
    return [tag.strip() for tag in str(value).split(";") if tag.strip()]


def _tags(before: object, after: object, side: str) -> str:
    """One side of a tag change: kept tags plain, the ones that go struck through (before) or
    the ones that come underlined (after)."""
    old, new = _split_tags(before), _split_tags(after)
    old_keys, new_keys = {t.casefold() for t in old}, {t.casefold() for t in new}
    if side == "del":
        listed, other = old, new_keys
    else:
        listed, other = new, old_keys
    if not listed:
        return '<span class="empty">(none)</span>'
    parts = []
    for tag in listed:
        if tag.casefold() in other:
            parts.append(f'<span class="tag">{_e(tag)}</span>')
        else:
            parts.append(f'<{side} class="tag">{_e(tag)}</{side}>')
    return '<span class="tagset">' + "".join(parts) + "</span>"


def _who(change: FieldChange) -> str:
    edit: FieldEdit | None = change.last_edit
    if edit is None or not edit_text(edit):
        return ""  # nothing to say: the value is one witsync's earlier apply wrote
    what = "changed on the board" if edit.drift else "last set on the board"
    css = "who drift" if edit.drift else "who"
    return (
        f'<span class="{css}">{what} by {_e(shown(edit.by))}, '
        f'<time datetime="{_e(edit.at)}">{_e(_when(edit.at))}</time> (rev {edit.rev})</span>'
    )


def link_who(link: LinkChange) -> str:
    """Who removed (for an add) or added (for a remove) the link on the board, for link drift."""
    edit = link.last_edit
    if edit is None or not edit_text(edit, link=link):
        return ""
    verb = "removed" if link.op == "add" else "added"
    return (
        f'<span class="who drift">{verb} on the board by {_e(shown(edit.by))}, '
        f'<time datetime="{_e(edit.at)}">{_e(_when(edit.at))}</time></span>'
    )


def _when(stamp: str) -> str:
    """`2026-11-20T09:15:00.123Z` → `2026-11-20 09:15 UTC` (what a reader needs)."""
    match = re.match(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(Z|[+-]00:?00)$", stamp)
    return f"{match.group(1)} {match.group(2)} UTC" if match else stamp


def _mode(change: FieldChange) -> str:
    return f' <span class="mode">{_e(change.mode)}</span>' if change.mode != "managed" else ""


def field_label(ref: str) -> str:
    """A field as the manifests name it (`storyPoints`), else its reference name."""
    return display_name(ref)
