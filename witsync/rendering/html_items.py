"""The items of the HTML plan: nested lists of rows, each changed item's panel and its links."""

from __future__ import annotations

from urllib.parse import quote

from witsync.model import REL_PARENT, Action, LinkChange, Plan
from witsync.rendering.common import LINK_NAMES
from witsync.rendering.html_fields import changed_fields, link_who, new_values
from witsync.rendering.html_markup import Emit, board_link, file_line, warning_text
from witsync.rendering.html_markup import escape as _e
from witsync.rendering.html_tree import Node
from witsync.rendering.origin import DRIFT_ON_BOARD, split_action
from witsync.text import shown


def write_tree(emit: Emit, plan: Plan, roots: list[Node]) -> None:
    """The nested lists, written without recursion (a deep chain of parents is still valid)."""
    emit('<ul class="tree">\n')
    stack: list[Node | str] = list(reversed(roots))
    while stack:
        entry = stack.pop()
        if isinstance(entry, str):
            emit(entry)
            continue
        node = entry
        emit(f'<li class="n a-{node.mark}" id="{_e(node.anchor)}" data-t="{_e(node.type)}">')
        has_panel = node.action is not None or bool(node.warnings)
        if not node.children and not has_panel:
            emit(f'<div class="r">{_row(plan, node)}</div></li>\n')
            continue
        opened = " open" if node.changed_below or node.warnings else ""
        emit(f"<details{opened}><summary>{_row(plan, node)}</summary>\n")
        if has_panel:
            _panel(emit, plan, node)
        if node.children:
            emit("<ul>\n")
            stack.append("</ul></details></li>\n")
            stack.extend(reversed(node.children))
        else:
            emit("</details></li>\n")
    emit("</ul>\n")


def _row(plan: Plan, node: Node) -> str:
    """The item's line: mark, type, id, title, key, state, what changes, where it is stated.
    Compact markup: a plan of 10,000 items writes it 10,000 times."""
    mark = node.mark
    word = node.action.kind if node.action is not None else mark  # also adopt, rekey, restore
    parts = [f'<b class="m m-{mark}">{word}</b>', f'<i class="ty">{_e(node.type)}</i>']
    if node.id is None:
        pass  # a new item: its mark says so
    elif node.action is None:
        parts.append(f'<a class="wid" href="{_e(board_link(plan, node.id))}">#{node.id}</a>')
    else:  # the panel links it: a link inside <summary> would take the click that opens it
        parts.append(f'<i class="wid">#{node.id}</i>')
    parts.append(f'<span class="ti">{_e(shown(node.title))}</span>')
    parts.append(f'<code class="key">{_e(node.key)}</code>')
    if node.state:
        parts.append(f'<i class="st">{_e(node.state)}</i>')
    if node.action is not None and node.action.kind != "create":
        parts.append(f'<i class="wh">{_e(_what(node.action))}</i>')
        if split_action(node.action)[1] is not None:  # a reviewer's first question
            parts.append(f'<i class="wh drift">{_e(DRIFT_ON_BOARD.lower())}</i>')
    if node.children and not node.changed_below:
        parts.append(f'<i class="wh">{node.size - 1:,} unchanged below</i>')
    if node.outside_parent is not None:
        parts.append(
            f'<i class="wh">under <a href="{_e(board_link(plan, node.outside_parent))}">'
            f"#{node.outside_parent}</a> (outside the set)</i>"
        )
    if node.location is not None and node.action is None:
        parts.append(f'<i class="w">{_e(file_line(node.location))}</i>')
    # spaces between the parts: read aloud and copied as words (a flex row ignores them)
    return " ".join(parts)


def _what(action: Action) -> str:
    fields = len(action.field_changes)
    links = len(action.link_changes)
    said = []
    if fields:
        said.append(f"{fields} field{'s' if fields != 1 else ''}")
    if links:
        said.append(f"{links} link{'s' if links != 1 else ''}")
    return ", ".join(said)


def _panel(emit: Emit, plan: Plan, node: Node) -> None:
    action = node.action
    meta = []
    if node.location is not None:
        meta.append(f"manifest <code>{_e(file_line(node.location))}</code>")
    if node.id is not None:
        meta.append(f'<a href="{_e(board_link(plan, node.id))}">#{node.id} on the board</a>')
    if action is not None and action.rev is not None:
        meta.append(f"planned against rev {action.rev}")
    after = [key for key in (action.depends_on if action else ()) if key != node.tree_parent]
    if after:  # (a new parent is the one the tree shows it under)
        meta.append("after " + ", ".join(_key_link(key) for key in after))
    emit(f'<div class="p">\n<p class="meta">{" · ".join(meta)}</p>\n')
    if action is not None and action.field_changes:
        if action.kind == "create":
            new_values(emit, action)
        else:
            changed_fields(emit, action)
    links = [
        link
        for link in (action.link_changes if action is not None else ())
        # a new item's parent is the one the tree shows it under: no need to say it twice
        if not (
            action is not None
            and action.kind == "create"
            and link.rel == REL_PARENT
            and link.op == "add"
            and link.target_key is not None
            and link.target_key == node.tree_parent
        )
    ]
    if links:
        emit('<ul class="links" aria-label="Links">\n')
        for link in links:
            emit(_link(plan, link))
        emit("</ul>\n")
    if action is not None and action.notes:
        emit('<ul class="notes">\n')
        for note in action.notes:
            emit(f"<li><b>note:</b> {_e(shown(note))}</li>\n")
        emit("</ul>\n")
    for warning in node.warnings:
        css = "warn error" if warning.severity == "error" else "warn"
        emit(f'<div class="{css}">{warning_text(warning)}</div>\n')
    emit("</div>\n")


def _link(plan: Plan, link: LinkChange) -> str:
    name = LINK_NAMES.get(link.rel, link.rel)
    if link.target_key is not None and link.target_id is None:
        other = f"{_key_link(link.target_key)} (new)"
    elif link.target_key is not None:
        other = (
            f'<a href="{_e(board_link(plan, link.target_id or 0))}">#{link.target_id}</a> '
            f"{_key_link(link.target_key)}"
        )
    else:
        other = f'<a href="{_e(board_link(plan, link.target_id or 0))}">#{link.target_id}</a>'
    symbol = "+" if link.op == "add" else "−"
    css = f"{link.op} drift" if link.drift else link.op
    return (
        f'<li class="{css}"><span class="sym" aria-hidden="true">{symbol}</span> '
        f"{link.op} link <b>{_e(name)}</b> → {other}{link_who(link)}</li>\n"
    )


def _key_link(key: str) -> str:
    return f'<a href="#{_e(quote("item-" + key, safe=""))}"><code>{_e(key)}</code></a>'
