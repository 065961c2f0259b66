"""The backlog page: the project's work items as a tree that opens, closes and filters."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from witsync.emulator.pages_kit import not_found, project_base, project_of, render, type_color
from witsync.emulator.pages_text import email, person, tags_of
from witsync.emulator.processes import StateDef, process_named
from witsync.emulator.store import Item, Project, Store


@dataclass
class Row:
    """One work item in the backlog tree."""

    id: int
    type: str
    title: str
    state: str
    state_color: str
    assigned: str
    assigned_email: str
    tags: list[str]
    parent: int | None
    children: list[Row] = field(default_factory=list)
    match: bool = True
    """It passes the filters (else it is shown only as the context of a match below it)."""
    visible: bool = True


def project_items(store: Store, org: str, project: Project) -> list[Item]:
    """Every work item of the project that is not in the recycle bin, by id."""
    rows = store.conn.execute(
        "SELECT id, rev, fields, relations FROM work_items "
        "WHERE org = ? AND +deleted = 0 AND project = ? COLLATE NOCASE ORDER BY id",
        (org, project.name),
    ).fetchall()
    return [
        Item(org, r[0], project.name, r[1], False, json.loads(r[2]), json.loads(r[3])) for r in rows
    ]


def states_of(project: Project) -> dict[tuple[str, str], StateDef]:
    """The project's states by (type, state), lower case: their colours."""
    process = process_named(project.process)
    found: dict[tuple[str, str], StateDef] = {}
    for wit in process.types if process else ():
        for state in wit.states:
            found[(wit.name.lower(), state.name.lower())] = state
    return found


def row_of(item: Item, states: Mapping[tuple[str, str], StateDef]) -> Row:
    """The item as the backlog shows it (the item page's header too)."""
    fields = item.fields
    type_name = str(fields.get("System.WorkItemType", ""))
    state = str(fields.get("System.State", ""))
    info = states.get((type_name.lower(), state.lower()))
    parent = fields.get("System.Parent")
    return Row(
        id=item.id,
        type=type_name,
        title=str(fields.get("System.Title", "")),
        state=state,
        state_color=f"#{info.color}" if info else "#b2b2b2",
        assigned=person(fields.get("System.AssignedTo")),
        assigned_email=email(fields.get("System.AssignedTo")),
        tags=tags_of(fields.get("System.Tags")),
        parent=int(parent) if isinstance(parent, int) else None,
    )


@dataclass(frozen=True)
class Filters:
    types: frozenset[str]
    states: frozenset[str]
    assigned: str
    tag: str
    text: str

    @classmethod
    def of(cls, request: Request) -> Filters:
        query = request.query_params
        return cls(
            types=frozenset(v.lower() for v in query.getlist("type") if v),
            states=frozenset(v.lower() for v in query.getlist("state") if v),
            assigned=query.get("assigned", "").strip(),
            tag=query.get("tag", "").strip(),
            text=query.get("q", "").strip(),
        )

    @property
    def active(self) -> bool:
        return bool(self.types or self.states or self.assigned or self.tag or self.text)

    def admits(self, row: Row) -> bool:
        if self.types and row.type.lower() not in self.types:
            return False
        if self.states and row.state.lower() not in self.states:
            return False
        if self.assigned:
            wanted = self.assigned.lower()
            if wanted == "(unassigned)":
                if row.assigned:
                    return False
            elif wanted not in (row.assigned.lower(), row.assigned_email.lower()):
                return False
        if self.tag and self.tag.lower() not in (t.lower() for t in row.tags):
            return False
        if self.text:
            needle = self.text.lower().lstrip("#")
            if not (needle in row.title.lower() or needle == str(row.id)):
                return False
        return True


def backlog_tree(items: Iterable[Item], project: Project, filters: Filters) -> tuple[
    list[Row], list[Row]
]:  # fmt: skip
    """(roots, every row) of the project's hierarchy; with filters, the rows that pass and the
    parents above them (shown as context) stay visible."""
    states = states_of(project)
    rows = {item.id: row_of(item, states) for item in items}
    roots: list[Row] = []
    for row in rows.values():
        parent = rows.get(row.parent) if row.parent is not None else None
        if parent is None or _loops(rows, row):
            roots.append(row)
        else:
            parent.children.append(row)
    if filters.active:
        for row in rows.values():
            row.match = filters.admits(row)
            row.visible = False
        for row in rows.values():
            if row.match:
                seen: set[int] = set()
                current: Row | None = row
                while current is not None and current.id not in seen and not current.visible:
                    seen.add(current.id)
                    current.visible = True
                    current = rows.get(current.parent) if current.parent is not None else None
    return roots, list(rows.values())


def _loops(rows: Mapping[int, Row], row: Row) -> bool:
    """Whether following parents from `row` comes back to it (a board never allows it; a
    damaged file must still show a page)."""
    seen = {row.id}
    current = rows.get(row.parent) if row.parent is not None else None
    while current is not None:
        if current.id in seen:
            return True
        seen.add(current.id)
        current = rows.get(current.parent) if current.parent is not None else None
    return False


async def backlog_page(request: Request) -> Response:
    store, org, project = project_of(request)
    if project is None:
        return not_found(request, f"project {request.path_params['project']!r}")
    filters = Filters.of(request)
    items = project_items(store, org, project)
    roots, rows = backlog_tree(items, project, filters)
    types: dict[str, int] = {}
    states: dict[str, int] = {}
    people: dict[str, int] = {}
    tags: dict[str, int] = {}
    for row in rows:
        types[row.type] = types.get(row.type, 0) + 1
        states[row.state] = states.get(row.state, 0) + 1
        people[row.assigned or "(unassigned)"] = people.get(row.assigned or "(unassigned)", 0) + 1
        for tag in row.tags:
            tags[tag] = tags.get(tag, 0) + 1
    opened = request.query_params.get("open", "all")
    shown = sum(1 for row in rows if row.visible and row.match)
    base = project_base(request, project)
    return render(
        "backlog.html",
        org=request.path_params["org"],
        project=project,
        base=base,
        roots=roots,
        total=len(rows),
        shown=shown,
        filters=filters,
        types=sorted(types.items(), key=lambda kv: kv[0].lower()),
        states=sorted(states.items(), key=lambda kv: kv[0].lower()),
        people=sorted(people.items(), key=lambda kv: kv[0].lower()),
        tags=sorted(tags.items(), key=lambda kv: kv[0].lower()),
        opened=opened,
        type_color=type_color,
        link_with=lambda **change: _query(request, change),
    )


def _query(request: Request, change: Mapping[str, str]) -> str:
    """The backlog URL with its filters and `change` applied (the expand/collapse links)."""
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in change]
    pairs += [(k, v) for k, v in change.items() if v]
    return f"{request.url.path}?{urlencode(pairs)}" if pairs else request.url.path
