"""An item's field changes in the Markdown plan: table rows, long values, rich-text word diffs."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from witsync.fields import REFERENCE_TO_FRIENDLY, RICH_TEXT_FIELDS
from witsync.model import Action, FieldChange
from witsync.model.markdown import looks_like_html
from witsync.rendering.common import LONG, text_diff, value_text
from witsync.rendering.origin import edit_text
from witsync.rendering.richtext import readable, word_diff
from witsync.text import shown

CELL = 200
"""Characters of a value shown in a table cell; longer values are cut (the diff shows them)."""
RICH_DIFF = 3_000
"""Characters of one rich-text diff shown; the plan file has the whole values."""
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")
_BLOCK_START = re.compile(r"^(?:\d{1,9}(?=[.)])|(?=[-+]))")
"""What would make a paragraph's first characters a list item (`1.`, `-`, `+`)."""
_WORD = re.compile(r"\w+")


def table_row(action: Action, change: FieldChange, texts: tuple[str, str] | None) -> str:
    if texts is not None:  # rich text short enough for a cell: its text, empty on one side
        before = cell(texts[0]) if texts[0] else "(empty)"
        after = cell(texts[1]) if texts[1] else "(empty)"
    else:
        before, after = cell(value_text(change.before)), cell(value_text(change.after))
    if action.kind == "create":
        before = ""
    elif edit_text(change.last_edit):
        # Who set the value the board has now: it describes the Before side.
        before += f"<br><sub>{escaped(edit_text(change.last_edit))}</sub>"
    return f"| {_name(change)}{_mode(change)} | {before} | {after} |"


def _name(change: FieldChange) -> str:
    """The field as the manifests name it, its reference name on hover (and in the source)."""
    friendly = REFERENCE_TO_FRIENDLY.get(change.field)
    if friendly is None:
        return escaped(change.field)
    return f'<abbr title="{html.escape(change.field)}">{escaped(friendly)}</abbr>'


def _name_html(change: FieldChange) -> str:
    """`_name` in bold, for the HTML of a `<summary>` line."""
    friendly = REFERENCE_TO_FRIENDLY.get(change.field)
    if friendly is None:
        return f"<b>{html_escaped(change.field)}</b>"
    return f'<b><abbr title="{html.escape(change.field)}">{html_escaped(friendly)}</abbr></b>'


def long_block(change: FieldChange) -> list[str]:
    lines = [f"**{_name(change)}**{_mode(change)}", ""]
    if edit_text(change.last_edit) and change.before is not None:
        lines += [f"<sub>Before: {escaped(edit_text(change.last_edit))}</sub>", ""]
    return lines + _fenced(text_diff(change, limit=30))


def rich_text(change: FieldChange) -> tuple[str, str] | None:
    """The text a reader sees on each side of a rich-text (HTML) field; None for other fields.

    Known HTML fields always; a field the name table knows as plain never; any other field when
    every value it has looks like HTML (a custom HTML field)."""
    values = [value for value in (change.before, change.after) if value is not None]
    if not values or not all(isinstance(value, str) for value in values):
        return None
    if change.field not in RICH_TEXT_FIELDS and (
        change.field in REFERENCE_TO_FRIENDLY or not all(looks_like_html(v) for v in values)
    ):
        return None
    texts = readable(change.before), readable(change.after)
    return texts if any(texts) else None  # no text on either side: the markup is the change


def rich_in_table(texts: tuple[str, str] | None) -> bool:
    """A value added or cleared whose text is one short line reads best in the table."""
    if texts is None or (texts[0] and texts[1]):
        return False
    text = texts[0] or texts[1]
    return len(text) <= LONG and "\n" not in text


def rich_block(change: FieldChange, texts: tuple[str, str]) -> list[str]:
    """Rich text as text, in its own open `<details>`: words deleted struck through, words
    inserted underlined (`<del>`, `<ins>`), long unchanged runs shortened."""
    before, after = texts
    runs = [(segment.kind, segment.text) for segment in word_diff(before, after)]
    added = sum(len(_WORD.findall(text)) for kind, text in runs if kind == "ins")
    removed = sum(len(_WORD.findall(text)) for kind, text in runs if kind == "del")
    if not before:
        what, body = f"new, {_words(added)}", _diff_paragraph([("same", after)])
    elif not after:
        what, body = f"cleared, {_words(removed)} removed", _diff_paragraph([("del", before)])
    elif added or removed:
        counts = [f"{_words(added)} added"] if added else []
        counts += [f"{removed} removed"] if removed else []
        what, body = ", ".join(counts), _diff_paragraph(runs)
    else:
        what, body = "the same words, other formatting", ""
    heading = f"{_name_html(change)}{_mode_html(change)}: {what}"
    lines = [f"<details open><summary>{heading}</summary>", ""]
    if edit_text(change.last_edit) and before:
        lines += [f"<sub>Before: {escaped(edit_text(change.last_edit))}</sub>", ""]
    if body:
        lines += [body, ""]
    else:  # nothing a reader sees differs: show the markup that does
        lines += _fenced(text_diff(change, limit=30))
    return [*lines, "</details>", ""]


def _words(count: int) -> str:
    return f"{count} word{'s' if count != 1 else ''}"


def _diff_paragraph(runs: Sequence[tuple[str, str]]) -> str:
    """Runs of kept (`same`), deleted (`del`) and inserted (`ins`) text as one Markdown
    paragraph, lines joined by `<br>` so that no line of the text can start a Markdown block;
    at most RICH_DIFF characters of text."""
    out: list[str] = []
    budget = RICH_DIFF
    for kind, whole in runs:
        if budget <= 0:
            out.append(" <i>… (the plan file has the whole text)</i>")
            break
        text = whole if len(whole) <= budget else whole[:budget] + "…"
        budget -= len(text)
        core = text.strip()
        if not core:  # a line break or space alone: as the new text has it
            out.append("" if kind == "del" else escaped(text))
            continue
        start = text.index(core)
        lead, trail = text[:start], text[start + len(core) :]
        if kind == "ins" and not lead and out and out[-1].endswith("</del>"):
            lead = " "  # "for now until Q3", not "for nowuntil Q3"
        inner = escaped(core) if kind == "same" else f"<{kind}>{escaped(core)}</{kind}>"
        out.append(escaped(lead) + inner + escaped(trail))
    paragraph = "".join(out).strip()
    return _BLOCK_START.sub(lambda match: match.group() + "\\", paragraph, count=1)


# ---------------------------------------------------------------------------------------------
# Links and small pieces


def _mode(change: FieldChange) -> str:
    return f" _({change.mode})_" if change.mode != "managed" else ""


def _mode_html(change: FieldChange) -> str:
    return f" <i>({change.mode})</i>" if change.mode != "managed" else ""


def _fenced(lines: list[str]) -> list[str]:
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}diff", *(cut(line, 300) for line in lines), fence, ""]


def cut(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def escaped(text: str) -> str:
    """Text that Markdown shows as is, also inside a table cell, control characters written out
    (a comment is also read as plain text: in e-mail notifications, CI logs, terminals)."""
    escaped = html.escape(shown(text), quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escaped).replace("\n", "<br>")


def html_escaped(text: str) -> str:
    """Text inside the HTML of a `<summary>` line: escaped, control characters written out, and
    on one line (a blank line would end the HTML block and spill the rest as Markdown)."""
    return html.escape(shown(text)).replace("\n", "<br>")


def cell(text: str) -> str:
    return escaped(cut(text, CELL))
